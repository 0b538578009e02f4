"""Every language a clinic serves: the text on the page, the fonts, RTL order, CJK breaks, Hindi shaping."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import EXE, ROOT, flat, pdf_fonts, pdf_text

LANGUAGES = ["en", "es", "zh-Hans", "zh-Hant", "vi", "ko", "tl", "ru", "ar", "ht", "fr", "pl", "pt", "it",
             "de", "ja", "fa", "uk", "hi"]
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
DRUGS = ("baclofen", "lamotrigine")


def catalog(lang: str) -> dict[tuple[str | None, str], str]:
    path = ROOT / "locales" / lang.replace("-", "_") / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return {(m.context, m.id): unicodedata.normalize("NFC", m.string if isinstance(m.string, str) else m.string[0])
                for m in read_po(fh) if m.id}


def squash(text: str) -> str:
    """NFKC, without any white space: lines wrapped anywhere (CJK) still match."""
    return re.sub(r"[\s\u200c\u200d]+", "", unicodedata.normalize("NFKC", text))


def make(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([str(EXE), "make", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Both drugs in every language, on Letter (the fonts are prepared first, once)."""
    out = tmp_path_factory.mktemp("languages")
    r = subprocess.run([str(EXE), "fonts", "prepare"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    files = {}
    for lang in LANGUAGES:
        for drug in DRUGS:
            path = out / f"{drug}-{lang}.pdf"
            r = make("--drug", drug, "--lang", lang, "--paper", "letter", "--out", str(path))
            assert r.returncode == 0, (lang, drug, r.stderr)
            files[(drug, lang)] = path
    return files


def test_every_language_has_a_complete_catalog():
    present = sorted(p.parts[-3].replace("_", "-") for p in (ROOT / "locales").glob("*/LC_MESSAGES/messages.po"))
    assert present == sorted(TRANSLATED)


def test_fonts_prepare_lists_the_prepared_families():
    r = subprocess.run([str(EXE), "fonts", "prepare", "--lang", "ar", "--lang", "zh-TW"],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    assert "noto-arabic:" in r.stdout and "noto-tc:" in r.stdout and "noto-sc" not in r.stdout


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "hi"])
def test_page_text_is_in_the_language_with_headings_and_the_boxed_warning(made, lang):
    tr = catalog(lang) if lang != "en" else {}

    def t(msgid, context=None):
        return tr.get((context, msgid)) or msgid

    for drug in DRUGS:
        pages = pdf_text(made[(drug, lang)])
        assert 2 <= len(pages) <= 3, (drug, lang, len(pages))
        text = squash(" ".join(pages))
        for heading in ("Most important information", "Side effects", "Precautions and interactions", "Storage",
                        "Questions to ask your doctor or pharmacist", "Key points to remember"):
            assert squash(t(heading)) in text, (drug, lang, t(heading))
        first_warning = next(msgid for (ctx, msgid) in (tr or catalog("es")) if ctx == f"{drug}:warning")
        assert squash(t(first_warning, f"{drug}:warning")) in text, (drug, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_font_is_embedded(made, lang):
    for drug in DRUGS:
        fonts = pdf_fonts(made[(drug, lang)])
        assert fonts and all(f["embedded"] for f in fonts), fonts
        assert not any(n in f["name"] for f in fonts for n in ("Helvetica", "Times", "Courier")), fonts
        assert len({f["name"] for f in fonts}) >= 2, "regular and bold are distinct fonts"


@pytest.mark.parametrize("lang", ["ar", "fa"])
def test_arabic_script_pages_read_right_to_left(made, lang):
    """From word positions on the page: a sentence's first word is its rightmost; digits are not reversed."""
    tr = catalog(lang)
    sentence = tr[("baclofen:warning", next(m for (c, m) in tr if c == "baclofen:warning"))]
    first_word = sentence.split()[0]
    lines = page_lines(made[("baclofen", lang)], 0)
    line = next(line for line in lines if squash(first_word) in squash("".join(c[0] for c in line)))
    words = words_by_x(line)
    # (a word's letters come left to right on the page, that is reversed; a lam-alef
    # ligature keeps its two letters in order)
    rightmost = words[-1]
    assert squash(first_word) in (squash(rightmost), squash(rightmost[::-1])), words
    # the page's text sits against the right margin, and the first column is the right one
    body = [ln for ln in lines if len(ln) > 20]
    rights = [max(c[2] for c in ln) for ln in body]
    assert max(rights) > 500


def test_a_latin_name_with_a_number_in_brackets_stays_intact_in_arabic(tmp_path):
    """ReportLab's RTL word list loses "Metformin" after a bracket unless worked around."""
    loc = tmp_path / "locales" / "ar" / "LC_MESSAGES"
    loc.mkdir(parents=True)
    po = (ROOT / "locales" / "ar" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    key = 'msgid "Do not stop baclofen suddenly. Do not skip doses or run out."\n'
    start = po.index(key) + len(key)
    end = po.index("\n\n", start)
    po = po[:start] + 'msgstr "لا تتوقف عن تناول باكلوفين فجأة (Metformin 500 mg) لمدة 14 يومًا."' + po[end:]
    (loc / "messages.po").write_text(po, encoding="utf-8")
    out = tmp_path / "ar.pdf"
    r = make("--drug", "baclofen", "--lang", "ar", "--locales", str(tmp_path / "locales"), "--out", str(out))
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in page_lines(out, 0) if "Metformin" in "".join(c[0] for c in ln))
    visual = " ".join(words_by_x(line))
    # left to right on the page: the Latin name and its number read forwards, between brackets
    # (pdfium reports the mirrored brackets of right-to-left text as either kind)
    assert re.search(r"[()]Metformin 500 mg[()]", visual), visual
    assert " 14 " in f" {visual} " and "41" not in visual and "005" not in visual


def page_lines(path: Path, index: int) -> list[list[tuple[str, float]]]:
    """The characters of a page with their x position, grouped into lines by baseline."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    page = pdf[index]
    tp = page.get_textpage()
    rows: dict[int, list[tuple[str, float]]] = {}
    for i in range(tp.count_chars()):
        ch = tp.get_text_range(i, 1)
        if not ch.strip():
            continue
        left, bottom, right, top = tp.get_charbox(i, loose=True)  # the font's box: one bottom per line
        rows.setdefault(round(bottom / 3), []).append((unicodedata.normalize("NFKC", ch), left, right))
    tp.close()
    page.close()
    pdf.close()
    return [rows[k] for k in sorted(rows, reverse=True)]


def words_by_x(line: list[tuple[str, float, float]], gap: float = 1.5) -> list[str]:
    """Words of a line from left to right on the page: a space wider than ``gap`` pt between
    two characters' boxes splits words."""
    chars = sorted(line, key=lambda c: c[1])
    words, cur, last = [], "", None
    for ch, left, right in chars:
        if last is not None and left - last > gap:
            words.append(cur)
            cur = ""
        cur += ch
        last = right
    words.append(cur)
    return words


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "ja"])
def test_chinese_and_japanese_never_start_a_line_with_closing_punctuation(made, lang):
    """Measured on the page: each closing mark sits on the line of the character before it
    (pdfium's text can break a line between two characters of the same line)."""
    import pypdfium2 as pdfium

    for drug in DRUGS:
        pdf = pdfium.PdfDocument(str(made[(drug, lang)]))
        for page in pdf:
            tp = page.get_textpage()
            chars = [(tp.get_text_range(k, 1), tp.get_charbox(k)) for k in range(tp.count_chars())]
            drawn = [(ch, box) for ch, box in chars if ch.strip()]
            for (prev, pbox), (ch, box) in zip(drawn, drawn[1:]):
                if ch in "。、，．！？：；）」』】":
                    # (a mark's box is small and low: compare the bottoms, and it must follow to the right)
                    same_line = abs(box[1] - pbox[1]) < (pbox[3] - pbox[1]) / 2 and box[0] > pbox[0]
                    assert same_line, f"{drug}: {ch!r} starts a line (after {prev!r})"
            tp.close()
        pdf.close()


