"""The parts of a large day in parallel child processes: a fair share of the time for each, their progress relayed,
a part whose process fails (an exception, a crash, no answer by its deadline) started once more while there is
time, and given up after that. The start method is the one the second search uses (``pyvrp_adapter``): ``fork`` in
a single-threaded process, ``spawn`` once another thread runs. Where no child process can start at all (a daemonic
worker process may not have children), a part is planned in the planning process itself.

``PartRunner`` keeps the rules (the order of the parts, their shares, the retry, the giving up) apart from where an
attempt runs (``_free``, ``_launch``, ``_poll``, ``_slots``): a runner that also sends parts to other machines (the
Celery workers, ``doorstep.jobs.parts_runner``) overrides those four and keeps the rules. ``plan_in_parts`` takes
any ``RunnerFactory``; ``PartRunner`` itself is the default one."""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from doorstep.domain.plan import Plan, UnassignedReason
from doorstep.domain.problem import Problem
from doorstep.optimize import child_process
from doorstep.optimize.child_main import die_with_parent
from doorstep.optimize.child_process import Child
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.part_travel import PartTravel
from doorstep.optimize.progress import Progress, ProgressCallback
from doorstep.optimize.pyvrp_adapter import start_method
from doorstep.routing.provider import TravelTimeProvider

PartSolver = Callable[[Problem, TravelTimeProvider, SolveOptions, ProgressCallback], Plan]
PartProgress = Callable[[int, Progress], None]  # (part number, its report)
ATTEMPTS = 2  # a part whose process fails is started once more
GRACE_S = 3.0  # past its deadline, how long a part's process may take to answer before it is stopped
MIN_PART_S = 1.0  # a part's first attempt gets at least this; a second one is not started with less left
POLL_S = 0.2


@dataclass(slots=True)
class PartWork:
    """A part to plan: its number (1-based), its problem, and how to get its travel (computed when it starts)."""

    index: int
    problem: Problem
    make_travel: Callable[[Problem], PartTravel]
    travel: PartTravel | None = None
    attempts: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def orders(self) -> int:
        """Its size, for its share of the time."""
        return max(1, len(self.problem.orders))


@dataclass(slots=True)
class PartResult:
    """What came back: the part's plan, or the errors of its attempts."""

    index: int
    plan: Plan | None
    errors: list[str]
    attempts: int


class Runs(Protocol):
    """What ``plan_in_parts`` needs of a runner: every part planned, and a phrase on where they ran (W1746)."""

    def run(self, works: list[PartWork]) -> dict[int, PartResult]:
        """Plan every part; a result per part number."""
        ...

    def where(self) -> str:
        """Where the parts ran, for the parts note: ``on 2 process(es)``, ..."""
        ...


class RunnerFactory(Protocol):
    """Makes the runner of one large day's parts (``PartRunner`` is one: the default)."""

    def __call__(
        self,
        options: SolveOptions,
        workers: int,
        parts_end: float,
        solve: PartSolver,
        on_progress: PartProgress,
        *,
        late_end: float | None = None,
    ) -> Runs: ...


@dataclass(slots=True)
class Attempt:
    """A part's attempt under way, due by ``ends_at`` (monotonic)."""

    work: PartWork
    ends_at: float


def served_all(results: dict[int, PartResult]) -> bool:
    """Whether every part planned left out no order a recovery part could take (only ``NOT_WORTH_IT`` ones)."""
    return all(
        r.plan is not None and all(u.reason is UnassignedReason.NOT_WORTH_IT for u in r.plan.unassigned)
        for r in results.values()
    )


@dataclass(slots=True)
class LocalAttempt(Attempt):
    """An attempt in a child process of this one, or in a thread of it (``_spawn(thread=True)``: the Celery
    runner's own slot), sending on ``conn``."""

    proc: BaseProcess | Child | threading.Thread
    conn: Connection


