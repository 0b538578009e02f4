"""The README's two commands: CI runs exactly the test command."""

from __future__ import annotations

import re

from conftest import ROOT


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.+?)\n```", readme, flags=re.S)
    install_and_make, install_and_test = blocks[0].strip(), blocks[1].strip()
    assert "handouts make --drug baclofen --lang es" in install_and_make
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci == install_and_test


def test_sample_pdfs_are_current():
    """samples/ shows what the code makes today (run samples/make_samples.py after a change)."""
    from handouts.handout import Request, make_handout

    for drug in ("baclofen", "lamotrigine"):
        for lang in ("en", "es"):
            sample = ROOT / "samples" / f"{drug}-{lang}.pdf"
            assert sample.is_file(), sample
            assert (ROOT / "samples" / f"{drug}-{lang}-page1.png").is_file()
            made = make_handout(Request(drug=drug, lang=lang, paper="letter")).pdf
            assert made == sample.read_bytes(), f"{sample.name} is stale: run python samples/make_samples.py"
