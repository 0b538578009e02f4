"""Any patient's name prints, in whatever script it is written, on a handout in any language;
a name can never reorder the text around it; only a character no font has is an error, and
the error names the field, never the name."""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from conftest import EXE, flat, pdf_fonts, pdf_text

#: the font each family's names are drawn in, as embedded in the PDF
EMBEDDED = {"fira": "FiraSans", "hind": "Hind", "noto-arabic": "HandoutsNotoArabic", "noto-sc": "HandoutsNotoSc",
            "noto-tc": "HandoutsNotoTc", "noto-jp": "HandoutsNotoJp", "noto-kr": "HandoutsNotoKr",
            "atkinson": "AtkinsonHyperlegible"}

CASES = [  # handout language, patient, prescriber, the patient's font, the prescriber's font
    ("en", "Nguyễn Văn An", "李小龍", "fira", "noto-sc"),
    ("es", "Ольга Петрова", "김민준", "fira", "noto-kr"),
    ("en", "محمد علي", "Γιώργος Παπαδόπουλος", "noto-arabic", "atkinson"),
    ("fr", "山田はなこ", "राम शर्मा", "noto-jp", "hind"),
    ("ar", "Nguyễn Văn An", "李小龍", "fira", "noto-sc"),
    ("zh-Hans", "محمد علي", "राम शर्मा", "noto-arabic", "hind"),
    ("hi", "Γιώργος", "Trần Thị Hoa", "fira", "fira"),
    ("ru", "Nguyễn Văn An", "محمد", "fira", "noto-arabic"),
]


