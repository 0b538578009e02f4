"""Preparing the large fonts: what it says while it works, exactly the characters needed, and
two processes asking for the same font at once."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from fontTools.ttLib import TTFont

from conftest import EXE, ROOT


def _env(tmp_path: Path) -> dict:
    return dict(os.environ, HANDOUTS_FONTS_DIR=str(tmp_path / "fonts"), HANDOUTS_CACHE_DIR="off")


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_preparation_says_what_it_does_and_how_long_even_in_a_log(tmp_path):
    # stderr is a pipe here, as in a log or a service: the lines are written all the same
    r = subprocess.run([str(EXE), "fonts", "prepare", "--lang", "zh-Hant"], env=_env(tmp_path),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    assert "\r" not in r.stderr
    assert re.fullmatch(r"handouts: preparing the noto-tc font for zh-Hant handouts \([\d,]+ characters; once\)\.\.\.",
                        lines[0]), lines
    assert re.fullmatch(r"handouts: the noto-tc font is ready \(\d+\.\d s\)", lines[1]), lines
    assert len(lines) == 2
    again = subprocess.run([str(EXE), "fonts", "prepare", "--lang", "zh-Hant"], env=_env(tmp_path),
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and again.stderr == ""  # made once, then used


def test_a_prepared_font_holds_the_characters_of_the_handouts_and_no_more(tmp_path):
    from babel.messages.pofile import read_po

    r = subprocess.run([str(EXE), "fonts", "prepare", "--lang", "zh-Hans"], env=_env(tmp_path),
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    manifest = json.loads((tmp_path / "fonts" / "manifest.json").read_text())
    (entry,) = [e for e in manifest["fonts"].values() if e["family"] == "noto-sc"]
    regular = tmp_path / "fonts" / entry["files"]["regular"]
    font = TTFont(str(regular))
    cmap = font.getBestCmap()
    with (ROOT / "locales" / "zh_Hans" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        used = {ch for m in read_po(fh) if m.id for s in ([m.string] if isinstance(m.string, str) else m.string)
                for ch in s if not ch.isspace()}
    assert used <= {chr(c) for c in cmap}  # every character the catalog uses
    assert len(font.getGlyphOrder()) < 4000  # not all of GBK (over 20,000)
    assert font["name"].getDebugName(6).startswith("HandoutsNotoSc-Regular-")
    assert _sha256(regular) == entry["sha256"]["regular"]


def test_two_processes_preparing_one_font_at_once_make_it_once(tmp_path):
    env = _env(tmp_path)
    procs = [subprocess.Popen([str(EXE), "fonts", "prepare", "--lang", "ko"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    errors = "".join(err for _out, err in results)
    assert errors.count("handouts: preparing the noto-kr font") == 1, errors  # the other one waited, then used it
    folder = tmp_path / "fonts"
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".part")]
    manifest = json.loads((folder / "manifest.json").read_text())
    (entry,) = [e for e in manifest["fonts"].values() if e["family"] == "noto-kr"]
    for face, name in entry["files"].items():
        assert _sha256(folder / name) == entry["sha256"][face]
    # and both processes can use it: a handout from each, at once
    outs = [tmp_path / f"{i}.pdf" for i in range(2)]
    procs = [subprocess.Popen([str(EXE), "make", "--drug", "baclofen", "--lang", "ko", "--paper", "a4",
                               "--out", str(out)], env=env, stderr=subprocess.PIPE, text=True) for out in outs]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
        assert "preparing" not in p.stderr.read()
    assert outs[0].read_bytes() == outs[1].read_bytes()
