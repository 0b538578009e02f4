"""deliver/printer.py, called directly: the queues, a bad queue name, a PDF sent to a real queue."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from handouts.deliver.printer import check_printer, printer_queues, send_to_printer
from handouts.errors import UsageError

QUEUE = "handouts-test"


@pytest.fixture
def cups():
    up = shutil.which("lp") and subprocess.run(["lpstat", "-p", QUEUE], capture_output=True).returncode == 0
    if not up:
        if os.environ.get("HANDOUTS_REQUIRE_CUPS"):
            pytest.fail(f"CUPS queue {QUEUE} is not running (run .ci/cups)")
        pytest.skip(f"no CUPS queue {QUEUE} here (run .ci/cups as root to test printing)")


def test_a_queue_name_that_cannot_be_one_is_refused_before_cups_is_asked():
    with pytest.raises(UsageError, match=r"--printer: 'front desk;rm' is not a printer name"):
        check_printer("front desk;rm")


def test_the_queues_are_listed_and_an_unknown_one_is_named(cups):
    assert QUEUE in printer_queues()
    with pytest.raises(UsageError, match=rf"there is no print queue 'nope'; the queues here are: .*{QUEUE}"):
        check_printer("nope")


def test_a_pdf_reaches_the_queue(cups, tmp_path):
    from handouts.handout import Request, make_handout

    spool = Path(os.environ.get("HANDOUTS_TEST_PRINT_DIR", f"/var/spool/cups-pdf/{QUEUE}"))
    before = set(spool.glob("*.pdf")) if spool.is_dir() else set()
    pdf = tmp_path / "one.pdf"
    pdf.write_bytes(make_handout(Request(drug="naloxone", lang="en", paper="letter")).pdf)
    answer = send_to_printer(pdf, QUEUE)
    assert answer.startswith("request id is handouts-test-"), answer
    for _ in range(100):  # cups-pdf writes the job a moment later
        if spool.is_dir() and set(spool.glob("*.pdf")) - before:
            break
        time.sleep(0.1)
    assert set(spool.glob("*.pdf")) - before, "the job did not reach the queue's folder"
