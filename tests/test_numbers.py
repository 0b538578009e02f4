"""Emergency, crisis and poison numbers come from the clinic's config, never from a template or
a translation: a clinic outside the US prints its own, in every language."""

from __future__ import annotations

import re

import pytest
from conftest import flat, pdf_text

CONFIG = """[clinic]
name = "Clinic"
emergency_number = "112"
crisis_line = "0800-111-0111"
poison_control = "0800-222-333"
"""


def _text(path) -> str:
    return " ".join(flat(p) for p in pdf_text(path))


LANGS = ["en", "ar", "de", "es", "fa", "fr", "hi", "ht", "it", "ja", "ko", "pl", "pt", "ru", "tl", "uk", "vi",
         "zh-Hans", "zh-Hant"]
CASES = [("baclofen", lang) for lang in LANGS] + [("lamotrigine", lang) for lang in ("en", "es", "ar", "zh-Hans", "hi")]


@pytest.mark.parametrize("drug, lang", CASES)
def test_the_clinics_numbers_print_and_911_never(cli, tmp_path, drug, lang):
    (tmp_path / "handouts.toml").write_text(CONFIG, encoding="utf-8")
    r = cli("make", "--drug", drug, "--lang", lang, "--paper", "letter")
    assert r.code == 0, r
    text = _text(tmp_path / f"{drug}-{lang}.pdf")
    assert not re.search(r"(?<!\d)911(?!\d)", text), "the US number printed for a clinic that set 112"
    assert not re.search(r"988|222-1222", text)
    assert re.search(r"(?<!\d)112(?!\d)", text)
    assert "0800-111-0111" in text and "0800-222-333" in text
    if drug == "baclofen":  # a content sentence with the number: the key point, the pump group
        assert len(re.findall(r"(?<!\d)112(?!\d)", text)) >= 3


def test_the_us_numbers_are_the_default(cli, tmp_path):
    r = cli("make", "--drug", "lamotrigine", "--lang", "en")
    assert r.code == 0, r
    text = _text(tmp_path / "lamotrigine-en.pdf")
    assert "Call 911 or get emergency help right away if you have:" in text
    assert "Thoughts of suicide or hurting yourself? Call or text the crisis line at any time: 988." in text
    assert "Think you or someone else took too much? Call Poison Control right away: 1-800-222-1222." in text


def test_an_empty_crisis_or_poison_line_leaves_its_sentence_out(cli, tmp_path):
    (tmp_path / "handouts.toml").write_text(
        '[clinic]\nemergency_number = "112"\ncrisis_line = ""\npoison_control = ""\n', encoding="utf-8")
    r = cli("make", "--drug", "baclofen", "--lang", "es")
    assert r.code == 0, r
    text = _text(tmp_path / "baclofen-es.pdf")
    assert "112" in text
    assert "crisis" not in text and "Envenenamientos" not in text


def test_a_crisis_line_without_texts(cli, tmp_path):
    (tmp_path / "handouts.toml").write_text('[clinic]\ncrisis_line = "116 123"\ncrisis_text = false\n',
                                            encoding="utf-8")
    r = cli("make", "--drug", "lamotrigine", "--lang", "en")
    assert r.code == 0, r
    assert "Thoughts of suicide or hurting yourself? Call the crisis line at any time: 116 123." in _text(
        tmp_path / "lamotrigine-en.pdf")


@pytest.mark.parametrize("line, message", [
    ('emergency_number = ""', "clinic.emergency_number: expected a phone number (e.g. \"112\"); it cannot be left out"),
    ('crisis_line = "call us"', "clinic.crisis_line: expected a phone number of digits, spaces and + - ( ) . /"),
    ('poison_control = 112', "clinic.poison_control: expected a phone number of digits"),
])
def test_a_bad_number_in_the_config_is_named(cli, tmp_path, line, message):
    (tmp_path / "handouts.toml").write_text(f"[clinic]\n{line}\n", encoding="utf-8")
    r = cli("make", "--drug", "lamotrigine", "--lang", "en")
    assert r.code != 0
    assert message in r.err, r.err
    assert len(r.err.strip().splitlines()) == 1


def test_a_number_written_into_the_content_is_refused(cli, tmp_path):
    from pathlib import Path

    src = (Path(__file__).parents[1] / "content" / "baclofen.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "drugs"
    folder.mkdir()
    (folder / "baclofen.yaml").write_text(src.replace("call %(emergency_number)s.", "call 911."), encoding="utf-8")
    r = cli("make", "--drug", "baclofen", "--content", "drugs")
    assert r.code != 0
    assert "group.items[3]: writes a phone number; use %(emergency_number)s" in r.err, r.err


def test_a_translator_who_types_the_number_is_caught(tmp_path):
    from handouts.i18n.consistency import check_catalog

    po = tmp_path / "messages.po"
    po.write_text('''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

#, python-format
msgid "Call %(number)s or get emergency help right away if you have:"
msgstr "Appelez le 112 ou demandez de l'aide d'urgence tout de suite si vous avez :"

#, python-format
msgid "Think you or someone else took too much? Call Poison Control right away: %(number)s."
msgstr "Vous pensez avoir trop pris ? Appelez tout de suite le centre antipoison : %(number)s."
''', encoding="utf-8")
    found = [str(m) for m in check_catalog(po)]
    assert len(found) == 2, found  # the placeholder lost, and a number that the English does not have
    assert any("numbers [] became ['112']" in f for f in found)
    assert any("placeholders ['%(number)s'] changed" in f for f in found)
