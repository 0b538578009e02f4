"""`handouts check`: the shipped content passes; each kind of broken content or catalog file
gives its exact message (the broken files are made from the shipped ones, one change each)."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

BACLOFEN = (ROOT / "content" / "baclofen.yaml").read_text(encoding="utf-8")
SPANISH = (ROOT / "locales" / "es" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
LONG = ("Patients who are considering discontinuation of this medication should consult "
        "their physician regarding appropriate tapering schedules, potential withdrawal "
        "manifestations, and alternative pharmacological interventions.")


def _line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


# kind -> (change to content/baclofen.yaml, change to the Spanish catalog, level, message)
CASES = {
    "schema": (lambda t: t.replace("review_date: 2026-11-23", "review_date: soon"), None, "error",
               "clinic-content/baclofen.yaml:{line}: review_date: expected a date like 2026-11-23, got text: correct it in the content file"),
    "readability": (lambda t: t.replace('"Refill your medicine before it runs out."', f'"{LONG}"'), None, "error",
                    "clinic-content/baclofen.yaml:{line}: how_to_take: reading grade"),
    "old review": (lambda t: t.replace("review_date: 2026-11-23", "review_date: 2024-01-02"), None, "warning",
                   "clinic-content/baclofen.yaml:{line}: review_date: last reviewed 2024-01-02, more than a year ago: "
                   "review the content against the current label and update review_date"),
    "long list": (None, None, "warning",
                  "content/baclofen.yaml:{line}: side_effects.common: 8 items in one list: keep lists to 7 items or "
                  "fewer: split it or cut"),
    "fuzzy": (None, lambda t: t.replace('msgctxt "baclofen:missed_dose"\nmsgid "Never take two doses at once."',
                                        '#, fuzzy\nmsgctxt "baclofen:missed_dose"\nmsgid "Never take two doses at once."'),
              "error", "clinic-locales/es/LC_MESSAGES/messages.po:{line}: stale (fuzzy) translation of \"Never take "
                       "two doses at once.\": the English changed: update the translation and remove the fuzzy flag"),
    "missing": (None, lambda t: t.replace('msgstr "Nunca tome dos dosis a la vez."', 'msgstr ""'), "error",
                "clinic-locales/es/LC_MESSAGES/messages.po:{line}: missing translation of \"Never take two doses at "
                "once.\": translate it"),
    "number": (None, lambda t: t.replace("Una revisión de 17 estudios", "Una revisión de 71 estudios"), "error",
               "clinic-locales/es/LC_MESSAGES/messages.po:{line}: [baclofen:off_label] numbers"),
    "glyph": (None, lambda t: t.replace('msgstr "Nunca tome dos dosis a la vez."', 'msgstr "Nunca tome dos dosis ★."'),
              "error", "clinic-locales/es/LC_MESSAGES/messages.po:{line}: U+2605 BLACK STAR cannot be drawn by the "
                       "font atkinson: use another character, or set a font that has it in templates/styles.toml"),
}
def _yaml_line(text: str, path: str) -> int:
    from handouts.content import parse_yaml

    return parse_yaml(text, "x").lines[path]


def _po_line(text: str, context: str, msgid: str) -> int:
    import io

    from babel.messages.pofile import read_po

    for m in read_po(io.BytesIO(text.encode("utf-8"))):
        if m.context == context and isinstance(m.id, str) and m.id.startswith(msgid):
            return m.lineno
    raise KeyError(msgid)


LINES = {
    "schema": lambda c, p: _yaml_line(c, "review_date"),
    "readability": lambda c, p: _yaml_line(c, "how_to_take"),
    "old review": lambda c, p: _yaml_line(c, "review_date"),
    "long list": lambda c, p: _yaml_line(c, "side_effects.common"),
    "fuzzy": lambda c, p: _po_line(p, "baclofen:missed_dose", "Never take two doses at once."),
    "missing": lambda c, p: _po_line(p, "baclofen:missed_dose", "Never take two doses at once."),
    "number": lambda c, p: _po_line(p, "baclofen:off_label", "A 2023 review"),
    "glyph": lambda c, p: _po_line(p, "baclofen:missed_dose", "Never take two doses at once."),
}


@pytest.mark.parametrize("kind", CASES)
def test_each_kind_of_problem_has_its_message(cli, tmp_path, kind):
    change_content, change_catalog, level, expected = CASES[kind]
    args = ["check", "--drug", "baclofen", "--lang", "es", "--no-layout"]
    content_text, catalog_text = BACLOFEN, SPANISH
    if change_content:
        (tmp_path / "clinic-content").mkdir()
        changed = change_content(BACLOFEN)
        assert changed != BACLOFEN
        (tmp_path / "clinic-content" / "baclofen.yaml").write_text(changed, encoding="utf-8")
        content_text = changed
        args += ["--content", "clinic-content"]
    if change_catalog:
        folder = tmp_path / "clinic-locales" / "es" / "LC_MESSAGES"
        folder.mkdir(parents=True)
        changed = change_catalog(SPANISH)
        assert changed != SPANISH
        (folder / "messages.po").write_text(changed, encoding="utf-8")
        args += ["--locales", "clinic-locales"]
        catalog_text = changed
    expected = expected.format(line=LINES[kind](content_text, catalog_text))
    r = cli(*args)
    lines = [ln for ln in r.out.splitlines() if ln.startswith(f"{level}: ")]
    assert any(ln[len(level) + 2:].startswith(expected) for ln in lines), (expected, r.out)
    assert r.code == (1 if level == "error" else 0), r


def test_the_shipped_content_passes_with_grades_in_the_report(cli):
    r = cli("check", "--json")
    assert r.code == 0, r.out[-3000:]
    report = json.loads(r.out)
    assert report["ok"] and report["errors"] == 0
    for drug in ("baclofen", "lamotrigine"):
        grades = report["readability"][drug]["en"]
        scored = {k: v["grade"] for k, v in grades.items() if v["scored"]}
        assert scored and all(g <= 6 for g in scored.values()), scored
        assert any(v["scored"] for v in report["readability"][drug]["es"].values())
    assert report["pages"]["baclofen/en/letter"] == 2
    assert all(p <= 3 for key, p in report["pages"].items() if key.endswith("/letter"))
    assert report["translations"]["es"]["catalogs"][0]["review"] == "draft"


def test_strict_fails_on_warnings(cli):
    r = cli("check", "--drug", "baclofen", "--lang", "es", "--no-layout", "--strict")
    assert r.code == 1
    assert "warning: locales/es/LC_MESSAGES/messages.po:1: translation not yet reviewed" in r.out
