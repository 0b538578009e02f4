"""Writing files atomically: a temporary file in the same folder, then a rename.

A reader never sees a half-written PDF at the output path, and a failed write leaves
whatever was there before untouched.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from handouts.errors import OutputError, UsageError, shown


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Path, data: bytes, mode: int | None = None,
                 hint: str = "choose another --out") -> Path:
    """Write ``data`` to ``path``; ``mode`` defaults to 0o666 less the umask (0o600 for patient
    files). ``hint``: what to do if it cannot be written."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {path}: the folder {folder} does not exist; create it or {hint}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror}; {hint}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as err:  # a full disk, or Ctrl-C: never a temporary file left behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(err, OSError):
            raise OutputError(f"cannot write {path}: {err.strerror}; {hint}") from None
        raise
    return path


def output_path(out: str | Path | None, filename: str) -> Path:
    """``--out``: a folder (existing, or new when written with a trailing slash: it is made)
    or a ``.pdf`` file name in an existing folder. Checked before anything is made."""
    if out is None or str(out) == "":
        return Path.cwd() / filename
    text = str(out)
    path = Path(text)
    if text.endswith(("/", os.sep)) or path.is_dir():
        return ensure_folder(path, "--out") / filename
    if path.exists() and not path.is_file():
        raise UsageError(f"--out {shown(text)}: not a folder or a file; give a folder or a file name ending in .pdf")
    if path.suffix.lower() != ".pdf":
        raise UsageError(f"--out {shown(text)}: give a folder (end it with / to make a new one) "
                         "or a file name ending in .pdf")
    check_file_target(path, "--out")
    return path


def ensure_folder(path: Path, option: str, *, private: bool = False) -> Path:
    """The folder ``path``, made if missing (owner-only with ``private``), or one clear
    error naming ``option``: it is a file, it cannot be made, it cannot be written to."""
    path = Path(path)
    where = f"{option} {shown(str(path), 120)}"
    if path.exists() and not path.is_dir():
        raise OutputError(f"{where}: is a file, not a folder; give a folder")
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700 if private else 0o777)
    except OSError as err:
        raise OutputError(f"{where}: cannot make the folder: {err.strerror}; choose a folder you can write to") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"{where}: cannot write in this folder; choose a folder you can write to")
    return path


def check_file_target(path: Path, option: str) -> Path:
    """A file about to be written at ``path``: not a folder, its folder exists and can be
    written to. Returns the folder."""
    path = Path(path)
    where = f"{option} {shown(str(path), 120)}"
    if path.is_dir():
        raise OutputError(f"{where}: is a folder; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{where}: {shown(str(folder), 120)} is a file, not a folder; choose another place")
    if not folder.is_dir():
        raise OutputError(f"{where}: the folder {shown(str(folder), 120)} does not exist; make it first "
                          "or choose another place")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{where}: cannot write in {shown(str(folder), 120)}; choose a folder you can write to")
    return folder


def made_message(path: Path, result) -> str:
    notes = []
    if result.fallback_count:
        notes.append(f"{result.fallback_count} strings in English, marked [EN]")
    if result.unreviewed:
        notes.append("translation not yet reviewed by a qualified translator")
    extra = f" ({'; '.join(notes)})" if notes else ""
    return f"wrote {path} ({result.paper}){extra}"
