"""Names in any script: a patient's, prescriber's or clinic's name on a handout in any language.

"Nguyễn Văn An" on an English handout, "李小龍" on a Spanish one, "محمد" on a Russian one: a
name is printed as it is written. The handout's own text must be drawable by its own font
(anything else is an error); a name is not the handout's text, so where the handout's font
lacks its letters, the name is drawn in another shipped family (``[fonts] fallback`` in
styles.toml): the whole name in one font where one font has all of it, else word by word.
Arabic-script letters are joined, and a right-to-left name in a left-to-right handout is laid
out right to left. Only a character that no shipped font has (an emoji) is an error, and the
error names the field, never the name.

Directional controls (embeddings, overrides, isolates, marks) are removed from a name when
it is read (:func:`handouts.personal.clean_name`), and in a right-to-left handout each name
is ordered on its own and placed as a unit: a name can never reorder the text around it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Callable

from handouts.errors import GlyphError
from handouts.i18n import is_rtl
from handouts.personal import clean_name
from handouts.render.bidi import visual_order
from handouts.render.fonts import coverage_for, drawable, source_coverage
from handouts.render.scripts import first_strong_direction, has_rtl, reshape
from handouts.render.styles import FontFamily, Styles

#: a run with one of these prefers the family named (before the fallback order)
_PREFER = (
    (lambda c: 0x3040 <= c <= 0x30FF or 0x31F0 <= c <= 0x31FF or 0xFF66 <= c <= 0xFF9F, "noto-jp"),  # kana
    (lambda c: 0xAC00 <= c <= 0xD7AF or 0x1100 <= c <= 0x11FF or 0x3130 <= c <= 0x318F, "noto-kr"),  # Hangul
)


@dataclass(frozen=True)
class Run:
    """Part of a name as it is drawn: its text and the family to draw it in (None: the
    handout's own font)."""

    text: str
    family: FontFamily | None


def _candidates(text: str, own: FontFamily, styles: Styles) -> list[FontFamily]:
    order = [own] if own.variable else []
    points = [ord(c) for c in text]
    for test, name in _PREFER:
        if any(test(c) for c in points) and name in styles.families:
            order.append(styles.families[name])
    order += [styles.families[n] for n in styles.fallback]
    seen, out = set(), []
    for fam in order:
        if fam.name not in seen:
            seen.add(fam.name)
            out.append(fam)
    return out


def plan(field: str, text: str, own: FontFamily, own_covers: Callable[[str], bool], styles: Styles,
         covers: Callable[[FontFamily], frozenset[int]], rtl_handout: bool = False) -> list[Run]:
    """The runs of a name (already cleaned), or a GlyphError naming ``field``.

    ``own_covers(ch)``: can the handout's own font draw it; ``covers(family)``: every code
    point a family's source font has.
    """
    if has_rtl(text):
        text = reshape(text)  # letters joined first: the fonts must have the joined forms
    if all(own_covers(ch) for ch in text):
        return [Run(text, None)]
    need = [c for c in text if not drawable(c)]
    cands = _candidates(text, own, styles)

    def first(chars: list[str]) -> FontFamily | None:
        for fam in cands:
            points = covers(fam)
            if all(ord(c) in points for c in chars):
                return fam
        return None

    whole = first(need)
    if whole is not None:
        runs = [Run(text, whole)]
    else:
        runs = []
        for i, word in enumerate(text.split(" ")):
            if i:
                runs.append(Run(" ", None))
            if all(own_covers(ch) for ch in word):
                runs.append(Run(word, None))
                continue
            fam = first([c for c in word if not drawable(c)])
            if fam is not None:
                runs.append(Run(word, fam))
                continue
            for ch in word:
                if own_covers(ch):
                    runs.append(Run(ch, None))
                    continue
                fam = first([ch])
                if fam is None:
                    raise GlyphError(
                        f"{field}: the character U+{ord(ch):04X} {unicodedata.name(ch, '?')} cannot be printed "
                        "in any font handouts has; remove it, or write the name without it")
                runs.append(Run(ch, fam))
        runs = _merge(runs)
    if has_rtl(text) and not rtl_handout:
        # right-to-left letters in a left-to-right line: the name in visual order here, as a
        # unit (ReportLab does not reorder a left-to-right line), each letter in its run's font
        chars = [(c, r.family) for r in runs for c in r.text]
        shown, order = visual_order("".join(c for c, _f in chars), first_strong_direction(text))
        # a line break between two right-to-left words would put them in the wrong order
        shown = "".join("\u00a0" if c == " " and 0 < k < len(shown) - 1 and has_rtl(shown[k - 1])
                        and has_rtl(shown[k + 1]) else c for k, c in enumerate(shown))
        runs = []
        for k, i in enumerate(order):
            family = chars[i][1]
            if runs and runs[-1].family == family:
                runs[-1] = Run(runs[-1].text + shown[k], family)
            else:
                runs.append(Run(shown[k], family))
    return runs


def _merge(runs: list[Run]) -> list[Run]:
    """Neighbouring runs of one family as one; a space between two runs of a family joins them."""
    out: list[Run] = []
    for r in runs:
        if out and out[-1].family == r.family:
            out[-1] = Run(out[-1].text + r.text, r.family)
        elif len(out) >= 2 and out[-1].text == " " and out[-2].family == r.family:
            space = out.pop()
            out[-1] = Run(out[-1].text + space.text + r.text, r.family)
        else:
            out.append(r)
    return out


def check_name(field: str, text: str, lang: str, styles: Styles) -> None:
    """Can this name be printed on a ``lang`` handout? A GlyphError naming the field if not
    (nothing is prepared: the source fonts' character maps are enough)."""
    own = styles.family_for(lang)
    plan(field, clean_name(text), own, coverage_for(own), styles, source_coverage, is_rtl(lang))
