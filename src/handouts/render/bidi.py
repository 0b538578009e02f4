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

_STRONG_OR_NUMBER = {"L", "R", "AL", "EN", "AN"}


def log2vis(text: str, base_direction: str = "RTL", clean: bool = True, positions_V_to_L=None,
            **_ignored) -> str:  # noqa: N803 (ReportLab's names)
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
    resolve_neutral_types(storage, False)
    resolve_implicit_levels(storage, False)
    reorder_resolved_levels(storage, False)
    apply_mirroring(storage, False)
    chars = storage["chars"]
    if positions_V_to_L is not None:
        word_has_content = _words_with_content(text)
        for ch in chars:
            i = ch["index"]
            neutral = ch["orig"] not in _STRONG_OR_NUMBER
            positions_V_to_L.append(-1 if neutral and word_has_content[i] else i)
    return "".join(ch["ch"] for ch in chars)


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
    from reportlab.pdfgen import textobject

    if not textobject.rtlSupport:
        from handouts.errors import TemplateError

        raise TemplateError(
            "right-to-left text is not available: ReportLab was loaded before handouts could "
            "set up its bidi support; import handouts.render before reportlab"
        )
