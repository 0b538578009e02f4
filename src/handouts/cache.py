"""The user's cache folder (platformdirs). Everything in it can be deleted at any time."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir

from handouts import __version__


def cache_dir(kind: str) -> Path | None:
    """``<user cache>/handouts/<version>/<kind>``, created; None if it cannot be made.

    ``HANDOUTS_CACHE_DIR`` overrides the location; ``HANDOUTS_CACHE_DIR=off`` disables caching.
    """
    root = os.environ.get("HANDOUTS_CACHE_DIR")
    if root == "off":
        return None
    if not root:
        root = user_cache_dir("handouts", appauthor=False)
    folder = Path(root) / __version__ / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder
