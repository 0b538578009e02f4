"""Bad and hostile input, as data: every case in tests/data/cli/<case>/case.toml is run through
the real command in a fresh folder, and must end with its one-line error and exit code, no
traceback, no temporary file left, nothing outside the folder changed and nothing personal
repeated.

case.toml:
    args      the command's arguments
    code      the exit code
    stderr    the whole of standard error: one line
    setup     what the folder holds first: ["write", path, text], ["mkdir", path],
              ["symlink", target, path], ["csv"] (day.csv, one patient row), ["bomb", path]
              (a YAML file of nested aliases), ["deep", path] (a YAML file nested 20,000
              deep), ["fifo", path] (a named pipe), ["longwarning", path] (the Spanish
              catalog with a warning too long for a page)
    unchanged files that must be byte-for-byte the same afterwards (e.g. a symlink's target)
    never     text that must not appear in any output (a name, an address)
    made      the PDFs made (none, unless the case is one that must still work)
    env       extra environment variables
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import DATA, EXE, ROOT

CASES = sorted(p.parent for p in (DATA / "cli").glob("*/case.toml"))


def _bomb() -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _long_warning() -> str:
    po = (ROOT / "locales" / "es" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    old = '"No deje de tomar el baclofeno de repente. No omita dosis ni deje que se "\n"le acabe."'
    assert old in po
    return po.replace(old, '"' + " ".join(["No deje de tomar el baclofeno de repente."] * 300) + '"')


def _setup(work: Path, steps: list) -> None:
    for step in steps:
        kind, *args = step
        path = work / args[0] if args else None
        if path is not None and kind != "symlink":
            path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "write":
            path.write_text(args[1], encoding="utf-8")
        elif kind == "mkdir":
            path.mkdir(parents=True, exist_ok=True)
        elif kind == "symlink":
            link = work / args[1]
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(args[0])
        elif kind == "csv":
            (work / "day.csv").write_text("drug,lang,patient\nbaclofen,es,Ana\n", encoding="utf-8")
        elif kind == "bomb":
            path.write_text(_bomb(), encoding="utf-8")
        elif kind == "longwarning":
            path.write_text(_long_warning(), encoding="utf-8")
        elif kind == "deep":
            path.write_text("a: " + "[" * 20000 + "]" * 20000 + "\n", encoding="utf-8")
        elif kind == "fifo":
            os.mkfifo(path)
        else:
            raise AssertionError(f"unknown setup step {kind!r}")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_bad_input_is_one_line_and_an_exit_code(tmp_path, case):
    spec = tomllib.loads((case / "case.toml").read_text(encoding="utf-8"))
    work = tmp_path / "work"
    work.mkdir()
    _setup(work, spec.get("setup", []))
    before = {name: (work / name).read_bytes() for name in spec.get("unchanged", [])}
    # the paper is the clinic's (Letter here): no note about the machine's locale
    env = {**os.environ, "LC_PAPER": "en_US.UTF-8", **spec.get("env", {})}
    proc = subprocess.run([str(EXE), *spec["args"]], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == spec["code"], proc
    assert proc.stderr == spec["stderr"] + "\n", proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    for text in spec.get("never", []):
        assert text not in proc.stdout + proc.stderr, text
    for name, data in before.items():
        assert (work / name).read_bytes() == data, f"{name} was changed"
    left = [p for p in tmp_path.rglob("*") if p.name.endswith((".tmp", ".part"))]
    assert not left, left
    made = sorted(str(p.relative_to(work)) for p in work.rglob("*.pdf") if p.is_file())
    assert made == sorted(spec.get("made", [])), made  # nothing made on an error


def test_a_name_of_bytes_that_are_not_text_is_one_line(tmp_path):
    """Bytes that are not UTF-8 on the command line (a terminal in another encoding)."""
    proc = subprocess.run([os.fsencode(str(EXE)), b"make", b"--drug", b"baclofen", b"--patient", b"Ana \xff\xfe"],
                          cwd=tmp_path, capture_output=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == (b"handouts: error: --patient: contains bytes that are not text (is the terminal set "
                           b"to UTF-8?); retype it\n")
