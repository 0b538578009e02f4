"""Content files: the shipped monographs pass the schema; every bad file fails with its messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import DATA, ROOT
from handouts.content import OPTIONAL_KEYS, TEXT_LIST_FIELDS, load_monograph
from handouts.errors import ContentError

SHIPPED = sorted((ROOT / "content").glob("*.yaml"))
BAD = sorted((DATA / "bad").glob("*.yaml"))


def expectations(path: Path) -> tuple[list[str], int | None]:
    text = path.read_text(encoding="utf-8")
    expected = re.findall(r"^# expect: (.+)$", text, flags=re.M)
    count = re.search(r"^# errors: (\d+)$", text, flags=re.M)
    return expected, int(count.group(1)) if count else None


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_monographs_are_valid(path):
    mono = load_monograph(path)
    assert mono.drug == path.stem
    assert mono.sources and all(s.url.startswith(("https://", "http://")) for s in mono.sources)
    cited = dict(mono.citations)
    for field in ("warning", "uses", "side_effects", "precautions"):
        assert cited.get(field), f"{field} cites no source"
    for field in ("off_label", "steps", "group", "missed_dose", "stopping"):  # where the drug has them
        texts = dict(mono.texts)
        if texts.get(field) or texts.get(f"{field}.items"):
            assert cited.get(field), f"{field} cites no source"
    for field, lo, hi, _ in TEXT_LIST_FIELDS:
        if field.split(".")[0] in OPTIONAL_KEYS and not mono.items(field):
            continue  # the group of lines for some patients (pump users) is optional
        assert lo <= len(mono.items(field)) <= hi
    assert 3 <= len(mono.items("key_points")) <= 6
    assert len(mono.items("questions")) >= 6
    assert dict(mono.medlineplus)["en"].startswith("https://medlineplus.gov/")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_no_dosing_numbers_in_patient_text(path):
    """No milligram amounts or schedules: the label and the prescriber give the dose."""
    mono = load_monograph(path)
    for field, text, _ in mono.strings():
        assert not re.search(r"\d\s*(mg|mcg|ml|milligram)", text, flags=re.I), (field, text)
        # how often, only as the prescriber's ("The usual dose is 2 tablets, 3 times a day, as prescribed")
        if re.search(r"\b(once|twice|\d+ times) (a|per) day\b", text, flags=re.I):
            assert re.search(r"prescribed|usual|doctor|label", text, flags=re.I), (field, text)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_patient_text_is_plain_language(path):
    """Short sentences, everyday words: a rough Flesch-Kincaid grade stays at or under 8."""
    mono = load_monograph(path)
    words = sentences = syllables = 0
    for field, text, _ in mono.strings():
        for sentence in re.split(r"(?<=[.?!])\s+", text):
            tokens = re.findall(r"[A-Za-z']+", sentence)
            if not tokens:
                continue
            sentences += 1
            words += len(tokens)
            if not field.startswith("side_effects."):  # (a list of signs, not a sentence)
                assert len(tokens) <= 22, f"sentence too long: {sentence}"
            for w in tokens:
                groups = re.findall(r"[aeiouy]+", w.lower())
                syllables += max(1, len(groups) - (w.lower().endswith("e") and len(groups) > 1))
    grade = 0.39 * words / sentences + 11.8 * syllables / words - 15.59
    assert grade <= 8, grade


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_content_is_reported_with_file_line_and_field(path):
    expected, count = expectations(path)
    assert expected, f"{path.name} has no '# expect:' line"
    with pytest.raises(ContentError) as info:
        load_monograph(path, "baclofen")
    err = info.value
    lines = err.details or [err.message]
    joined = "\n".join(lines)
    for message in expected:
        assert message in joined, f"{message!r} not in:\n{joined}"
    for line in lines:  # every message names the file and a line
        assert re.match(rf"^.*{re.escape(path.name)}:\d+: ", line), line
    if count is not None:
        assert len(lines) == count, joined
    assert "\n" not in err.message
