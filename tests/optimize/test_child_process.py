"""The planner's fresh-interpreter children (optimize/child_process.py): they never import the parent's ``__main__``
(under ``doorstep serve`` the whole app), they answer on their pipe, a crash shows as an exit code and an end of
the pipe, they end with the process that started them, and a target that cannot be sent starts nothing."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from doorstep.optimize import child_process

ROOT = Path(__file__).resolve().parents[2]


def fresh_children() -> list[int]:
    """This process's children started by ``child_process`` (running or not yet reaped)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            status = (d / "status").read_text()
            cmdline = (d / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))
        if ppid == os.getpid() and child_process.ENTRY.encode() in cmdline:
            out.append(int(d.name))
    return out


def _gone(pid: int) -> bool:
    """The process no longer runs (no entry, or a zombie waiting for its new parent to reap it)."""
    try:
        state = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State:"))
    except (OSError, StopIteration):
        return True
    return "Z" in state.split()[1]


# the targets: module-level, so the child can import them by reference


def _describe(conn: Connection, word: str) -> None:
    main = sys.modules["__main__"]
    conn.send((word, getattr(main, "__file__", None), "doorstep.api.app" in sys.modules, list(sys.path)))
    conn.close()


def _exit_with(conn: Connection, code: int) -> None:
    os._exit(code)


def _sleep(conn: Connection, seconds: float) -> None:
    conn.send(os.getpid())
    time.sleep(seconds)


def test_a_child_runs_its_target_with_the_parents_path_and_imports_only_what_it_needs() -> None:
    """The target gets its arguments and answers on the pipe; ``sys.path`` is the parent's; the child's
    ``__main__`` is its own entry (never the parent's) and the app is not imported there."""
    child, conn = child_process.start(_describe, ("hello",), "doorstep-test")
    assert conn.poll(30)
    word, main_file, app_imported, path = conn.recv()
    child.join(10)
    assert word == "hello" and child.exitcode == 0 and not child.is_alive()
    assert main_file is not None and Path(main_file).parts[-2:] == ("optimize", "child_main.py")
    assert app_imported is False
    assert path == sys.path
    assert fresh_children() == []


def test_a_crashed_child_shows_its_exit_code_and_ends_its_pipe() -> None:
    child, conn = child_process.start(_exit_with, (3,), "doorstep-test")
    with pytest.raises(EOFError):
        conn.recv()
    child.join(10)
    assert child.exitcode == 3 and not child.is_alive()


def test_a_target_that_cannot_be_sent_starts_nothing() -> None:
    """A lambda cannot be pickled by reference: the error is raised before any process starts."""
    before = fresh_children()
    with pytest.raises((pickle.PicklingError, AttributeError)) as err:
        child_process.start(lambda conn: None, (), "doorstep-test")
    assert "lambda" in str(err.value)
    assert fresh_children() == before


def test_a_child_ends_when_the_process_that_started_it_is_killed(tmp_path: Path) -> None:
    """A parent killed outright (SIGKILL: no clean-up of its own) takes its child with it: the part never searches
    on for a plan nobody will read."""
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time
            from doorstep.optimize import child_process
            from tests.optimize.test_child_process import _sleep
            child, conn = child_process.start(_sleep, (120.0,), "doorstep-test")
            print(conn.recv(), flush=True)
            time.sleep(120)
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert parent.stdout is not None
        child_pid = int(parent.stdout.readline())
        assert not _gone(child_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(10)
        deadline = time.monotonic() + 10
        while not _gone(child_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(child_pid)
    finally:
        parent.kill()
        parent.wait(10)


def test_a_large_day_planned_from_a_threaded_process_never_imports_its_main_module_in_the_parts(
    tmp_path: Path,
) -> None:
    """The defect this module fixes: from a process with another thread (a server), the parts started by ``spawn``
    each imported the parent's ``__main__`` (under ``doorstep serve`` the whole app, seconds a part) before
    searching. A main module that records every import of itself is imported once (as ``__main__``) while a day
    is planned in 4 parts on 2 processes, and the plan serves every order."""
    marks = tmp_path / "imports.txt"
    script = tmp_path / "server_like.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import threading
            with open({str(marks)!r}, "a") as f:
                f.write(__name__ + "\\n")
            if __name__ == "__main__":
                threading.Thread(target=threading.Event().wait, daemon=True).start()  # parts start by spawn now
                from doorstep.optimize.check import check_plan
                from doorstep.optimize.options import SolveOptions
                from doorstep.optimize.planner import make_plan
                from doorstep.optimize.pyvrp_adapter import start_method
                from doorstep.routing import StraightLineProvider
                from tests.optimize.test_decompose import two_depot_day
                assert start_method() == "spawn"
                p = two_depot_day(per_depot=100, vans=5)
                opts = SolveOptions(time_limit_s=6, split_above_orders=100, part_orders=50, part_workers=2)
                plan = make_plan(p, StraightLineProvider(), opts)
                assert check_plan(p, plan, StraightLineProvider()) == [] and plan.unassigned == []
                print(next(w.message for w in plan.warnings if w.code == "W1746"))
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "planned in 4 parts on 2 process(es)" in done.stdout and "planning process" not in done.stdout
    assert marks.read_text().split() == ["__main__"]
