"""The localized markup of a handout, cached by the hash of everything it is made from.

The key covers the package version, the request's options, and the bytes of the content
file, the language's catalogs and the templates: change any of them and the handout is
made again. Only successful results are cached, never an error. A damaged cache entry
is ignored and rebuilt.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

from handouts import __version__
from handouts.cache import cache_dir
from handouts.errors import OutputError
from handouts.keys import handout_inputs
from handouts.output import write_atomic


def key(*, drug: str, lang: str, allow_fallback: bool, print_date: _dt.date | None, clinic: dict[str, Any],
        english_follows: bool, content_file: Path, catalogs: list[Path], templates: tuple[Path, ...]) -> str:
    """The hash of everything a handout's markup is made from (``clinic``: the clinic's
    template variables; ``templates``: the template folders)."""
    return handout_inputs(
        version=__version__,
        options=[drug, lang, allow_fallback, print_date.isoformat() if print_date else None, clinic,
                 english_follows],
        content_file=content_file, catalogs=catalogs,
        templates=[path for folder in templates for path in folder.glob("*.j2")],
    ).hexdigest()


def load(key: str) -> dict[str, Any] | None:
    """The stored markup's fields (see :meth:`handouts.render.HandoutMarkup.from_fields`), or None."""
    folder = cache_dir("markup")
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def store(key: str, fields: dict[str, Any]) -> None:
    folder = cache_dir("markup")
    if folder is None:
        return
    try:
        write_atomic(folder / f"{key}.json", json.dumps(fields, ensure_ascii=False).encode("utf-8"), 0o600)
    except OutputError:
        pass  # a cache that cannot be written only costs time