def test_dates_in_the_languages_own_format(made):
    assert "2026年11月29日" in squash(pdf_text(made[("baclofen", "ja")])[0])
    assert "29ноября2026" in squash(pdf_text(made[("baclofen", "ru")])[0])
    assert "29.November2026" in squash(pdf_text(made[("baclofen", "de")])[0])


# (Hindi's text extracts as private-use glyph codes: its pages are checked by the shaping test)
@pytest.mark.parametrize("lang", [lang for lang in TRANSLATED if lang != "hi"])
def test_page_one_says_the_translation_is_not_reviewed(made, lang):
    notice = catalog(lang)[(None, "Translation not yet reviewed")]
    assert squash(notice) in squash(pdf_text(made[("baclofen", lang)])[0])


def _outline(font, glyph):
    coords, _, _ = font["glyf"][glyph].getCoordinates(font["glyf"])
    return tuple(map(tuple, coords))


def _harfbuzz_outlines(word: str, face: str) -> list:
    """The outlines of the glyphs HarfBuzz chooses for ``word`` in Hind's ``face`` file."""
    import fontpkg_hind
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    source = Path(fontpkg_hind.__file__).parent / "files" / face
    original = TTFont(str(source))
    buf = hb.Buffer()
    buf.add_str(word)
    buf.guess_segment_properties()
    hb.shape(hb.Font(hb.Face(hb.Blob.from_file_path(str(source)))), buf)
    order = original.getGlyphOrder()
    shaped = [_outline(original, order[g.codepoint]) for g in buf.glyph_infos]
    naive = [_outline(original, original.getBestCmap()[ord(c)]) for c in word]
    assert shaped != naive, "this word needs shaping, so the test can tell"
    return shaped


