"""The planner's child processes (a second search, a large day's parts) where ``fork`` is not safe: a fresh
interpreter that imports only what it runs.

``multiprocessing``'s ``spawn`` first re-imports the parent's ``__main__`` module in every child before it unpickles
the work. Under ``doorstep serve`` that module is the console script, which imports the whole CLI and app: 2.8 s and
210 MiB per child, measured, taken from each part's share of the time limit (a 3,000-order day in 20 s searched half
as many iterations as from a small script, and cost 2.4 % more). ``start`` launches
``python -m doorstep.optimize.child_main`` instead: the child reads the parent's ``sys.path``, then the pickled
target and its arguments, from its stdin, and writes on a pipe of its own, wrapped as a ``Connection`` like a
``multiprocessing`` one. The target and everything it is given are pickled by reference as ``spawn`` does, so
they must be importable (module-level functions), which ``spawn`` asked too.

The child ends when the process that started it ends (Linux's parent-death signal, set before it reads its work):
a part never searches on for a plan nobody will read.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

ENTRY = "doorstep.optimize.child_main"


@dataclass(slots=True)
class Child:
    """A started child: the few ``multiprocessing.Process`` methods the planner uses, over a ``Popen``."""

    popen: subprocess.Popen[bytes]
    name: str

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def exitcode(self) -> int | None:
        """None while it runs; its exit status, or minus the signal that ended it (as ``multiprocessing``)."""
        return self.popen.poll()

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def join(self, timeout: float | None = None) -> None:
        """Wait for it to end, at most ``timeout`` seconds (returns either way, as ``Process.join``)."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout)

    def terminate(self) -> None:
        if self.is_alive():
            self.popen.terminate()

    def kill(self) -> None:
        if self.is_alive():
            self.popen.kill()


def start(target: Callable[..., None], args: tuple[Any, ...], name: str) -> tuple[Child, Connection]:
    """Run ``target(conn, *args)`` in a fresh interpreter; returns the child and the receiving end of ``conn``.
    Raises (``OSError``, ``pickle.PicklingError``, ...) when it cannot start; nothing is left running then."""
    work = pickle.dumps((target, args), protocol=pickle.HIGHEST_PROTOCOL)  # before anything starts: may raise
    recv_fd, send_fd = os.pipe()
    try:
        popen = subprocess.Popen(
            [sys.executable, "-m", ENTRY, str(send_fd), str(os.getpid()), name],
            stdin=subprocess.PIPE,
            pass_fds=(send_fd,),
            close_fds=True,
        )
    except BaseException:
        os.close(recv_fd)
        os.close(send_fd)
        raise
    os.close(send_fd)  # the child has its own copy: the pipe reads EOF once the child is gone
    child = Child(popen, name)
    try:
        assert popen.stdin is not None
        pickle.dump(sys.path, popen.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        popen.stdin.write(work)
        popen.stdin.close()
    except BaseException:
        child.kill()
        child.join(1.0)
        os.close(recv_fd)
        raise
    return child, Connection(recv_fd, writable=False)


def start_process(
    target: Callable[..., None], args: tuple[Any, ...], name: str, fork: bool
) -> tuple[BaseProcess | Child, Connection]:
    """Run ``target(conn, *args)`` in a child process: forked (a single-threaded parent: it starts at once with
    the parent's memory) or, with ``fork`` False, a fresh interpreter (``start``); returns the child and the
    receiving end of ``conn``. Raises when it cannot start; nothing is left running then."""
    if not fork:
        return start(target, args, name)
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=target, args=(send, *args), daemon=True, name=name)
    try:
        proc.start()
    except BaseException:
        send.close()
        recv.close()
        raise
    send.close()  # the child has its own copy
    return proc, recv
