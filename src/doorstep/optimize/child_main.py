"""The entry of a planner child process (``child_process.start``): ``python -m doorstep.optimize.child_main
<fd> <parent pid> <name>``. It asks to end with its parent, reads ``sys.path`` and then the pickled target and
arguments from stdin, and runs ``target(conn, *args)`` with ``conn`` writing on ``fd``. Nothing else is imported
here: the target's own module, when it is unpickled, brings what the work needs."""

from __future__ import annotations

import os
import pickle
import signal
import sys
from multiprocessing.connection import Connection


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to end this process when its parent ends (killed, or its worker stopped); where the parent is
    already gone (``parent`` given and no longer this process's parent), end now. Elsewhere than Linux nothing is
    asked: the work ends at its own deadline anyway."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:  # it ended before the signal was asked for
        os._exit(1)


def main(argv: list[str]) -> int:
    fd, parent = int(argv[1]), int(argv[2])
    die_with_parent(parent)
    stdin = sys.stdin.buffer
    sys.path[:] = pickle.load(stdin)
    target, args = pickle.load(stdin)
    stdin.close()
    conn = Connection(fd, readable=False)
    target(conn, *args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
