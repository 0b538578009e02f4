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
