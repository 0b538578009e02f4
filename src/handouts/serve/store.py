"""What the page makes for a browser and hands out a moment later (the pictures of a preview,
a batch and its files): kept in memory, or in a private temporary folder for a batch, and
forgotten after a while. Nothing about a patient stays on disk once it is delivered."""

from __future__ import annotations

import secrets
import shutil
import threading
import time
from typing import Any

TTL = 15 * 60  # seconds


class Store:
    def __init__(self, ttl: float = TTL):
        self.ttl = ttl
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def put(self, value: Any) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._expire()
            self._items[token] = (time.monotonic(), value)
        return token

    def get(self, token: str) -> Any | None:
        with self._lock:
            self._expire()
            item = self._items.get(token)
            return item[1] if item else None

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, (made, _v) in self._items.items() if now - made > self.ttl]:
            _discard(self._items.pop(token)[1])

    def clear(self) -> None:
        with self._lock:
            for _made, value in self._items.values():
                _discard(value)
            self._items.clear()


def _discard(value: Any) -> None:
    folder = getattr(value, "folder", None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
