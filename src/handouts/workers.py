"""Worker processes end with the process that started them.

A batch killed with SIGKILL cannot stop its workers itself; without this they would go on
(and, holding its pipes, keep multiprocessing's resource tracker alive) for ever. Each worker
asks the kernel for SIGTERM when its parent dies (Linux), and also watches its parent's
process id from a thread (every system): a new parent means the old one is gone. It then
ends at once, unless it is inside :func:`keep_together` (a handout's file put in place and
recorded in the batch's ledger): then it ends right after, so that a file on disk is never
missing from the ledger.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

#: how often a worker looks at its parent (seconds)
WATCH_EVERY = 0.5

_busy = 0  # inside keep_together (in this process's main thread)
_gone = False  # the parent is gone: end when keep_together is left


@contextlib.contextmanager
def keep_together():
    """Steps that must not be cut apart by the parent's death (a file and its ledger line)."""
    global _busy
    _busy += 1
    try:
        yield
    finally:
        _busy -= 1
        if _gone and not _busy:
            os._exit(1)


def _parent_gone(*_args) -> None:
    global _gone
    _gone = True
    if not _busy:
        os._exit(1)


def exit_with_parent(parent: int | None = None) -> None:
    """Call first thing in a worker: it ends when ``parent`` (default: its parent now) does."""
    import ctypes  # (only in a worker process, on Linux)

    parent = parent or os.getppid()
    signal.signal(signal.SIGTERM, _parent_gone)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the thread below does it
    if os.getppid() != parent:  # the parent died before this line
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCH_EVERY)
            if os.getppid() != parent:
                _parent_gone()

    threading.Thread(target=watch, name="handouts-parent", daemon=True).start()
