"""Plain exceptions of the library. The CLI turns them into one-line messages and exit codes."""

from __future__ import annotations

import unicodedata


class HandoutsError(Exception):
    """An error a user can act on. ``str(err)`` is one line that says what and how to fix it."""

    exit_code = 1

    def __init__(self, message: str, *, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        #: extra lines (for example every error found in a content file)
        self.details = list(details or [])


class UsageError(HandoutsError):
    """The command was asked for something that does not exist or is not allowed."""

    exit_code = 2


class ContentError(HandoutsError):
    """A content (monograph) file is broken."""


class ConfigError(HandoutsError):
    """The clinic configuration file is broken."""


class TranslationError(HandoutsError):
    """A translation is missing, stale, or its catalog is broken."""


class GlyphError(HandoutsError):
    """A character of the handout cannot be drawn by its font."""


class TemplateError(HandoutsError):
    """A template or its markup is broken."""


class OutputError(HandoutsError):
    """The output cannot be written."""


class PageOverflowError(TemplateError):
    """A block of the handout is larger than a page: it cannot be laid out."""


#: shown input is cut to this many characters
SHOWN_MAX = 60


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if ch == "\n":
        return "\\n"
    if ch == "\r":
        return "\\r"
    if ch == "\t":
        return "\\t"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


#: bidirectional controls: embeddings, overrides, isolates and marks (they reorder a line)
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def unsafe_char(ch: str) -> bool:
    """Characters that could fake a line, move the cursor or reorder text on a terminal."""
    return ch in BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs")


def shown(value: object, limit: int = SHOWN_MAX) -> str:
    """Input echoed in a message: control and format characters escaped, cut to ``limit``.

    Never use it on a value that may be personal (a name, an address, a dose): name the
    field or the row instead.
    """
    text = "".join(_escape_char(c) if unsafe_char(c) else c for c in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def one_line(message: str) -> str:
    """A message as one safe line: any control or format character escaped (not cut)."""
    return "".join(_escape_char(c) if unsafe_char(c) else c for c in message)
