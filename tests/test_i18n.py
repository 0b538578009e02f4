"""Translations: complete Spanish catalogs, named errors for missing or stale strings, fallback."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from conftest import ROOT, flat, pdf_text
from handouts import i18n
from handouts.errors import UsageError
from handouts.i18n.catalog import load_catalog

CATALOGS = sorted((ROOT / "locales").glob("*/LC_MESSAGES/messages.po"))


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_catalog_has_no_missing_or_fuzzy_entries(path):
    with path.open("rb") as fh:
        catalog = read_po(fh, abort_invalid=True)
    with (ROOT / "locales" / "messages.pot").open("rb") as fh:
        template = {(m.context, m.id) for m in read_po(fh) if m.id}
    present = {(m.context, m.id) for m in catalog if m.id and m.string and not m.fuzzy}
    assert template <= present, f"untranslated or fuzzy: {sorted(template - present, key=str)[:5]}"


def _brand_names() -> dict[str, list[str]]:
    from handouts.content import load_monograph

    return {p.stem: list(load_monograph(p, p.stem).brand_names) for p in (ROOT / "content").glob("*.yaml")}


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-3])
def test_translations_keep_placeholders_numbers_names_and_urls(path):
    from handouts.i18n.consistency import check_catalog

    problems = check_catalog(path, _brand_names())
    assert not problems, "\n".join(map(str, problems))


def test_the_consistency_check_finds_what_a_translation_dropped(tmp_path):
    from handouts.i18n.consistency import check_catalog

    po = tmp_path / "messages.po"
    po.write_text("""msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgctxt "baclofen:name"
msgid "baclofen"
msgstr "باكلوفين"

msgctxt "baclofen:warning"
msgid "Do not stop baclofen suddenly."
msgstr "لا تتوقف فجأة."

msgctxt "lamotrigine:warning"
msgid "A serious rash is most likely in the first 2 to 8 weeks."
msgstr "Una erupción grave es más probable en las primeras 2 a 6 semanas."

msgctxt "lamotrigine:warning"
msgid "Most likely in the first 2 to 8 weeks."
msgstr "الأكثر احتمالاً في الأسابيع ٢ إلى ٨ الأولى."

msgid "Call 911 or get emergency help right away if you have:"
msgstr "Appelez le 112 si vous avez :"

msgctxt "lamotrigine:uses"
msgid "Lamictal XR is taken once a day. See %(url)s or https://medlineplus.gov/x.html"
msgstr "Lamictal se toma una vez al día. Vea %(link)s."

