"""What machine and software a benchmark ran on, recorded with every result file."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("doorstep", "pyvrp", "pyvroom", "ortools", "vrplib", "numpy")
REPO = Path(__file__).resolve().parents[1]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_commit() -> str:
    """The checked-out commit, read-only (``git rev-parse``); '+dirty' when the tree has local changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+dirty" if dirty else head


# The fixed work of ``search_speed``: the same instance, seed and iteration count everywhere, so its seconds measure
# the machine. Two machines reported under the same CPU model ran the search at speeds a factor of ~3 apart (the
# 2026-12-06 sessions), which made their seconds incomparable.
SPEED_CLIENTS, SPEED_ITERATIONS, SPEED_SEED = 200, 1500, 20261206


def search_speed(repeats: int = 3) -> dict[str, Any]:
    """PyVRP's search alone on a fixed random 200-client CVRP (Euclidean, rounded), 1,500 iterations, seed 1: the
    fastest of ``repeats`` runs in seconds and as iterations per second, and the cost (the same on every machine:
    proof that the work was the same). About 1.5 s a run on a slow 2-core EPYC."""
    import numpy as np
    from pyvrp import Model
    from pyvrp.stop import MaxIterations

    rng = np.random.default_rng(SPEED_SEED)
    m = Model()
    m.add_depot(m.add_location(500, 500))
    points, demands = rng.integers(0, 1000, (SPEED_CLIENTS, 2)), rng.integers(1, 10, SPEED_CLIENTS)
    for (x, y), demand in zip(points, demands, strict=True):
        m.add_client(m.add_location(float(x), float(y)), delivery=int(demand))
    m.add_vehicle_type(num_available=SPEED_CLIENTS // 10, capacity=60)
    for a in m.locations:
        for b in m.locations:
            m.add_edge(a, b, round(((a.x - b.x) ** 2 + (a.y - b.y) ** 2) ** 0.5))
    best, cost = float("inf"), 0
    for _ in range(repeats):
        t = time.perf_counter()
        res = m.solve(MaxIterations(SPEED_ITERATIONS), seed=1, display=False, collect_stats=False)
        best, cost = min(best, time.perf_counter() - t), int(res.cost())
    return {
        "work": f"PyVRP, {SPEED_CLIENTS}-client random CVRP (seed {SPEED_SEED}), {SPEED_ITERATIONS} iterations",
        "seconds": round(best, 3),
        "iterations_per_s": round(SPEED_ITERATIONS / best),
        "cost": cost,
    }


def machine_info(speed: bool = False) -> dict[str, Any]:
    """CPU model, cores, RAM, OS, Python and solver versions, commit and time; with ``speed``, also the seconds of a
    fixed search (``search_speed``) — for results to be compared across machines."""
    info = {
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gib": _ram_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "git_commit": _git_commit(),
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if speed:
        info["search_speed"] = search_speed()
    return info
