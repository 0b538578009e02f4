"""Sending a PDF to a CUPS print queue, and listing the queues (``lp``, ``lpstat``).

Used by ``handouts batch --printer`` and the web page's "Print". A queue is checked before
anything is made; a refusal is one line naming the queue, and the file is kept.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from handouts.errors import OutputError, UsageError, shown


def _lp_tools() -> tuple[str, str]:
    lp, lpstat = shutil.which("lp"), shutil.which("lpstat")
    if lp is None or lpstat is None:
        raise OutputError("cannot print: the 'lp' and 'lpstat' commands (CUPS) are not installed; "
                          "install CUPS, or leave out --printer and print the --print-file yourself")
    return lp, lpstat


def printer_queues() -> list[str]:
    """The CUPS queues this computer can print to (``lpstat -e``)."""
    _lp, lpstat = _lp_tools()
    try:
        proc = subprocess.run([lpstat, "-e"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        raise OutputError("cannot list the printers: 'lpstat -e' did not answer; check that CUPS is running") from None
    return sorted({line.split()[0] for line in proc.stdout.splitlines() if line.strip()})


def check_printer(printer: str) -> None:
    """``--printer``: a queue that exists, checked before anything is made."""
    if not re.fullmatch(r"[A-Za-z0-9_.@\-]{1,127}", printer):
        raise UsageError(f"--printer: '{shown(printer)}' is not a printer name; see 'lpstat -e' for the queues")
    queues = printer_queues()
    if printer not in queues:
        listed = ", ".join(queues) if queues else "none (add one in CUPS first)"
        raise UsageError(f"--printer: there is no print queue '{printer}'; the queues here are: {listed}")


def send_to_printer(path: Path, printer: str) -> str:
    """Send the print file to a CUPS queue with ``lp``; returns lp's request id line."""
    lp, _lpstat = _lp_tools()  # (the queue: see check_printer, called before the handouts are made)
    try:
        proc = subprocess.run([lp, "-d", printer, "-t", "handouts", "--", str(path)],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        raise OutputError(f"printer '{printer}': 'lp' did not answer; check CUPS, the print file is kept") from None
    if proc.returncode != 0:
        reason = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no reason given"]
        raise OutputError(f"printer '{printer}' refused the print file: {shown(reason[0], 120)}; "
                          "check the queue with 'lpstat -p', the file is kept")
    return shown(proc.stdout.strip(), 120)


def job_number(reply: str) -> str:
    """The job's number in lp's reply ("request id is front-desk-42 (1 file(s))" -> "42")."""
    words = reply.split()
    job = words[3] if reply.startswith("request id is ") and len(words) > 3 else reply
    return job.rsplit("-", 1)[-1]
