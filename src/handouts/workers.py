"""Worker processes end with the process that started them.

A batch killed with SIGKILL cannot stop its workers itself; without this they would go on
(and, holding its pipes, keep multiprocessing's resource tracker alive) for ever. Each worker
asks the kernel for SIGKILL when its parent dies (Linux), and also watches its parent's
process id from a thread (every system): a new parent means the old one is gone.
"""

from __future__ import annotations

import os
import signal
import threading
import time

#: how often a worker looks at its parent (seconds)
WATCH_EVERY = 0.5


def exit_with_parent(parent: int | None = None) -> None:
    """Call first thing in a worker: it ends when ``parent`` (default: its parent now) does."""
    import ctypes  # (only in a worker process, on Linux)

    parent = parent or os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the thread below does it
    if os.getppid() != parent:  # the parent died before this line
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCH_EVERY)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="handouts-parent", daemon=True).start()