def _drawn_runs(path: Path, bold: bool) -> list[list]:
    """The outlines of the glyphs of each text run drawn on page 1 in a bold (or regular) font."""
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(str(path))
    page = reader.pages[0]
    fonts = {k: v.get_object() for k, v in page["/Resources"]["/Font"].items()}
    current, runs = None, []
    for operands, op in ContentStream(page.get_contents(), reader).operations:
        if op == b"Tf":
            current = fonts[operands[0]]
        elif op in (b"TJ", b"Tj") and current is not None and ("Bold" in str(current["/BaseFont"])) == bold:
            items = operands[0] if op == b"TJ" else [operands[0]]
            codes = [b for x in items if hasattr(x, "original_bytes") for b in x.original_bytes]
            sub = TTFont(io.BytesIO(current["/FontDescriptor"]["/FontFile2"].get_data()))
            cmap = {}
            for table in sub["cmap"].tables:
                cmap.update(table.cmap)
            runs.append([_outline(sub, cmap[c]) for c in codes])
    return runs


def test_hindi_is_shaped_as_harfbuzz_shapes_it(made):
    """Extracted Hindi text is not usable, so compare glyphs: the title's glyphs in the PDF are
    the ones HarfBuzz chooses for the word (conjuncts, vowel signs), not one glyph per letter."""
    name = catalog("hi")[("baclofen:name", "baclofen")]
    title = name[:1].upper() + name[1:]
    shaped = _harfbuzz_outlines(title, "Hind-Bold.ttf")
    runs = _drawn_runs(made[("baclofen", "hi")], bold=True)
    assert runs, "no bold text on page 1"
    assert runs[0][: len(shaped)] == shaped  # the title comes first


def test_the_hindi_footer_is_shaped_too(made):
    """The footer is drawn apart from the paragraphs: it starts with the drug's name, shaped."""
    name = catalog("hi")[("baclofen:name", "baclofen")]
    shaped = _harfbuzz_outlines(name[:1].upper() + name[1:], "Hind-Regular.ttf")
    footer = _drawn_runs(made[("baclofen", "hi")], bold=False)[-1]  # drawn last, after the page
    assert footer[: len(shaped)] == shaped


