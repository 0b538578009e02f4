"""Plain exceptions of the library. The CLI turns them into one-line messages and exit codes."""

from __future__ import annotations


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
