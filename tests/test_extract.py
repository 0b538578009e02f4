"""Translatable strings: the real `pybabel extract` with the repo's babel.cfg finds every one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from conftest import ROOT
from handouts.content import TRANSLATABLE_FIELDS, load_monograph

PYBABEL = Path(sys.executable).parent / "pybabel"


def extract(tmp_path) -> Path:
    out = tmp_path / "messages.pot"
    proc = subprocess.run(
        [str(PYBABEL), "extract", "-F", "babel.cfg", "-o", str(out), "--add-comments=Translators:", "."],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_pybabel_extracts_content_with_drug_and_field_context(tmp_path):
    with extract(tmp_path).open("rb") as fh:
        catalog = read_po(fh)
    contexts = {(m.context, m.id) for m in catalog if m.id}
    for path in sorted((ROOT / "content").glob("*.yaml")):
        mono = load_monograph(path)
        for field, text, _ in mono.strings():
            assert (f"{mono.drug}:{field}", text) in contexts, (field, text)
            assert field in TRANSLATABLE_FIELDS
    entry = next(m for m in catalog if m.context == "baclofen:side_effects.common")
    assert any("common side effect" in c.lower() for c in entry.auto_comments)
    assert entry.locations[0][0].endswith("content/baclofen.yaml") and entry.locations[0][1] > 1


def test_pybabel_extracts_template_strings_trimmed(tmp_path):
    with extract(tmp_path).open("rb") as fh:
        catalog = read_po(fh)
    ids = {m.id for m in catalog if m.id and m.context is None}
    assert "Most important information" in ids
    assert "Page %(page)s of %(pages)s" in ids
    assert not any("\n" in i or "  " in i for i in ids if isinstance(i, str))


def test_shipped_template_pot_is_up_to_date(tmp_path):
    """locales/messages.pot holds exactly what extraction finds now (run pybabel extract)."""
    with extract(tmp_path).open("rb") as fh:
        fresh = {(m.context, m.id) for m in read_po(fh) if m.id}
    with (ROOT / "locales" / "messages.pot").open("rb") as fh:
        shipped = {(m.context, m.id) for m in read_po(fh) if m.id}
    assert fresh == shipped, f"missing: {fresh - shipped}; obsolete: {shipped - fresh}"
