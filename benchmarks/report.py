"""Turn benchmark JSON results into the tables of docs/benchmarks.md, one marked section at a time.

Sections sit between ``<!-- BEGIN name -->`` and ``<!-- END name -->``; only those are rewritten, so a set
can be re-run and its section regenerated without touching the rest. Example:
``.venv/bin/python benchmarks/report.py`` (all files in benchmarks/results/) or
``.venv/bin/python benchmarks/report.py benchmarks/results/solomon-10s.json``.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scaling import scaling_table
from tables import class_stats, comparison_table, summary_table, to_markdown, versus_lines, wide_table
from targets import targets_section

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "benchmarks.md"
RESULTS = REPO / "benchmarks" / "results"
VRP_SETS = ("solomon", "homberger-200", "homberger-400", "homberger-1000", "x")
SECTIONS = ("machine", *VRP_SETS, "scaling", "targets", "live")
TITLES = {
    "solomon": "Solomon VRPTW (56 × 100 customers)",
    "homberger-200": "Gehring–Homberger VRPTW, 200 customers",
    "homberger-400": "Gehring–Homberger VRPTW, 400 customers",
    "homberger-1000": "Gehring–Homberger VRPTW, 1,000 customers (distance-only DIMACS BKS; Doorstep vs PyVRP alone)",
    "x": "CVRP X (Uchoa et al. 2017)",
}
COMMANDS = {
    "solomon": "benchmarks/run_vrp.py --set solomon --time-limit 10 --seeds 1",
    "homberger-200": "benchmarks/run_vrp.py --set homberger-200 --time-limit 30 --seeds 1",
    "homberger-400": "benchmarks/run_vrp.py --set homberger-400 --time-limit 60 --seeds 1",
    "homberger-1000": (
        "benchmarks/run_vrp.py --set homberger-1000 --per-class 2 --time-limit 60 --solvers doorstep,pyvrp,vroom"
    ),
    "x": "benchmarks/run_vrp.py --set x --per-class 5 --time-limit 60 --seeds 1",
    "scaling": "benchmarks/scaling.py --sizes 1000 2000 5000 --time-limit 60",
    "live-insertion": "benchmarks/live_insertion.py --stops 1000 --orders 200 --time-limit 30",
    "live-fanout": "benchmarks/live_fanout.py --subscribers 500 --events 100 --rate 50",
}
Result = dict[str, Any]


def load(paths: Sequence[Path]) -> tuple[dict[str, Result], Result | None]:
    """VRP results by set (the file covering most instances wins, then the latest) and the scaling result.
    Files of other benchmarks (live operations, network, API) are left to their own sections."""
    vrp: dict[str, Result] = {}
    scaling: Result | None = None
    for path in paths:
        data: Result = json.loads(path.read_text())
        meta = data.get("meta") if isinstance(data, dict) else None
        if not isinstance(meta, dict) or ("set" not in meta and meta.get("kind") != "scaling"):
            continue
        data["meta"]["file"] = str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)
        if data["meta"].get("kind") == "scaling":
            scaling = data if scaling is None or _newer(data, scaling) else scaling
            continue
        set_name = data["meta"]["set"]
        if set_name not in vrp or _rank(data) > _rank(vrp[set_name]):
            vrp[set_name] = data
    return vrp, scaling


def _rank(data: Result) -> tuple[int, str]:
    return (len({r["instance"] for r in data["rows"]}), data["meta"].get("finished_at", ""))


def _newer(a: Result, b: Result) -> bool:
    return str(a["meta"]["machine"]["recorded_at"]) > str(b["meta"]["machine"]["recorded_at"])


# --- sections ----------------------------------------------------------------------------------------------


def machine_section(results: Sequence[Result]) -> str:
    """The machine of each result file (normally one machine for all)."""
    seen: dict[str, list[str]] = {}
    for data in results:
        m = data["meta"]["machine"]
        p = m["packages"]
        line = (
            f"{m['cpu_model']}, {m['cores']} cores ({m['cores_usable']} usable), {m['ram_gib']} GiB RAM, "
            f"{m['os']}; Python {m['python']}; pyvrp {p['pyvrp']}, pyvroom {p['pyvroom']}, "
            f"ortools {p['ortools']}, vrplib {p['vrplib']}, numpy {p['numpy']}; Doorstep commit "
            f"{m['git_commit']}"
        )
        if "search_speed" in m:
            line += f"; fixed search {m['search_speed']['iterations_per_s']} iterations/s"
        seen.setdefault(line, []).append(data["meta"]["file"])
    if not seen:
        return "No results yet."
    return "\n".join(f"- {line} — `{'`, `'.join(files)}`" for line, files in seen.items())


def _run_line(meta: dict[str, Any]) -> str:
    return (
        f"Run: `{meta['file']}` — {meta['time_limit_s']:g} s per run, Doorstep seeds {meta['seeds']}, "
        f"{meta['instances']} instance(s), started {meta['started_at']}, "
        f"commit {meta['machine']['git_commit']}. Convention: **{meta['convention']}**; "
        f"gap = {meta['gap_basis']}."
    )


def vrp_section(set_name: str, data: Result | None) -> str:
    """Summary per class, then the per-instance table folded in a <details> block."""
    if data is None:
        return (
            f"Not run yet: no results file for `{set_name}` in benchmarks/results/. "
            f"Reproduce with `.venv/bin/python {COMMANDS[set_name]}`."
        )
    meta, rows = data["meta"], data["rows"]
    parts = [_run_line(meta), "", f"> {meta['caveat']}", "", to_markdown(summary_table(rows))]
    missing = [s for s in ("doorstep", "vroom", "ortools") if s not in {r["solver"] for r in rows}]
    if missing:
        parts += ["", f"Missing solvers: {', '.join(missing)} (not requested by `{meta['command']}`)."]
    solvers = [s for s in meta["solvers"] if s not in missing]
    if "pyvrp" in solvers:
        parts += ["", to_markdown(comparison_table(rows, solvers)), "", *(f"- {line}" for line in versus_lines(rows))]
    parts += [
        "",
        "<details><summary>Per instance</summary>",
        "",
        to_markdown(wide_table(rows, solvers)),
        "",
        "</details>",
    ]
    return "\n".join(parts)


def scaling_section(data: Result | None) -> str:
    """One line per size."""
    if data is None:
        return f"Not run yet. Reproduce with `.venv/bin/python {COMMANDS['scaling']}`."
    meta = data["meta"]
    head = (
        f"Run: `{meta['file']}` — {meta['time_limit_s']:g} s budget, seed {meta['seed']}; provider "
        f"{meta['provider']}; objective {meta['objective']}; {meta['generator']}."
    )
    return head + "\n\n" + to_markdown(scaling_table(data["rows"]))


# --- the document ------------------------------------------------------------------------------------------


def live_section() -> str:
    """Live insertion and broker fan-out (benchmarks/live_insertion.py, benchmarks/live_fanout.py)."""
    parts = []
    ins, fan = RESULTS / "live-insertion.json", RESULTS / "live-fanout.json"
    if ins.exists():
        row = json.loads(ins.read_text())["row"]
        parts += [
            f"**Insertion of one new order into a live plan** (`{COMMANDS['live-insertion']}`): a planned day of "
            f"{row['stops_in_plan']} stops on {row['routes']} routes; {row['orders']} new orders inserted one at a "
            f"time, {row['with_proposal']} with a checked proposal; whole applied plans re-checked: "
            f"{row['full_checks_passed']}.",
            "",
            "| p50 | p95 | max | target p95 |",
            "|---|---|---|---|",
            f"| {row['p50_ms']} ms | {row['p95_ms']} ms | {row['max_ms']} ms | <= 200 ms: "
            f"**{'met' if row['p95_ms'] <= 200 else 'not met'}** |",
            "",
        ]
    if fan.exists():
        rows = json.loads(fan.read_text())["rows"]
        parts += [
            f"**Fan-out of live events** (`{COMMANDS['live-fanout']}`): publish-to-receipt delay at the broker "
            "(Server-Sent Events over HTTP add the web server on top).",
            "",
            "| broker | subscribers | events | delivered | lost | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|---|---|---|",
            *(
                f"| {r['broker']} | {r['subscribers']} | {r['events']} | {r['delivered']} | {r['lost']} | "
                f"{r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} |"
                for r in rows
            ),
        ]
    return "\n".join(parts) if parts else "Not run yet."


def render(vrp: dict[str, Result], scaling: Result | None) -> dict[str, str]:
    """Section name -> Markdown body."""
    everything = [*vrp.values(), *([scaling] if scaling else [])]
    stats = {s: class_stats(d["rows"]) for s, d in vrp.items()}
    out = {
        "machine": machine_section(everything),
        "live": live_section(),
        "scaling": scaling_section(scaling),
        "targets": targets_section(vrp, stats, scaling),
    }
    for set_name in VRP_SETS:
        out[set_name] = vrp_section(set_name, vrp.get(set_name))
    return out


def splice(doc: str, name: str, body: str) -> str:
    """Replace one marked section (appending it when the document lacks it)."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(doc):
        return pattern.sub(lambda _m: block, doc)
    return doc.rstrip() + "\n\n" + block + "\n"


def skeleton() -> str:
    """The static text of docs/benchmarks.md, written once when the file does not exist."""
    return (Path(__file__).resolve().parent / "doc_skeleton.md").read_text()


def main(argv: Sequence[str] | None = None) -> None:
    """Regenerate the requested sections (default: all) from the given result files (default: all)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results", nargs="*", type=Path, help="result files (default: benchmarks/results/*.json)")
    p.add_argument("--doc", type=Path, default=DOC)
    p.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    args = p.parse_args(argv)
    paths = [q.resolve() for q in args.results] or sorted(RESULTS.glob("*.json"))
    vrp, scaling = load(paths)
    bodies = render(vrp, scaling)
    doc = args.doc.read_text() if args.doc.exists() else skeleton()
    for name in args.sections:
        doc = splice(doc, name, bodies[name])
    args.doc.parent.mkdir(parents=True, exist_ok=True)
    args.doc.write_text(doc)
    print(f"wrote {', '.join(args.sections)} to {args.doc} from {len(paths)} file(s)")


if __name__ == "__main__":
    main()
