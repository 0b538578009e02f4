"""Writing files atomically: a temporary file in the same folder, then a rename.

A reader never sees a half-written PDF at the output path, and a failed write leaves
whatever was there before untouched.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from handouts.errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> Path:
    """Write ``data`` to ``path``; ``mode`` defaults to 0o666 less the umask (0o600 for patient files)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist; create it or choose another --out")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror}; choose a folder you can write to with --out") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(f"cannot write {path}: {err.strerror}; choose another --out") from None
    return path


def output_path(out: Path | None, filename: str) -> Path:
    """``--out``: a folder (existing, or written with a trailing slash) or a ``.pdf`` file name."""
    from handouts.errors import UsageError

    if out is None:
        return Path.cwd() / filename
    if out.is_dir() or str(out).endswith(("/", "\\")):
        return out / filename
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"--out {out}: give a folder or a file name ending in .pdf")
    return out


def made_message(path: Path, result) -> str:
    notes = []
    if result.fallback_count:
        notes.append(f"{result.fallback_count} strings in English, marked [EN]")
    if result.unreviewed:
        notes.append("translation not yet reviewed by a qualified translator")
    extra = f" ({'; '.join(notes)})" if notes else ""
    return f"wrote {path} ({result.paper}){extra}"