msgctxt "baclofen:uses"
msgid "The FDA approved baclofen."
msgstr "وافقت FDA على الباكلوفين."
""", encoding="utf-8")
    found = [str(m) for m in check_catalog(po, {"lamotrigine": ["Lamictal"]})]
    text = "\n".join(found)
    assert "[baclofen:warning] the drug's name ('باكلوفين') is missing" in text
    assert "numbers ['2', '8'] became ['2', '6']" in text
    assert "numbers ['911'] became ['112']" in text
    assert "'XR' is missing" in text
    assert "placeholders ['%(url)s'] changed" in text
    assert "a web address changed or is missing" in text
    # Arabic-Indic digits are the same numbers; an inflected drug name is still the name
    assert not any("٢" in f or "[baclofen:uses]" in f for f in found), text
    assert all(f.startswith(str(po)) or "messages.po:" in f for f in found)
    assert len(found) == 6, text


def test_spanish_is_a_draft_until_reviewed():
    cat = load_catalog(ROOT / "locales/es/LC_MESSAGES/messages.po", "es")
    assert cat.review.status == "draft" and not cat.review.reviewed


def test_list_shows_completeness_and_review(cli):
    r = cli("list")
    assert r.code == 0, r
    lines = {line.split()[0]: line for line in r.out.splitlines() if line.strip()}
    # every drug with its brand names, then a line per language
    assert "Lioresal, Ozobax, Lyvispah, Gablofen" in lines["baclofen"] and "Lamictal" in lines["lamotrigine"]
    assert re.search(r"complete \(\d+ drugs\), not reviewed", lines["es"]), r.out
    assert "source (English)" in lines["en"]


def test_list_names_the_incomplete_drug_of_a_language(cli, tmp_path):
    folder = tmp_path / "clinic-content"
    folder.mkdir()
    text = (ROOT / "content/baclofen.yaml").read_text(encoding="utf-8").replace('"Headache"', '"A bad headache"')
    (folder / "baclofen.yaml").write_text(text, encoding="utf-8")
    r = cli("list", "--content", str(folder))
    assert r.code == 0, r
    lines = {line.split()[0]: line for line in r.out.splitlines() if line.strip()}
    assert "incomplete: baclofen (1 missing); not reviewed" in lines["es"], r.out


@pytest.mark.parametrize("tag", ["es", "es-MX", "es_US", "ES"])
def test_language_tags_are_negotiated(tag):
    assert i18n.negotiate_language(tag, i18n.locales_dirs()) == "es"


@pytest.mark.parametrize("tag,message", [
    ("xx", "unsupported language 'xx'; supported: ar, de, en, es, fa, fr, hi, ht, it, ja, ko, pl, pt, ru, tl, uk, vi, zh-Hans, zh-Hant"),
    ("../es", "'../es' is not a language tag"),
])
def test_unknown_language_lists_the_supported_ones(tag, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        i18n.negotiate_language(tag, i18n.locales_dirs())


def _changed_content(tmp_path):
    """A clinic content folder whose baclofen differs from the shipped one in two strings."""
    folder = tmp_path / "clinic-content"
    folder.mkdir()
    text = (ROOT / "content/baclofen.yaml").read_text(encoding="utf-8")
    text = text.replace('"Headache"', '"A bad headache"')
    old = '"Do not stop baclofen suddenly. Do not skip doses or run out."'
    assert old in text
    text = text.replace(old, '"Stopping suddenly can cause hallucinations, seizures, and high fever."')
    (folder / "baclofen.yaml").write_text(text, encoding="utf-8")
    return folder


def _stale_catalog(tmp_path):
    """A clinic catalog with a fuzzy (stale) translation of the changed warning."""
    folder = tmp_path / "clinic-locales" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        '#, fuzzy\nmsgctxt "baclofen:warning"\n'
        'msgid "Stopping suddenly can cause hallucinations, seizures, and high fever."\n'
        'msgstr "Dejar de tomarlo de repente puede causar alucinaciones y convulsiones."\n',
        encoding="utf-8")
    return tmp_path / "clinic-locales"


def test_missing_and_stale_translations_are_named_errors(cli, tmp_path):
    content, locales = _changed_content(tmp_path), _stale_catalog(tmp_path)
    r = cli("make", "--drug", "baclofen", "--lang", "es", "--content", str(content), "--locales", str(locales))
    assert r.code == 1, r
    message = r.err.strip()
    assert message.count("\n") == 0, message
    assert "the 'es' translation of baclofen is incomplete: 1 missing and 1 stale (fuzzy)" in message
    assert "warning (1 stale)" in message and "side_effects.common (1 missing)" in message
    assert "--allow-fallback" in message
    assert not list(tmp_path.glob("*.pdf")), "no PDF may be written"


def test_allow_fallback_prints_english_marked_with_a_notice(cli, tmp_path):
    content, locales = _changed_content(tmp_path), _stale_catalog(tmp_path)
    r = cli("make", "--drug", "baclofen", "--lang", "es", "--content", str(content), "--locales", str(locales),
            "--allow-fallback")
    assert r.code == 0, r
    assert "2 strings in English, marked [EN]" in r.out
    text = flat(" ".join(pdf_text(tmp_path / "baclofen-es.pdf")))
    assert "[EN] A bad headache" in text
    assert "[EN] Stopping suddenly can cause hallucinations, seizures, and high fever." in text
    # the stale Spanish text is never printed as if it were current
    assert "Dejar de tomarlo de repente puede causar alucinaciones y convulsiones." not in text
    # page 1 tells the patient, in Spanish
    first = flat(pdf_text(tmp_path / "baclofen-es.pdf")[0])
    assert "[EN]" in first and "inglés" in first.lower()
