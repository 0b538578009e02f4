"""The prepared (localized) markup of a handout, cached by the hash of everything it depends on.

The key covers the package version, the request's options, and the bytes of the content
file, the language's catalogs and the templates: change any of them and the handout is
prepared again. Only successful results are cached, never an error. A damaged cache entry
is ignored and rebuilt.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from handouts import __version__

if TYPE_CHECKING:
    from handouts.handout import Request
    from handouts.render import Prepared


def cache_key(req: "Request", lang: str, content_file: Path, catalogs: list[Path], templates: tuple[Path, ...],
              english_follows: bool = False) -> str:
    from handouts.keys import handout_inputs

    return handout_inputs(
        version=__version__,
        options=[req.drug, lang, req.allow_fallback, req.print_date.isoformat() if req.print_date else None,
                 req.config.clinic.as_template_vars(), english_follows],
        content_file=content_file, catalogs=catalogs,
        templates=[path for folder in templates for path in folder.glob("*.j2")],
    ).hexdigest()


def load(key: str) -> "Prepared | None":
    from handouts.cache import cache_dir

    folder = cache_dir("prepared")
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        from handouts.render import Prepared

        return Prepared(
            markup=data["markup"], lang=data["lang"], language_name=data["language_name"],
            keywords=tuple(data["keywords"]), fallbacks=int(data["fallbacks"]),
            unreviewed=bool(data["unreviewed"]),
            qr={url: (int(n), tuple(tuple(r) for r in runs)) for url, (n, runs) in data["qr"].items()},
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(key: str, prepared: "Prepared") -> None:
    from handouts.cache import cache_dir
    from handouts.errors import OutputError
    from handouts.output import write_atomic

    folder = cache_dir("prepared")
    if folder is None:
        return
    try:
        write_atomic(folder / f"{key}.json", json.dumps(prepared._asdict(), ensure_ascii=False).encode("utf-8"), 0o600)
    except OutputError:
        pass  # a cache that cannot be written only costs time
