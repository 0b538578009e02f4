"""Configuration and styles: typed values, units, paper from the locale (CLDR territories)."""

from __future__ import annotations

import pytest

from handouts.config import default_paper, machine_territory
from handouts.errors import TemplateError
from handouts.render.styles import parse_length


@pytest.mark.parametrize("value,points", [("12pt", 12), ("1in", 72), ("2.54cm", 72), ("25.4mm", 72), (" 3 pt ", 3)])
def test_lengths(value, points):
    assert parse_length(value, "x") == pytest.approx(points)


@pytest.mark.parametrize("value", ["12", "12px", "", 12, "-1pt"])
def test_bad_lengths_name_the_key(value):
    with pytest.raises(TemplateError, match="sizes.body: expected a length"):
        parse_length(value, "sizes.body")


@pytest.mark.parametrize("env,territory,paper", [
    ({"LANG": "en_US.UTF-8"}, "US", "letter"),
    ({"LANG": "en_CA.UTF-8"}, "CA", "letter"),
    ({"LANG": "es_MX.UTF-8"}, "MX", "letter"),
    ({"LANG": "fil_PH.UTF-8"}, "PH", "letter"),
    ({"LANG": "en_GB.UTF-8"}, "GB", "a4"),
    ({"LANG": "es_ES.UTF-8"}, "ES", "a4"),
    ({"LANG": "de_DE.UTF-8", "LC_PAPER": "en_US.UTF-8"}, "US", "letter"),
    ({"LC_ALL": "en_GB.UTF-8", "LC_PAPER": "en_US.UTF-8"}, "GB", "a4"),
    ({"LANG": "C.UTF-8"}, None, "a4"),
    ({}, None, "a4"),
])
def test_paper_from_locale_territory(env, territory, paper):
    assert machine_territory(env) == territory
    assert default_paper(env) == paper
