"""Names a clinic types: brand names and any case for --drug, language names for --lang, and
the paper chosen when the machine's locale names no country. Through the real command."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from conftest import ROOT, flat, pdf_text

#: a machine whose locale names a country: no paper note
US = {"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_PAPER": ""}
SUPPORTED = "ar, de, en, es, fa, fr, hi, ht, it, ja, ko, pl, pt, ru, tl, uk, vi, zh-Hans, zh-Hant"


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def error_line(r) -> str:
    """The one line of an error; nothing else on standard error."""
    assert r.code == 2, r
    assert len(lines(r.err)) == 1 and "Traceback" not in r.err, r
    return lines(r.err)[0]


# ---------------------------------------------------------------- drugs


@pytest.mark.parametrize("typed, drug, note", [
    ("Lamictal", "lamotrigine", "handouts: Lamictal is lamotrigine"),
    ("LAMICTAL", "lamotrigine", "handouts: Lamictal is lamotrigine"),
    ("Lamictal\u2122", "lamotrigine", "handouts: Lamictal is lamotrigine"),
    (" lamictal xr ", "lamotrigine", "handouts: Lamictal XR is lamotrigine"),
    ("Lioresal", "baclofen", "handouts: Lioresal is baclofen"),
    ("Baclofen", "baclofen", None),
    ("  LAMOTRIGINE ", "lamotrigine", None),
])
def test_a_brand_name_or_any_case_makes_the_generics_handout(cli, tmp_path, typed, drug, note):
    r = cli("make", "--drug", typed, env=US)
    assert r.code == 0, r
    path = tmp_path / f"{drug}-en.pdf"
    assert path.is_file() and r.out.strip() == f"wrote {path} (letter)"
    assert lines(r.err) == ([note] if note else []), r.err
    assert flat(pdf_text(path)[0]).lower().startswith(drug)
    assert [p.name for p in tmp_path.glob("*.pdf")] == [path.name]


def _without_typer(tmp_path) -> dict:
    """An environment whose command-line framework cannot be imported: only the quick path of a
    repeated make (:mod:`handouts.entry`) can answer."""
    fake = tmp_path / "no-typer"
    (fake / "typer").mkdir(parents=True, exist_ok=True)
    (fake / "typer" / "__init__.py").write_text("raise ImportError('typer was loaded')\n")
    return {"PYTHONPATH": str(fake)}


def test_the_quick_repeated_make_says_the_same(cli, tmp_path):
    first = cli("make", "--drug", "Lamictal", "--lang", "Spanish", env=US)
    again = cli("make", "--drug", "Lamictal", "--lang", "Spanish", env={**US, **_without_typer(tmp_path)})
    assert first.code == again.code == 0, (first, again)
    assert lines(first.err) == lines(again.err) == ["handouts: Lamictal is lamotrigine"]
    assert first.out == again.out == f"wrote {tmp_path / 'lamotrigine-es.pdf'} (letter) " \
                                     "(translation not yet reviewed by a qualified translator)\n"


def _clinic_drug(folder, drug: str, brands: str) -> None:
    text = (ROOT / "content/baclofen.yaml").read_text(encoding="utf-8")
    text = text.replace("drug: baclofen", f"drug: {drug}")
    text = re.sub(r"^brand_names: .*$", brands, text, count=1, flags=re.M)
    (folder / f"{drug}.yaml").write_text(text, encoding="utf-8")


def test_a_clinics_drug_file_adds_its_brand_names(cli, tmp_path):
    folder = tmp_path / "clinic"
    folder.mkdir()
    _clinic_drug(folder, "baclofen-pump", 'brand_names:\n  - Pumpofen\n  - "Pumpofen Intrathecal"')
    r = cli("make", "--drug", "pumpofen intrathecal", "--content", str(folder), env=US)
    assert r.code == 0, r
    assert lines(r.err) == ["handouts: Pumpofen Intrathecal is baclofen-pump"]
    assert (tmp_path / "baclofen-pump-en.pdf").is_file()
    # the shipped drugs' brand names still work beside the clinic's
    r = cli("make", "--drug", "Lamictal", "--content", str(folder), env=US)
    assert r.code == 0 and lines(r.err) == ["handouts: Lamictal is lamotrigine"], r


def test_a_brand_name_of_two_drugs_asks_for_the_generic(cli, tmp_path):
    folder = tmp_path / "clinic"
    folder.mkdir()
    _clinic_drug(folder, "baclofen-pump", 'brand_names: ["Gablofen"]')  # also a shipped baclofen brand
    r = cli("make", "--drug", "gablofen", "--content", str(folder), env=US)
    assert error_line(r) == ("handouts: error: 'gablofen' is a brand of more than one drug "
                             "(baclofen, baclofen-pump); use the generic name")
    assert not list(tmp_path.glob("*.pdf"))


@pytest.mark.parametrize("typed, message", [
    ("Lamictl", "unknown drug 'Lamictl'; did you mean 'Lamictal' (lamotrigine)? Known: acamprosate, baclofen, buprenorphine-naloxone, disulfiram, gabapentin, lamotrigine, methadone, naloxone, naltrexone, topiramate, varenicline"),
    ("lamotrigin", "unknown drug 'lamotrigin'; did you mean 'lamotrigine'? Known: acamprosate, baclofen, buprenorphine-naloxone, disulfiram, gabapentin, lamotrigine, methadone, naloxone, naltrexone, topiramate, varenicline"),
    ("aspirin", "unknown drug 'aspirin'; use a generic or brand name. Known: acamprosate, baclofen, buprenorphine-naloxone, disulfiram, gabapentin, lamotrigine, methadone, naloxone, naltrexone, topiramate, varenicline"),
])
def test_an_unknown_drug_suggests_the_closest_generic_or_brand(cli, tmp_path, typed, message):
    r = cli("make", "--drug", typed, env=US)
    assert error_line(r) == f"handouts: error: {message}"
    assert not list(tmp_path.glob("*.pdf"))


def test_a_newline_in_the_drug_cannot_fake_a_second_line(cli, tmp_path):
    r = cli("make", "--drug", "baclofn\nhandouts: wrote baclofen-en.pdf", env=US)
    assert error_line(r) == ("handouts: error: unknown drug 'baclofn\\nhandouts: wrote baclofen-en.pdf'; "
                             "use a generic or brand name. Known: acamprosate, baclofen, buprenorphine-naloxone, disulfiram, gabapentin, lamotrigine, methadone, naloxone, naltrexone, topiramate, varenicline")
    assert not list(tmp_path.glob("*.pdf"))


def test_a_long_drug_is_cut_in_the_message(cli):
    r = cli("make", "--drug", "x" * 500, env=US)
    line = error_line(r)
    echoed = re.search(r"unknown drug '(.*?)'", line).group(1)
    assert echoed == "x" * 59 + "\u2026"


# ---------------------------------------------------------------- languages


@pytest.mark.parametrize("typed, lang", [
    ("Spanish", "es"), ("Español", "es"), ("espanol", "es"), ("ESPAÑOL", "es"),
    ("Farsi", "fa"), ("Persian", "fa"), ("Filipino", "tl"), ("tagalog", "tl"),
    ("Simplified Chinese", "zh-Hans"), ("Chinese (Traditional)", "zh-Hant"), ("繁體中文", "zh-Hant"),
    ("Haitian Creole", "ht"), ("Kreyòl", "ht"), ("tiếng việt", "vi"), ("Deutsch", "de"),
    ("es-MX", "es"), ("zh_TW", "zh-Hant"), ("pt-BR", "pt"), ("fil", "tl"),
])
def test_a_language_name_makes_that_languages_handout(cli, tmp_path, typed, lang):
    r = cli("make", "--drug", "baclofen", "--lang", typed, env=US)
    assert r.code == 0, r
    path = tmp_path / f"baclofen-{lang}.pdf"
    assert path.is_file(), r
    assert PdfReader(str(path)).trailer["/Root"]["/Lang"] == lang
    assert "error" not in r.err


@pytest.mark.parametrize("typed, message", [
    ("chinese", "language 'chinese' is ambiguous; did you mean zh-Hans (Chinese, Simplified) "
                "or zh-Hant (Chinese, Traditional)?"),
    ("Mandarin", "language 'Mandarin' is ambiguous; did you mean zh-Hans (Chinese, Simplified) "
                 "or zh-Hant (Chinese, Traditional)?"),
    ("sp", f"unsupported language 'sp'; did you mean es (Spanish)? Supported: {SUPPORTED} "
           "(a clinic can add one with --locales DIR)"),
    ("cn", "unsupported language 'cn'; did you mean zh-Hans (Chinese, Simplified) or zh-Hant (Chinese, "
           f"Traditional)? Supported: {SUPPORTED} (a clinic can add one with --locales DIR)"),
    ("jp", f"unsupported language 'jp'; did you mean ja (Japanese)? Supported: {SUPPORTED} "
           "(a clinic can add one with --locales DIR)"),
    ("ua", f"unsupported language 'ua'; did you mean uk (Ukrainian) or ru (Russian)? Supported: {SUPPORTED} "
           "(a clinic can add one with --locales DIR)"),
    ("ir", f"unsupported language 'ir'; did you mean fa (Persian)? Supported: {SUPPORTED} "
           "(a clinic can add one with --locales DIR)"),
    ("Spansih", f"unsupported language 'Spansih'; did you mean es (Spanish)? Supported: {SUPPORTED} "
                "(a clinic can add one with --locales DIR)"),
    ("Klingon", f"unsupported language 'Klingon'; supported: {SUPPORTED} (a clinic can add one with --locales DIR)"),
    ("es\nhandouts: wrote x", "'es\\nhandouts: wrote x' is not a language tag or name; use a tag like es or "
                              f"es-MX, or a name like Spanish. Supported: {SUPPORTED}"),
    ("../es", "'../es' is not a language tag or name; use a tag like es or es-MX, or a name like Spanish. "
              f"Supported: {SUPPORTED}"),
])
def test_an_ambiguous_or_unknown_language_suggests_the_nearest_tags(cli, tmp_path, typed, message):
    r = cli("make", "--drug", "baclofen", "--lang", typed, env=US)
    assert error_line(r) == f"handouts: error: {message}"
    assert not list(tmp_path.glob("*.pdf"))


def test_a_clinics_catalog_is_found_by_its_name(cli, tmp_path):
    loc = tmp_path / "locales" / "nl" / "LC_MESSAGES"
    loc.mkdir(parents=True)
    (loc / "messages.po").write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n',
                                     encoding="utf-8")
    r = cli("make", "--drug", "baclofen", "--lang", "Nederlands", "--locales", str(tmp_path / "locales"),
            "--allow-fallback", env=US)
    assert r.code == 0, r
    assert PdfReader(str(tmp_path / "baclofen-nl.pdf")).trailer["/Root"]["/Lang"] == "nl"


# ---------------------------------------------------------------- paper


def _height(path) -> int:
    return round(float(PdfReader(str(path)).pages[0].mediabox.height))


@pytest.mark.parametrize("env, note, height", [
    ({"LANG": "C.UTF-8"}, 'handouts: paper: A4 (the machine\'s locale C.UTF-8 names no country); '
                          'set paper = "letter" in handouts.toml [handouts], or use --paper letter', 842),
    ({"LANG": "C"}, 'handouts: paper: A4 (the machine\'s locale C names no country); '
                    'set paper = "letter" in handouts.toml [handouts], or use --paper letter', 842),
    ({"LANG": ""}, 'handouts: paper: A4 (no locale is set: LC_ALL, LC_PAPER and LANG are empty); '
                   'set paper = "letter" in handouts.toml [handouts], or use --paper letter', 842),
    ({"LANG": "en.UTF-8"}, 'handouts: paper: Letter (the machine\'s locale en.UTF-8 names no country; taken as '
                           'US); set paper = "a4" in handouts.toml [handouts], or use --paper a4', 792),
])
def test_a_locale_without_a_country_says_which_paper_and_why(cli, tmp_path, env, note, height):
    env = {"LC_ALL": "", "LC_PAPER": "", **env}
    for extra in ({}, _without_typer(tmp_path)):  # made, then from the cache by the quick path: the same note
        r = cli("make", "--drug", "baclofen", env={**env, **extra})
        assert r.code == 0, r
        assert lines(r.err) == [note]
    assert _height(tmp_path / "baclofen-en.pdf") == height


@pytest.mark.parametrize("args, env, config", [
    (["--paper", "a4"], {"LANG": "C.UTF-8"}, None),
    ([], {"LANG": "C.UTF-8"}, '[handouts]\npaper = "a4"\n'),
    ([], {"LANG": "de_DE.UTF-8"}, None),
    ([], {"LANG": "C.UTF-8", "LC_PAPER": "en_GB.UTF-8"}, None),
])
def test_no_paper_note_when_the_paper_is_set_or_the_locale_names_a_country(cli, tmp_path, args, env, config):
    if config:
        (tmp_path / "handouts.toml").write_text(config, encoding="utf-8")
    r = cli("make", "--drug", "baclofen", *args, env={"LC_ALL": "", "LC_PAPER": "", **env})
    assert r.code == 0, r
    assert r.err == ""
    assert _height(tmp_path / "baclofen-en.pdf") == 842


def test_a_brand_and_a_paper_note_together(cli, tmp_path):
    r = cli("make", "--drug", "Lamictal", env={"LANG": "C.UTF-8", "LC_ALL": "", "LC_PAPER": ""})
    assert r.code == 0, r
    assert lines(r.err) == ["handouts: Lamictal is lamotrigine",
                            'handouts: paper: A4 (the machine\'s locale C.UTF-8 names no country); '
                            'set paper = "letter" in handouts.toml [handouts], or use --paper letter']
    assert (tmp_path / "lamotrigine-en.pdf").is_file()