def test_hindi_is_refused_when_shaping_is_unavailable(tmp_path):
    """Without HarfBuzz, ReportLab would print broken Hindi: the command must refuse instead."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "uharfbuzz.py").write_text("raise ImportError('uharfbuzz is not installed')\n")
    r = make("--drug", "baclofen", "--lang", "hi", "--out", str(tmp_path / "hi.pdf"),
             env={"PYTHONPATH": str(blocker), "HANDOUTS_CACHE_DIR": "off"})
    assert r.returncode == 1
    assert r.stderr.startswith("handouts: error: the 'hi' handout needs text shaping (uharfbuzz)")
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "hi.pdf").exists()


@pytest.mark.parametrize("tag, lang", [("zh-CN", "zh-Hans"), ("zh_TW", "zh-Hant"), ("zh-HK", "zh-Hant"),
                                       ("zh", "zh-Hans"), ("pt-BR", "pt"), ("es-MX", "es"), ("fil", "tl"),
                                       ("ar-EG", "ar"), ("ZH-hant", "zh-Hant")])
def test_language_tags_are_negotiated(tag, lang):
    from handouts import i18n

    assert i18n.negotiate_language(tag, i18n.locales_dirs()) == lang


def test_an_unknown_language_lists_all_nineteen(tmp_path):
    r = make("--drug", "baclofen", "--lang", "xx", "--out", str(tmp_path / "x.pdf"))
    assert r.returncode == 2
    listed = r.stderr.split("supported: ")[1].split(" (")[0].split(", ")
    assert sorted(listed) == sorted(LANGUAGES)


def test_require_reviewed_refuses_a_draft_and_accepts_a_reviewed_catalog(tmp_path):
    out = tmp_path / "x.pdf"
    r = make("--drug", "baclofen", "--lang", "vi", "--require-reviewed", "--out", str(out))
    assert r.returncode == 1 and not out.exists()
    assert "the 'vi' translation has not been reviewed by a qualified translator" in r.stderr
    # a clinic's reviewed catalog (its own folder) is accepted, and the footer no longer warns
    loc = tmp_path / "locales" / "vi" / "LC_MESSAGES"
    loc.mkdir(parents=True)
    po = (ROOT / "locales/vi/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    po = re.sub(r"# Review-Status: draft\n# Reviewed-By:\n# Reviewed-On:",
                "# Review-Status: reviewed\n# Reviewed-By: A. Translator, CT\n# Reviewed-On: 2026-11-20", po)
    (loc / "messages.po").write_text(po, encoding="utf-8")
    r = make("--drug", "baclofen", "--lang", "vi", "--require-reviewed", "--locales", str(tmp_path / "locales"),
             "--out", str(out))
    assert r.returncode == 0, r.stderr
    notice = catalog("vi")[(None, "Translation not yet reviewed")]
    assert squash(notice) not in squash(pdf_text(out)[0])


def test_require_reviewed_from_the_clinic_config(tmp_path):
    (tmp_path / "handouts.toml").write_text("[handouts]\nrequire_reviewed = true\n", encoding="utf-8")
    r = subprocess.run([str(EXE), "make", "--drug", "baclofen", "--lang", "ko"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 1 and "has not been reviewed" in r.stderr
    r = subprocess.run([str(EXE), "make", "--drug", "baclofen", "--lang", "en"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_list_shows_every_language_as_not_reviewed():
    r = subprocess.run([str(EXE), "list"], capture_output=True, text=True)
    assert r.returncode == 0
    rows = {line.split()[0]: line for line in r.stdout.splitlines() if line.strip()}
    for lang in TRANSLATED:
        assert re.search(r"complete \(\d+ drugs\), not reviewed", rows[lang]), rows.get(lang)


def test_bilingual_adds_english_with_its_own_page_numbers_and_bookmarks(tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "bi.pdf"
    r = make("--drug", "lamotrigine", "--lang", "ar", "--bilingual", "--out", str(out))
    assert r.returncode == 0, r.stderr
    pages = pdf_text(out)
    ar = catalog("ar")
    english_start = next(i for i, p in enumerate(pages) if p.lstrip().startswith("Lamotrigine"))
    patient, english = pages[:english_start], pages[english_start:]
    assert patient and english
    for n, page in enumerate(english, 1):
        assert f"Page {n} of {len(english)}" in flat(page)
    assert squash(ar[(None, "An English copy of this handout follows, for your doctor or pharmacist.")]) \
        in squash(patient[0])
    assert "Most important information" in flat(english[0])
    outline = [o.title for o in PdfReader(str(out)).outline if not isinstance(o, list)]
    assert outline[1] == "Lamotrigine" and len(outline) == 2, outline
    assert PdfReader(str(out)).trailer["/Root"]["/Lang"] == "ar"


@pytest.mark.parametrize("lang,family", [("fa", "noto-arabic"), ("ja", "noto-jp")])
def test_a_damaged_prepared_font_is_made_again(tmp_path, lang, family):
    import json

    env = {"HANDOUTS_FONTS_DIR": str(tmp_path / "fonts"), "HANDOUTS_CACHE_DIR": "off"}
    first, second = tmp_path / "1.pdf", tmp_path / "2.pdf"
    r = make("--drug", "baclofen", "--lang", lang, "--out", str(first), env=env)
    assert r.returncode == 0, r.stderr
    manifest = json.loads((tmp_path / "fonts" / "manifest.json").read_text())
    (entry,) = [e for e in manifest["fonts"].values() if e["family"] == family]
    regular = tmp_path / "fonts" / entry["files"]["regular"]
    size = regular.stat().st_size
    regular.write_bytes(regular.read_bytes()[:1000])  # a half-written file
    r = make("--drug", "baclofen", "--lang", lang, "--out", str(second), env=env)
    assert r.returncode == 0, r.stderr
    assert "preparing the" in r.stderr  # it says it makes the font again
    assert regular.stat().st_size == size
    assert first.read_bytes() == second.read_bytes()


def _po(lang: str, msgid: str, n: int | None = None) -> str:
    """A template string's translation; a plural entry's form for ``n``."""
    path = ROOT / "locales" / lang.replace("-", "_") / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        cat = read_po(fh)
    for m in cat:
        key = m.id[0] if isinstance(m.id, tuple) else m.id
        if key == msgid and not m.context:
            if isinstance(m.string, tuple):
                from gettext import c2py

                return m.string[c2py(cat.plural_expr)(n)] if n is not None else m.string[0]
            return m.string
    raise KeyError(msgid)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_personal_dose_is_printed_in_every_language(tmp_path, lang):
    """The dose sentence is assembled from the language's own phrases and plural forms."""
    from babel.lists import format_list

    path = tmp_path / "p.pdf"
    r = make("--drug", "lamotrigine", "--lang", lang, "--paper", "a4", "--out", str(path),
             "--dose", "2", "--form", "tablet", "--times", "morning,bedtime", "--food", "with")
    assert r.returncode == 0, (lang, r.stderr)
    amount = _po(lang, "%(num)s tablet", 2) % {"num": "2"}
    when = format_list([_po(lang, "in the morning"), _po(lang, "at bedtime")], locale=lang.replace("-", "_"))
    sentence = _po(lang, "Take %(amount)s %(when)s.") % {"amount": amount, "when": when}
    pages = pdf_text(path)
    assert len(pages) <= 3, (lang, len(pages))
    if lang == "hi":  # Devanagari extracts as shaped glyphs: the Latin digits and the page count only
        return
    text = squash(" ".join(pages))
    assert squash(sentence) in text, (lang, sentence)
    assert squash(_po(lang, "Your dose")) in text and squash(_po(lang, "Take it with food.")) in text
