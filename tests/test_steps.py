"""Numbered steps with a picture each, and a handout that speaks to family and friends."""

from __future__ import annotations

from pathlib import Path

from conftest import flat, pdf_text

DATA = Path(__file__).parent / "data" / "content" / "steps"


def test_steps_come_first_numbered_with_their_pictures(cli, tmp_path):
    r = cli("make", "--drug", "baclofen", "--lang", "en", "--paper", "letter", "--content", str(DATA))
    assert r.code == 0, r
    text = flat(pdf_text(tmp_path / "baclofen-en.pdf")[0])
    assert "Information for family and friends" in text and "Patient information" not in text
    steps = text.index("If you think someone has overdosed")
    assert steps < text.index("What is baclofen and what is it used for?")  # the first section of the body
    assert ("1 Shout their name and rub the middle of their chest hard. 2 Call 911. "
            "3 Spray the medicine into one nostril. 4 Give rescue breaths. 5 Turn them on their side. "
            "6 No answer after 2 to 3 minutes? Give a second dose in the other nostril. "
            "7 Stay with them until help comes.") in text[steps:]


def test_each_step_picture_is_drawn(tmp_path):
    """Every picture a step may name is a drawing the layout has."""
    from handouts.content import STEP_PICTURES
    from handouts.render.icons import ICONS

    assert set(STEP_PICTURES) <= set(ICONS)


def test_a_family_handout_may_leave_out_missed_dose_and_stopping(cli, tmp_path):
    import re

    text = (DATA / "baclofen.yaml").read_text(encoding="utf-8")
    text = re.sub(r"missed_dose:\n(  - .*\n)+", "", text)
    text = re.sub(r"stopping:\n(  - .*\n)+", "", text)
    text = re.sub(r"  (missed_dose|stopping): \[.*\]\n", "", text)
    folder = tmp_path / "drugs"
    folder.mkdir()
    (folder / "baclofen.yaml").write_text(text, encoding="utf-8")
    r = cli("check", "--drug", "baclofen", "--lang", "en", "--no-layout", "--content", "drugs")
    assert r.code == 0, r
    r = cli("make", "--drug", "baclofen", "--lang", "en", "--content", "drugs")
    assert r.code == 0, r
    pages = flat(" ".join(pdf_text(tmp_path / "baclofen-en.pdf")))
    assert "If you miss a dose" not in pages and "Do not stop suddenly" not in pages