def _make(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), "make", "--drug", "baclofen", "--paper", "letter", *args],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _words_on_page(path: Path, words: list[str]) -> list[float]:
    """The left edge of each word on page 1, found in the page's characters as drawn (left to
    right, so an Arabic word's letters come last to first)."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        tp = pdf[0].get_textpage()
        chars = []
        for i in range(tp.count_chars()):
            ch = unicodedata.normalize("NFKC", tp.get_text_range(i, 1))
            if ch.strip():
                chars.append((ch, tp.get_charbox(i)[0]))
        text = "".join(c for c, _x in chars)
        found = []
        for word in words:
            for target in (_squash(word), _squash(word)[::-1]):
                at = text.find(target)
                if at >= 0:
                    found.append(min(x for _c, x in chars[at:at + len(target)]))
                    break
            else:
                raise AssertionError(f"{word!r} is not on page 1: {text[:300]!r}")
        return found
    finally:
        pdf.close()


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[3]}-{c[4]}")
def test_a_name_in_any_script_prints_on_a_handout_in_any_language(tmp_path, case):
    lang, patient, prescriber, patient_font, prescriber_font = case
    r = _make(tmp_path, "--lang", lang, "--patient", patient, "--prescriber", prescriber, "--out", "p.pdf")
    assert r.returncode == 0, r.stderr
    fonts = pdf_fonts(tmp_path / "p.pdf")
    assert all(f["embedded"] for f in fonts), fonts
    names = " ".join(f["name"] for f in fonts)
    for family in (patient_font, prescriber_font):
        if family != "atkinson" or lang not in ("en", "es", "fr"):
            assert EMBEDDED[family] in names, (family, names)
    # the patient's name is bold, as "For:" is
    bold = [f["name"] for f in fonts if EMBEDDED[patient_font] in f["name"] and "Bold" in f["name"]]
    assert bold, names
    page = _squash(pdf_text(tmp_path / "p.pdf")[0])
    for name in (patient, prescriber):
        if any(unicodedata.name(c, "").startswith("DEVANAGARI") for c in name):
            continue  # shaped: extracted as glyphs, not letters (drawn right: see the samples)
        for word in name.split():
            assert _squash(word) in page or _squash(word)[::-1] in page, (word, page[:400])


def test_a_right_to_left_name_reads_right_to_left_in_a_left_to_right_handout(tmp_path):
    r = _make(tmp_path, "--lang", "en", "--patient", "محمد علي", "--out", "p.pdf")
    assert r.returncode == 0, r.stderr
    first, second = _words_on_page(tmp_path / "p.pdf", ["محمد", "علي"])
    assert first > second  # the first word on the right


def test_a_left_to_right_name_keeps_its_order_in_a_right_to_left_handout(tmp_path):
    r = _make(tmp_path, "--lang", "ar", "--patient", "Ana María Pérez", "--prescriber", "李小龍", "--out", "p.pdf")
    assert r.returncode == 0, r.stderr
    ana, maria, perez = _words_on_page(tmp_path / "p.pdf", ["Ana", "María", "Pérez"])
    assert ana < maria < perez


@pytest.mark.parametrize("control", ["\u202e", "\u202b", "\u2067", "\u200f"])
def test_a_directional_control_in_a_name_reorders_nothing(tmp_path, control):
    r = _make(tmp_path, "--lang", "ar", "--patient", f"{control}علي", "--prescriber", "Ana Pérez", "--out", "p.pdf")
    assert r.returncode == 0, r.stderr
    ana, perez = _words_on_page(tmp_path / "p.pdf", ["Ana", "Pérez"])
    assert ana < perez  # not reversed by the control in the patient's name
    r = _make(tmp_path, "--lang", "en", "--patient", f"{control}Ana Pérez", "--prescriber", "Bo Lee", "--out", "e.pdf")
    assert r.returncode == 0, r.stderr
    assert "For: Ana Pérez · Prescribed by: Bo Lee" in flat(pdf_text(tmp_path / "e.pdf")[0])


def test_a_character_no_font_has_is_an_error_naming_the_field_not_the_name(tmp_path):
    r = _make(tmp_path, "--lang", "es", "--patient", "Zorrilla \U0001F600", "--out", "p.pdf")
    assert r.returncode == 1
    assert r.stderr == ("handouts: error: patient: the character U+1F600 GRINNING FACE cannot be printed in any font "
                        "handouts has; remove it, or write the name without it\n")
    assert not (tmp_path / "p.pdf").exists()


def test_a_clinic_name_in_another_script_prints_in_the_letterhead_and_footer(tmp_path):
    (tmp_path / "handouts.toml").write_text('[clinic]\nname = "Phòng khám Đức Hạnh"\nphone = "555-0100"\n',
                                            encoding="utf-8")
    r = _make(tmp_path, "--lang", "en", "--out", "p.pdf")
    assert r.returncode == 0, r.stderr
    pages = pdf_text(tmp_path / "p.pdf")
    assert all("Phòng khám Đức Hạnh · 555-0100" in flat(p) for p in pages)
    assert "FiraSans" in " ".join(f["name"] for f in pdf_fonts(tmp_path / "p.pdf"))


def test_a_batch_prints_every_name_and_names_only_the_row_and_field_of_a_bad_one(tmp_path):
    (tmp_path / "day.csv").write_text(
        "drug,lang,patient,prescriber\n"
        "baclofen,es,Nguyễn Văn An,李小龍\n"
        "lamotrigine,en,Zorrilla \U0001F600,Dr Lee\n"
        "baclofen,ru,محمد علي,Ana Pérez\n", encoding="utf-8")
    r = subprocess.run([str(EXE), "batch", "day.csv", "--paper", "letter", "-j", "1"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r
    assert ("row 3: patient: the character U+1F600 GRINNING FACE cannot be printed in any font handouts has; "
            "remove it, or write the name without it") in r.stderr
    assert "Zorrilla" not in r.stdout + r.stderr
    made = sorted(p.name for p in (tmp_path / "day").glob("*.pdf"))
    assert made == ["0002-baclofen-es.pdf", "0004-baclofen-ru.pdf"]
    assert "Nguyễn Văn An" in flat(pdf_text(tmp_path / "day" / "0002-baclofen-es.pdf")[0])


def test_a_name_is_printed_as_typed_never_interpreted(tmp_path):
    name = "<b>Ana</b> &amp; {page} %(name)s %s {{ 7*7 }} ${HOME}"
    r = _make(tmp_path, "--lang", "es", "--patient", name, "--prescriber", "100% Dr. <i>Lee</i>", "--out", "p.pdf")
    assert r.returncode == 0, r.stderr
    page = flat(pdf_text(tmp_path / "p.pdf")[0])
    assert f"Para: {name} · Recetado por: 100% Dr. <i>Lee</i>" in page, page[:300]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_name_mixing_scripts_prints_each_part_in_a_font_that_has_it(tmp_path, lang):
    r = _make(tmp_path, "--lang", lang, "--prescriber", "Dr. 李小龍 Nguyễn محمد علي", "--patient", "Bo", "--out", "p.pdf")
    assert r.returncode == 0, r.stderr
    names = " ".join(f["name"] for f in pdf_fonts(tmp_path / "p.pdf"))
    assert "HandoutsNotoSc" in names and "FiraSans" in names and "HandoutsNotoArabic" in names, names
    li, muhammad, ali = _words_on_page(tmp_path / "p.pdf", ["李小龍", "محمد", "علي"])
    assert li < ali < muhammad  # the Arabic words read right to left, after the Latin and Chinese
