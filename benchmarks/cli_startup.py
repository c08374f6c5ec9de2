"""How long the `doorstep` console script takes before it does anything: `doorstep --help`, `doorstep plan --help`
and the bare import of the command table, each in a fresh interpreter — this checkout side by side with an earlier
commit (``--ref``, checked out into a temporary git worktree and put first on PYTHONPATH), the runs interleaved so
both see the same machine. Prints a table (median and fastest wall time, peak RSS of the child) and writes
benchmarks/results/cli-startup.json.

    .venv/bin/python benchmarks/cli_startup.py --ref a4a585d --repeats 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from machine import REPO, machine_info

OUT = Path(__file__).resolve().parent / "results" / "cli-startup.json"
CASES = {
    "import doorstep.cli.main": "import doorstep.cli.main",
    "doorstep --help": "import sys; from doorstep.cli.main import main; sys.argv = ['doorstep', '--help']; main()",
    "doorstep plan --help": (
        "import sys; from doorstep.cli.main import main; sys.argv = ['doorstep', 'plan', '--help']; main()"
    ),
}


def run_once(code: str, src: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one fresh interpreter running ``code`` with ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    t = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - t
    if (exit_code := os.waitstatus_to_exitcode(status)) != 0:
        raise SystemExit(f"{code!r} with {src} exited {exit_code}")
    return wall, usage.ru_maxrss / 1024


def measure(sources: dict[str, Path], repeats: int) -> list[dict[str, Any]]:
    """Every case for every source, ``repeats`` times, sources alternating within each repeat."""
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {(c, s): [] for c in CASES for s in sources}
    with Progress() as bar:
        task = bar.add_task("fresh interpreters", total=repeats * len(CASES) * len(sources))
        for _ in range(repeats):
            for case, code in CASES.items():
                for name, src in sources.items():
                    samples[case, name].append(run_once(code, src))
                    bar.advance(task)
    rows = []
    for (case, name), runs in samples.items():
        walls = [w for w, _ in runs]
        rows.append({"case": case, "source": name, "runs": len(runs), "median_s": round(statistics.median(walls), 3),
                     "min_s": round(min(walls), 3), "peak_rss_mib": round(max(r for _, r in runs), 1)})  # fmt: skip
    return rows


def main() -> None:
    """Parse the options, time the checkout (and the reference), print and write the result."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", help="an earlier commit to time side by side (a temporary git worktree)")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    sources = {"this checkout": REPO / "src"}
    with tempfile.TemporaryDirectory() as tmp:
        if args.ref:
            tree = Path(tmp) / "ref"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.ref], cwd=REPO, check=True,
                           capture_output=True)  # fmt: skip
            sources[args.ref] = tree / "src"
        try:
            rows = measure(sources, args.repeats)
        finally:
            if args.ref:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=REPO, check=True)
    table = Table(title=f"CLI start-up, {args.repeats} fresh interpreters each (wall time, peak RSS of the child)")
    for col in ("case", "source", "median s", "fastest s", "peak RSS MiB"):
        table.add_column(col, justify="left" if col in ("case", "source") else "right")
    for r in rows:
        table.add_row(r["case"], r["source"], f"{r['median_s']:.2f}", f"{r['min_s']:.2f}", f"{r['peak_rss_mib']:.0f}")
    Console().print(table)
    meta = {"kind": "cli-startup", "ref": args.ref, "repeats": args.repeats, "python": sys.executable,
            "command": " ".join(["python", *sys.argv]), "machine": machine_info(),
            "load_avg": os.getloadavg()}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(f"Results written to {args.out}")


if __name__ == "__main__":
    main()
