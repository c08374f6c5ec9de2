"""CPU seconds spent by groups of processes over a run, read from /proc (Linux): a measure of work done that a
shared, noisy machine disturbs far less than latencies do (a process waiting for a core spends no CPU time).

    before = snapshot(groups)          # {"api": [pid, ...], ...}, children included
    ...                                # the run
    spent = since(before, groups)      # {"api": seconds, ...}

A process's CPU time is the sum over its threads (``utime + stime`` of ``/proc/<pid>/stat``). A process that
starts during the run counts from zero; one that ends during the run is lost (its time is not readable any more).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds) of a process, None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, ...
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
            out.setdefault(st[0], []).append(int(entry.name))
    return out


def tree(roots: Iterable[int], children: Mapping[int, list[int]] | None = None) -> set[int]:
    """The processes and all their descendants."""
    kids = _children() if children is None else children
    out: set[int] = set()
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid not in out:
            out.add(pid)
            todo += kids.get(pid, [])
    return out


Groups = Mapping[str, Iterable[int]]
Snapshot = dict[str, dict[int, float]]


def snapshot(groups: Groups, *, descendants: bool = True) -> Snapshot:
    """Each group's processes (with their descendants) and their CPU seconds so far."""
    kids = _children() if descendants else {}
    out: Snapshot = {}
    for name, roots in groups.items():
        pids = tree(roots, kids) if descendants else set(roots)
        out[name] = {pid: st[1] for pid in pids if (st := _stat(pid)) is not None}
    return out


def since(before: Snapshot, groups: Groups, *, descendants: bool = True) -> dict[str, float]:
    """CPU seconds each group spent since ``before`` (processes started since count from zero)."""
    now = snapshot(groups, descendants=descendants)
    return {
        name: round(sum(t - before.get(name, {}).get(pid, 0.0) for pid, t in pids.items()), 2)
        for name, pids in now.items()
    }


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, every core (``/proc/stat``)."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(x) for x in parts[:8]]  # user nice system idle iowait irq softirq steal
    idle = ticks[3] + ticks[4]
    return (sum(ticks) - idle) / TICK, sum(ticks) / TICK
