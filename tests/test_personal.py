"""Personal handouts from `make` options, plural forms per language, and the PDF cache."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import flat, pdf_text

from handouts.personal import FieldError, personal_from_fields, plural_count


def test_make_with_a_dose_schedule(cli, tmp_path):
    r = cli("make", "--drug", "baclofen", "--lang", "en", "--paper", "letter", "--patient", "Ana García",
            "--prescriber", "Dr. Lee", "--dose", "1", "--form", "tablet", "--times", "bedtime,morning",
            "--food", "with", "--start", "2026-12-01")
    assert r.code == 0, r
    page1 = flat(pdf_text(tmp_path / "baclofen-en.pdf")[0])
    assert "For: Ana García · Prescribed by: Dr. Lee" in page1
    # times of day in the order of a day, whatever order they were given in
    assert "Take 1 tablet in the morning and at bedtime. Take it with food. Start on December 1, 2026." in page1
    chart = page1.split("When How much", 1)[1].strip()
    assert chart.startswith("Morning 1 tablet Bedtime 1 tablet Follow the label on your medicine.")
    # the boxed warning still comes first
    assert page1.index("Most important information") < page1.index("Your dose")


def test_times_a_day_gives_numbered_rows_to_write_the_time_on(cli, tmp_path):
    r = cli("make", "--drug", "lamotrigine", "--lang", "es", "--dose", "2", "--form", "capsule", "--times", "3")
    assert r.code == 0, r
    page1 = flat(pdf_text(tmp_path / "lamotrigine-es.pdf")[0])
    assert "Tome 2 cápsulas 3 veces al día." in page1
    assert "Dosis 1, hora: 2 cápsulas Dosis 2, hora: 2 cápsulas Dosis 3, hora: 2 cápsulas" in page1


def test_without_personal_options_the_handout_is_the_generic_one(cli, tmp_path):
    assert cli("make", "--drug", "baclofen", "--lang", "en").code == 0
    page1 = flat(pdf_text(tmp_path / "baclofen-en.pdf")[0])
    assert "Your dose" not in page1 and "For:" not in page1


@pytest.mark.parametrize("args, message", [
    (["--dose", "0", "--form", "tablet", "--times", "2"], "--dose: must be more than 0"),
    (["--dose", "1.255", "--form", "tablet", "--times", "2"], "--dose: more than 2 decimals"),
    (["--dose", "1", "--form", "pill", "--times", "2"], "--form: not a form handouts knows; use one of: tablet, capsule, ml, packet"),
    (["--dose", "1", "--form", "tablet", "--times", "lunchtime"], "--times: write a number of times a day"),
    (["--dose", "1", "--form", "tablet", "--times", "morning,morning"], "--times: names a time of day twice"),
    (["--dose", "1", "--times", "2"], "--form: missing: a dose schedule (dose, times given) needs dose, form and times"),
    (["--food", "with"], "--dose: missing: a dose schedule (food given) needs dose, form and times"),
    (["--dose", "1", "--form", "ml", "--times", "2", "--start", "tomorrow"], "--start: not a date"),
])
def test_a_bad_dose_option_is_a_clear_error(cli, tmp_path, args, message):
    r = cli("make", "--drug", "baclofen", *args)
    assert r.code == 2, r
    assert r.err.startswith(f"handouts: error: {message}"), r.err
    assert not list(tmp_path.glob("*.pdf"))
    for value in args[1::2]:  # a dose is the patient's: never repeated in an error
        if value not in ("tablet", "ml", "2", "1", "with"):
            assert f"'{value}'" not in r.err


@pytest.mark.parametrize("amount, lang, count", [
    ("1", "en", 1), ("2", "en", 2), ("1.5", "en", 2), ("0.5", "en", 2),
    ("1.5", "fr", 1),  # "1,5 comprimé": French counts 0 <= n < 2 as one
    ("0.5", "fr", 1),
    ("1.5", "ru", 2),  # "1,5 таблетки": the few-form
    ("5", "ru", 5), ("21", "ru", 21),
    ("2.5", "ar", 100),  # CLDR "other" for decimals: the first integer of that category
])
def test_plural_category_of_decimal_amounts(amount, lang, count):
    from babel import Locale

    loc = Locale.parse(lang)
    got = plural_count(Decimal(amount), lang)
    assert got == count
    if "." not in amount:
        assert loc.plural_form(got) == loc.plural_form(Decimal(amount))


def test_fields_are_checked_and_normalized():
    p = personal_from_fields({"patient": "  Ana   María ", "dose": "0,5", "form": "Tablets", "times": "hs, am",
                              "food": "with food"})
    assert p.patient == "Ana María"
    assert (str(p.dose.amount), p.dose.form, p.dose.times, p.dose.food) == ("0.5", "tablet", ("morning", "bedtime"), "with")
    with pytest.raises(FieldError, match="patient: contains control characters"):
        personal_from_fields({"patient": "Ana\x07"})
    with pytest.raises(FieldError, match="longer than 80 characters"):
        personal_from_fields({"prescriber": "x" * 81})


def _cached_pdfs(cache: Path) -> list[Path]:
    return sorted(cache.glob("*/pdf/*.pdf"))


def test_a_repeated_make_comes_from_the_cache_without_reportlab(cli, tmp_path):
    cache = tmp_path / "cache"
    env = {"HANDOUTS_CACHE_DIR": str(cache)}
    first = cli("make", "--drug", "baclofen", "--lang", "es", "--paper", "a4", "--out", "one.pdf", env=env)
    assert first.code == 0, first
    assert len(_cached_pdfs(cache)) == 1
    # a ReportLab that cannot be imported: the repeat must not need it
    fake = tmp_path / "fake"
    (fake / "reportlab").mkdir(parents=True)
    (fake / "reportlab" / "__init__.py").write_text("raise ImportError('ReportLab was loaded')\n")
    again = cli("make", "--drug", "baclofen", "--lang", "es", "--paper", "a4", "--out", "two.pdf",
                env={**env, "PYTHONPATH": str(fake)})
    assert again.code == 0, again
    assert again.out == first.out.replace("one.pdf", "two.pdf")
    assert (tmp_path / "one.pdf").read_bytes() == (tmp_path / "two.pdf").read_bytes()
    # another input (the paper) is another entry, made with ReportLab
    other = cli("make", "--drug", "baclofen", "--lang", "es", "--paper", "letter", "--out", "three.pdf",
                env={**env, "PYTHONPATH": str(fake)})
    assert other.code == 1 and "ReportLab was loaded" in other.err and other.err.count("\n") == 1


def test_a_damaged_cache_entry_is_made_again(cli, tmp_path):
    cache = tmp_path / "cache"
    env = {"HANDOUTS_CACHE_DIR": str(cache)}
    assert cli("make", "--drug", "lamotrigine", "--out", "a.pdf", env=env).code == 0
    entry = _cached_pdfs(cache)[0]
    entry.write_bytes(entry.read_bytes()[:1000])  # cut short
    assert cli("make", "--drug", "lamotrigine", "--out", "b.pdf", env=env).code == 0
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_personal_handouts_are_never_cached(cli, tmp_path):
    cache = tmp_path / "cache"
    env = {"HANDOUTS_CACHE_DIR": str(cache)}
    r = cli("make", "--drug", "baclofen", "--patient", "Ana García", "--out", "a.pdf", env=env)
    assert r.code == 0, r
    assert _cached_pdfs(cache) == []
    for path in cache.rglob("*"):
        if path.is_file():
            assert b"Ana Garc" not in path.read_bytes(), path
