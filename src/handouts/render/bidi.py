"""Right-to-left text for ReportLab: the ``rlbidi`` module its RTL word wrapping looks for.

ReportLab's ``wordWrap='RTL'`` imports a module named ``rlbidi`` (not on PyPI) and, without
it, silently lays RTL text out left to right. This module provides its one function,
``log2vis``, on python-bidi's pure-Python Unicode Bidirectional Algorithm, and is installed
as ``rlbidi`` before ReportLab's text module is first imported (see :func:`install`).

It also works around a ReportLab bug: ``bidiWordList`` maps visual words back to logical ones
through ``positions_V_to_L``, and a bracket that the algorithm moves away from its word (the
"(" of "(Metformin 500 mg)" inside Arabic text) made it lose "Metformin" and print "mg" twice.
Reporting -1 for the neutral characters (brackets, punctuation) of words that also hold a
letter or digit maps each word by its letters and digits alone.
"""

from __future__ import annotations

import sys
import unicodedata

from handouts.errors import TemplateError

_STRONG_OR_NUMBER = {"L", "R", "AL", "EN", "AN"}


def _resolved(text: str, base_direction: str, brackets: bool) -> list[dict]:
    """python-bidi's algorithm, step by step: each character's dict, in visual order, with
    ``index`` (its logical position) and ``ch`` (mirrored where the algorithm mirrors)."""
    # (python-bidi: only for right-to-left text)
    from bidi.algorithm import (
        apply_mirroring,
        explicit_embed_and_overrides,
        get_embedding_levels,
        get_empty_storage,
        reorder_resolved_levels,
        resolve_implicit_levels,
        resolve_neutral_types,
        resolve_weak_types,
    )

    storage = get_empty_storage()
    level = 1 if str(base_direction).upper() == "RTL" else 0
    storage["base_level"] = level
    storage["base_dir"] = ("L", "R")[level]
    get_embedding_levels(text, storage)
    for index, ch in enumerate(storage["chars"]):
        ch["index"] = index
    explicit_embed_and_overrides(storage)
    resolve_weak_types(storage)
    if brackets:
        _resolve_brackets(storage["chars"])
    resolve_neutral_types(storage, False)
    resolve_implicit_levels(storage, False)
    reorder_resolved_levels(storage, False)
    apply_mirroring(storage, False)
    return storage["chars"]


def log2vis(text: str, base_direction: str = "RTL", clean: bool = True, positions_V_to_L=None,
            **_ignored) -> str:  # noqa: N803 (ReportLab's names)
    chars = _resolved(text, base_direction, brackets=False)
    if positions_V_to_L is not None:
        word_has_content = _words_with_content(text)
        for ch in chars:
            i = ch["index"]
            neutral = ch["orig"] not in _STRONG_OR_NUMBER
            positions_V_to_L.append(-1 if neutral and word_has_content[i] else i)
    return "".join(ch["ch"] for ch in chars)


def visual_order(text: str, base_direction: str = "RTL") -> tuple[str, list[int]]:
    """The text in visual order (left to right as drawn), and for each visual character the
    index of the logical character it shows. Brackets are paired (rule N0)."""
    chars = _resolved(text, base_direction, brackets=True)
    return "".join(ch["ch"] for ch in chars), [ch["index"] for ch in chars]


#: bracket pairs (opening -> closing) the bidi algorithm resolves together (rule N0)
_BRACKETS = {"(": ")", "[": "]", "{": "}", "\uff08": "\uff09", "\uff3b": "\uff3d", "\u3008": "\u3009",
             "\u300a": "\u300b", "\u2329": "\u232a"}


def _strong(kind: str) -> str | None:
    return "L" if kind == "L" else "R" if kind in ("R", "AL", "EN", "AN") else None


def _resolve_brackets(chars: list[dict]) -> None:
    """Rule N0 of the Unicode bidi algorithm (which python-bidi's algorithm lacks): a pair
    of brackets takes one direction, so "(Mo)" in a right-to-left name stays "(Mo)"."""
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for i, ch in enumerate(chars):
        c = ch["ch"]
        if ch["type"] != "ON":
            continue
        if c in _BRACKETS:
            if len(stack) >= 63:
                return
            stack.append(i)
        elif c in _BRACKETS.values():
            for depth in range(len(stack) - 1, -1, -1):
                if _BRACKETS[chars[stack[depth]]["ch"]] == c:
                    pairs.append((stack[depth], i))
                    del stack[depth:]
                    break
    for start, end in sorted(pairs):
        embedding = "R" if chars[start]["level"] % 2 else "L"
        inside = {_strong(chars[k]["type"]) for k in range(start + 1, end)} - {None}
        if not inside:
            continue
        if embedding in inside:
            direction = embedding
        else:  # only the other direction inside: the brackets take the direction before them
            direction = next((_strong(chars[k]["type"]) for k in range(start - 1, -1, -1)
                              if _strong(chars[k]["type"])), embedding)
        chars[start]["type"] = chars[end]["type"] = direction


def _words_with_content(text: str) -> list[bool]:
    """For each character: is it part of a space-separated word holding a letter or digit?"""
    out = [False] * len(text)
    start = 0
    for end in [*(i for i, c in enumerate(text) if c == " "), len(text)]:
        word = text[start:end]
        has = any(unicodedata.category(c)[0] in "LN" for c in word)
        for i in range(start, end):
            out[i] = has
        start = end + 1
    return out


def install() -> None:
    """Make ``import rlbidi`` find this module; must run before ReportLab's text module loads."""
    sys.modules["rlbidi"] = sys.modules[__name__]


def check_installed() -> None:
    # (ReportLab: the markup step does not load it)
    from reportlab.pdfgen import textobject

    if not textobject.rtlSupport:
        raise TemplateError(
            "right-to-left text is not available: ReportLab was loaded before handouts could "
            "set up its bidi support; import handouts.render before reportlab"
        )
