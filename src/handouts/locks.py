"""Locks between processes: an exclusive lock on a small file beside what it protects.

Used where two processes may write the same thing at once: two batch workers, two users or
a server and a command preparing the same font, two batches writing into one folder. The
lock belongs to the open file, so it is released when the process ends, however it ends
(a kill, a crash): a lock is never left behind.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from handouts.errors import OutputError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


class Busy(Exception):
    """The lock is held by another process (and the caller asked not to wait)."""


def _open(path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(path, flags, 0o600)
    except OSError as err:
        raise OutputError(f"cannot create the lock file {path}: {err.strerror}; "
                          "check that the folder exists and that you can write to it") from None


def _try_lock(fd: int) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
    import msvcrt  # pragma: no cover - Windows

    try:  # pragma: no cover
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError:  # pragma: no cover
        return False


@contextmanager
def exclusive(path: Path, *, wait: bool = True, on_wait: Callable[[], None] | None = None,
              poll: float = 0.1) -> Iterator[int]:
    """Hold an exclusive lock on ``path`` (created if need be) for the ``with`` block.

    ``wait=False``: raise :class:`Busy` at once if another process holds it. ``on_wait`` is
    called once, when the lock is found taken and the caller waits for it.
    """
    fd = _open(Path(path))
    try:
        if not _try_lock(fd):
            if not wait:
                raise Busy(str(path))
            if on_wait is not None:
                on_wait()
            while not _try_lock(fd):
                time.sleep(poll)
        yield fd
    finally:
        os.close(fd)  # closing the file releases the lock
