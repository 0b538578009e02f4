"""The large fonts (Chinese, Japanese, Korean, Arabic script) prepared in the background when
the server starts, so that no request waits a blank minute: until a language's fonts are
ready, the page says so and a request for that language is answered with that message."""

from __future__ import annotations

import threading

from handouts.i18n.names import english_name
from handouts.render.fonts import prepare_families
from handouts.render.styles import load_styles, styles_path


class FontWarmup:
    def __init__(self, langs: list[str] | None):
        """``langs``: the languages whose fonts to prepare (None: nothing to prepare)."""
        styles = load_styles(styles_path())
        self._pending = sorted(lang for lang in (langs or []) if styles.family_for(lang).variable)
        self._lock = threading.Lock()
        self.error: str | None = None

    def start(self) -> "FontWarmup":
        if self._pending:
            threading.Thread(target=self._run, daemon=True).start()
        return self

    def _run(self) -> None:
        for lang in list(self._pending):
            try:
                prepare_families([lang])
            except Exception as err:  # noqa: BLE001 - a request for the language reports it in full
                self.error = f"{err.__class__.__name__}"
            with self._lock:
                self._pending.remove(lang)

    def preparing(self) -> list[str]:
        """The English names of the languages whose fonts are not ready yet."""
        with self._lock:
            return [english_name(lang) for lang in self._pending]

    def waiting_for(self, lang: str) -> str | None:
        """The language's English name if its fonts are still being prepared, else None."""
        with self._lock:
            return english_name(lang) if lang in self._pending else None