def _child(conn: Connection, problem: Problem, travel: PartTravel, options: SolveOptions, deadline: float,
           solve: PartSolver, own_process: bool = True) -> None:  # fmt: skip
    """A part's process: plan until ``deadline`` (wall clock), send progress, then the plan or the error. In a
    thread (``own_process`` False) the same, without tying a process's life to its parent's."""
    if own_process:
        die_with_parent()  # a forked child (one started by ``child_process`` has asked already)
    try:
        opts = replace(options, time_limit_s=max(0.2, deadline - time.time()))
        conn.send(("done", solve(problem, travel, opts, lambda p: conn.send(("progress", p)))))
    except Exception as exc:  # every failure goes back to the planning process as data
        with contextlib.suppress(OSError, ValueError):  # unless it stopped listening (past the deadline)
            conn.send(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"))
    finally:
        conn.close()


class PartRunner:
    """Runs parts on ``workers`` processes until ``parts_end`` (monotonic); see the module's docstring."""

    def __init__(
        self,
        options: SolveOptions,
        workers: int,
        parts_end: float,
        solve: PartSolver,
        on_progress: PartProgress,
        min_s: float = MIN_PART_S,
        late_end: float | None = None,
    ) -> None:
        self.options, self.workers, self.parts_end, self.min_s = options, workers, parts_end, min_s
        self.planned_workers = workers  # as asked (``workers`` drops to 1 where no process can start)
        self.late_end = late_end  # the parts may run until then while every part so far served all it could
        self.solve, self.on_progress = solve, on_progress
        self.running: list[Attempt] = []
        self.results: dict[int, PartResult] = {}
        self.method = start_method()
        self.pending_orders = 0
        self.in_process: list[str] = []  # why a part was planned in this process (its process could not start)

    def run(self, works: list[PartWork]) -> dict[int, PartResult]:
        """Plan every part; a result per part number, in any order of finishing."""
        pending = sorted(works, key=lambda w: (-w.orders, w.index))  # largest first: the waves pack better
        self.pending_orders = sum(w.orders for w in pending)
        while pending or self.running:
            while pending and self._free():
                work = pending.pop(0)
                started = self._start(work)
                if started is None:  # failed at once
                    self._retry_or_give_up(work, pending)
                elif not started:
                    self._give_up(work, "no time was left to plan this part again")
            for work in self._poll():
                self._retry_or_give_up(work, pending)
        return self.results

    def where(self) -> str:
        """On how many processes the parts ran, and why some ran in the planning process."""
        out = f"on {self.planned_workers} process(es)"
        if self.in_process:
            n, why = len(self.in_process), self.in_process[0]
            out += f"; {n} part(s) planned in the planning process, no process could start ({why})"
        return out

    def _free(self) -> bool:
        """Whether a part may start now: a slot is free."""
        return len(self.running) < self.workers

    def _slots(self) -> int:
        """The slots the parts share the time of."""
        return self.workers

    def _retry_or_give_up(self, work: PartWork, pending: list[PartWork]) -> None:
        """After a failed attempt: once more, first in line, while there is time; else given up."""
        if work.attempts < ATTEMPTS and self._deadline() - time.monotonic() >= self.min_s:
            pending.insert(0, work)
            self.pending_orders += work.orders
        else:
            self._give_up(work, "")

    def _deadline(self) -> float:
        """The parts' deadline: ``late_end`` once parts have finished and none left an order out that a recovery
        part could take (the time kept for it would go unused), else ``parts_end``. A part still running may yet
        leave orders out: the caller offers ``late_end`` only when an earlier pass says that is unlikely
        (``served_all``)."""
        if self.late_end is None or not self.results:
            return self.parts_end
        return self.late_end if served_all(self.results) else self.parts_end

    def _budget(self, work: PartWork) -> float:
        """Its fair share of the slot-seconds left: the time to the deadline (``_deadline``) on every slot, less what
        the running parts still hold, in proportion to its orders among the parts not started yet."""
        now, end = time.monotonic(), self._deadline()
        left = end - now
        free = max(0, self._slots() - len(self.running))
        slots = left * free + sum(max(0.0, end - r.ends_at) for r in self.running)
        share = slots * work.orders / max(1, self.pending_orders)
        return min(left, share)

    def _start(self, work: PartWork) -> bool | None:
        """Start an attempt: True when started (or, when no process could start, planned here), False when a
        second attempt has no time left, None when the attempt failed at once."""
        if work.travel is None:
            work.travel = work.make_travel(work.problem)
        budget = self._budget(work)
        self.pending_orders -= work.orders
        if budget < self.min_s:
            if work.attempts:  # a second attempt only with time for it
                return False
            budget = self.min_s  # a first attempt always runs: the parts before it overran a little

        work.attempts += 1
        return self._launch(work, budget)

    def _launch(self, work: PartWork, budget: float) -> bool | None:
        """Run the attempt in a child process; where none can start, in this process (see ``_start``)."""
        try:
            self.running.append(self._spawn(work, budget))
        except Exception as exc:  # no child process here (a daemonic worker process, no memory): plan it in this one
            self.in_process.append(f"{type(exc).__name__}: {exc}")
            if self.workers > 1 and not self.running:  # one part at a time from now on: its share is of one slot
                self.workers = 1
                self.pending_orders += work.orders
                budget = max(self.min_s, self._budget(work))
                self.pending_orders -= work.orders
            return self._here(work, budget)
        return True

    def _spawn(self, work: PartWork, budget: float, thread: bool = False) -> LocalAttempt:
        """Start the attempt in a child process (or, with ``thread``, a thread of this process); raises when it
        cannot start."""
        assert work.travel is not None
        args: tuple[Any, ...] = (work.problem, work.travel, self.options, time.time() + budget, self.solve)
        name = f"doorstep-part-{work.index}"
        if not thread:  # forked, or a fresh interpreter importing only the planner (child_process)
            child, conn = child_process.start_process(_child, args, name, fork=self.method == "fork")
            return LocalAttempt(work, time.monotonic() + budget, child, conn)
        recv, send = multiprocessing.Pipe(duplex=False)
        proc = threading.Thread(target=_child, args=(send, *args, False), daemon=True, name=name)
        try:
            proc.start()
        except BaseException:
            send.close()
            recv.close()
            raise
        return LocalAttempt(work, time.monotonic() + budget, proc, recv)

    def _here(self, work: PartWork, budget: float) -> bool | None:
        """Plan a part in this process (no isolation from a crash, but a plan); None when it raised."""
        assert work.travel is not None
        try:
            opts = replace(self.options, time_limit_s=budget)
            plan = self.solve(work.problem, work.travel, opts, lambda p: self.on_progress(work.index, p))
        except Exception as exc:
            work.errors.append(f"{type(exc).__name__}: {exc}")
            return None
        self.results[work.index] = PartResult(work.index, plan, work.errors, work.attempts)
        work.travel = None
        return True

    def _poll(self) -> list[PartWork]:
        """Read what the parts sent; return the parts whose attempt failed."""
        return self._poll_local(POLL_S)

    def _poll_local(self, timeout: float) -> list[PartWork]:
        """``_poll`` for the attempts in this process's children (and threads), waiting at most ``timeout``."""
        failed: list[PartWork] = []
        mine = [r for r in self.running if isinstance(r, LocalAttempt)]
        if not mine:
            return failed
        ready = wait([r.conn for r in mine], timeout=timeout)
        for r in mine:
            if r.conn in ready:
                error = self._read(r)
                if error is not None:
                    self._end(r, failed, error)
            elif time.monotonic() > r.ends_at + GRACE_S:
                self._end(r, failed, f"no answer {GRACE_S:g} s after its deadline: stopped")
        return failed

    def _read(self, r: LocalAttempt) -> str | None:
        """Handle one message; an error text when the attempt failed, None otherwise (progress, or done)."""
        try:
            kind, body = r.conn.recv()
        except (EOFError, OSError):
            r.proc.join(timeout=1.0)
            return f"the part's process ended without an answer (exit code {getattr(r.proc, 'exitcode', None)})"
        if kind == "progress":
            self.on_progress(r.work.index, body)
            return None
        if kind == "error":
            return str(body)
        self.results[r.work.index] = PartResult(r.work.index, body, r.work.errors, r.work.attempts)
        self._close(r)
        r.work.travel = None  # its matrices are no longer needed here
        return None

    def _end(self, r: LocalAttempt, failed: list[PartWork], error: str) -> None:
        r.work.errors.append(error)
        self._close(r)
        failed.append(r.work)

    def _close(self, r: LocalAttempt) -> None:
        self.running.remove(r)
        r.conn.close()
        r.proc.join(timeout=0.5)
        if r.proc.is_alive() and not isinstance(r.proc, threading.Thread):  # a thread ends by its deadline
            r.proc.terminate()
            r.proc.join(timeout=1.0)

    def _give_up(self, work: PartWork, error: str) -> None:
        if error:
            work.errors.append(error)
        work.travel = None
        self.results[work.index] = PartResult(work.index, None, work.errors, work.attempts)
