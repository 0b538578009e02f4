"""Made handouts, by the hash of every input that affects their bytes (content-addressed).

A repeated ``handouts make`` with the same inputs copies the PDF from here without loading
ReportLab. The key covers the package version, the versions of the packages that draw the
page (ReportLab, fonts, shaping), the request, and the bytes of the content file, the
language's catalogs, the templates and the styles. Personal handouts (a patient's name or
dose) are never stored: patient data stays out of the cache folder.
``HANDOUTS_PDF_CACHE=off`` turns this cache off (``HANDOUTS_CACHE_DIR=off`` every cache).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from handouts import __version__
from handouts.cache import cache_dir
from handouts.errors import OutputError
from handouts.keys import Inputs, handout_inputs
from handouts.output import write_atomic

#: packages whose version can change the bytes of a PDF
_DRAWING_PACKAGES = ("reportlab", "rl_accel", "jinja2", "babel", "fonttools", "uharfbuzz", "python-bidi",
                     "arabic-reshaper", "fontpkg-atkinson-hyperlegible", "fontpkg-fira-sans",
                     "fontpkg-noto-sans-arabic", "fontpkg-hind", "justmytype-intl-cjk")


@lru_cache(maxsize=1)
def _package_versions() -> str:
    """The installed versions, from the names of the packages' metadata folders (fast: no
    importlib.metadata, which scans every distribution)."""
    wanted = {re.sub(r"[-_.]+", "_", n).lower(): n for n in _DRAWING_PACKAGES}
    found: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                dist, _, ver = name[:-len(".dist-info")].partition("-")
                norm = re.sub(r"[-_.]+", "_", dist).lower()
                if norm in wanted and norm not in found:
                    found[norm] = ver
    return ";".join(f"{n}={found.get(k, '-')}" for k, n in sorted(wanted.items()))


@lru_cache(maxsize=1)
def _code_stamp() -> str:
    """The package's own code (path, size, mtime of each module): a changed layout within the
    same version (a development install) is another key."""
    root = Path(__file__).resolve().parent
    parts = []
    for folder, _dirs, files in sorted(os.walk(root)):
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                parts.append(f"{os.path.relpath(os.path.join(folder, name), root)}:{st.st_size}:{st.st_mtime_ns}")
    return Inputs().add("modules", "\n".join(parts)).hexdigest()


def key(*, drug: str, lang: str, paper: str, large_print: bool, allow_fallback: bool, bilingual: bool,
        print_date: _dt.date | None, clinic: dict[str, Any], logo: Path | None, content_file: Path,
        catalogs: list[Path], templates: Path) -> str:
    """The hash of every input of a made handout (``clinic``: the clinic's template variables;
    ``templates``: the templates folder, styles.toml included)."""
    inputs = handout_inputs(
        version=__version__,
        options=[drug, lang, paper, large_print, allow_fallback, bilingual,
                 print_date.isoformat() if print_date else None, clinic, str(logo) if logo else None],
        content_file=content_file, catalogs=catalogs,
        templates=[path for path in templates.iterdir() if path.is_file()],  # styles.toml too
    )
    inputs.add("packages", _package_versions()).add("code", _code_stamp())
    if logo:
        try:
            inputs.add("logo", Path(logo).read_bytes())
        except OSError:
            inputs.add("logo", b"?")
    return inputs.hexdigest()


def enabled() -> bool:
    return os.environ.get("HANDOUTS_PDF_CACHE") != "off" and os.environ.get("HANDOUTS_CACHE_DIR") != "off"


def _folder() -> Path | None:
    if os.environ.get("HANDOUTS_PDF_CACHE") == "off":  # benchmarks measure real builds
        return None
    return cache_dir("pdf")


def load(k: str) -> tuple[bytes, int, bool] | None:
    """(pdf, strings printed in English, unreviewed) of a made handout, or None."""
    folder = _folder()
    if folder is None:
        return None
    try:
        data = (folder / f"{k}.pdf").read_bytes()
        meta = json.loads((folder / f"{k}.json").read_text(encoding="utf-8"))
        fallbacks, unreviewed = int(meta["fallbacks"]), bool(meta["unreviewed"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # a damaged entry (cut short) is ignored and made again
    if not (data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")) or len(data) != meta.get("size"):
        return None
    return data, fallbacks, unreviewed


def store(k: str, pdf: bytes, fallbacks: int, unreviewed: bool) -> None:
    folder = _folder()
    if folder is None:
        return
    try:
        meta = {"fallbacks": fallbacks, "unreviewed": unreviewed, "size": len(pdf)}
        write_atomic(folder / f"{k}.json", json.dumps(meta).encode(), 0o600)
        write_atomic(folder / f"{k}.pdf", pdf, 0o600)
    except OutputError:
        pass  # a cache that cannot be written only costs time
