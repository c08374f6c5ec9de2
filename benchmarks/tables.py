"""Result rows -> per-instance and per-class tables, rendered as Rich (console) or Markdown (docs)."""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from statistics import mean
from typing import Any

Row = dict[str, Any]
Table = tuple[list[str], list[list[str]]]

SOLVER_ORDER = {"doorstep": 0, "pyvrp": 1, "vroom": 2, "ortools": 3}
ITERATION_KEYS = ("iterations", "num_iterations")  # Doorstep's plan stats; PyVRP's Result


def fmt(value: float | int | None, digits: int = 1) -> str:
    """A number for a table cell; missing values show as an en dash."""
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def _veh(row: Row) -> str:
    ref = row.get("hier_bks_vehicles") or row.get("reference_vehicles")
    return f"{row['vehicles']}/{ref}" if ref is not None else str(row["vehicles"])


def instance_table(rows: Sequence[Row]) -> Table:
    """One line per instance × solver × seed."""
    headers = [
        "instance",
        "class",
        "solver",
        "seed",
        "cost",
        "reference",
        "gap %",
        "veh/ref",
        "time s",
        "feasible",
        "violations",
    ]
    body = [
        [
            r["instance"],
            r["class"],
            r["solver"],
            str(r["seed"]),
            fmt(r["gap_cost"], 2 if r.get("gap_cost_kind") == "double" else 1),
            fmt(r["reference"], 2),
            fmt(r["gap_pct"], 2),
            _veh(r),
            fmt(r["runtime_s"], 1),
            "yes" if r["feasible"] else "NO",
            fmt(r.get("checker_violations")),
        ]
        for r in sorted(rows, key=_row_key)
    ]
    return headers, body


def _row_key(r: Row) -> tuple[Any, ...]:
    return (r.get("index", 0), r["instance"], SOLVER_ORDER.get(r["solver"], 9), r["seed"])


def _group(rows: Iterable[Row]) -> dict[tuple[str, str], list[Row]]:
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        groups[(r["class"], r["solver"])].append(r)
        groups[("all", r["solver"])].append(r)
    return groups


def class_stats(rows: Sequence[Row]) -> dict[tuple[str, str], dict[str, Any]]:
    """(class, solver) -> runs, feasible runs, mean gap (feasible runs only), vehicles, time, violations."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for key, group in _group(rows).items():
        ok = [r for r in group if r["feasible"] and r["gap_pct"] is not None]
        out[key] = {
            "runs": len(group),
            "instances": len({r["instance"] for r in group}),
            "feasible": sum(1 for r in group if r["feasible"]),
            "mean_gap_pct": mean(r["gap_pct"] for r in ok) if ok else None,
            "mean_vehicles": mean(r["vehicles"] for r in ok) if ok else None,
            "mean_runtime_s": mean(r["runtime_s"] for r in group),
            "violations": sum(r.get("checker_violations") or 0 for r in group),
        }
    return out


def _class_order(name: str) -> tuple[int, str]:
    return (1, name) if name == "all" else (0, name)


def summary_table(rows: Sequence[Row]) -> Table:
    """One line per class × solver; mean gap over feasible runs only (the feasible column says how many)."""
    headers = [
        "class",
        "solver",
        "instances",
        "feasible runs",
        "mean gap %",
        "mean veh",
        "mean time s",
        "checker violations",
    ]
    stats = class_stats(rows)
    body = [
        [
            klass,
            solver,
            str(s["instances"]),
            f"{s['feasible']}/{s['runs']}",
            fmt(s["mean_gap_pct"], 2),
            fmt(s["mean_vehicles"], 1),
            fmt(s["mean_runtime_s"], 1),
            str(s["violations"]),
        ]
        for (klass, solver), s in sorted(
            stats.items(), key=lambda kv: (_class_order(kv[0][0]), SOLVER_ORDER.get(kv[0][1], 9))
        )
    ]
    return headers, body


def to_markdown(table: Table) -> str:
    """A GitHub-flavoured Markdown table; numeric columns are right-aligned."""
    headers, body = table
    numeric = [all(_numeric(row[i]) for row in body) and bool(body) for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def _numeric(cell: str) -> bool:
    return cell.replace(".", "", 1).replace("-", "", 1).replace("/", "", 1).isdigit() or cell == "–"


def print_rich(table: Table, title: str) -> None:
    """Print a table to the console with Rich."""
    from rich.console import Console
    from rich.table import Table as RichTable

    headers, body = table
    rt = RichTable(title=title, title_justify="left")
    for h in headers:
        rt.add_column(h, justify="right" if h not in ("instance", "class", "solver", "feasible") else "left")
    for row in body:
        rt.add_row(*row)
    Console(width=None if sys.stdout.isatty() else 160).print(rt)


def _by_instance(rows: Sequence[Row]) -> dict[str, dict[str, list[Row]]]:
    out: dict[str, dict[str, list[Row]]] = defaultdict(lambda: defaultdict(list))
    for r in sorted(rows, key=_row_key):
        out[r["instance"]][r["solver"]].append(r)
    return out


def _cell(runs: list[Row]) -> list[str]:
    """Cost, gap and vehicles of one solver on one instance (mean over seeds; failures say why)."""
    if not runs:
        return ["not run", "", ""]
    ok = [r for r in runs if r["feasible"]]
    if not ok:
        why = (runs[0]["verify_issues"] or runs[0]["notes"] or ["infeasible"])[0]
        return ["infeasible", why[:40], ""]
    digits = 2 if ok[0].get("gap_cost_kind") == "double" else 1
    gaps = [r["gap_pct"] for r in ok if r["gap_pct"] is not None]
    cost = fmt(mean(r["gap_cost"] for r in ok), digits)
    if len(ok) < len(runs):
        cost += f" ({len(runs) - len(ok)} infeasible)"
    return [cost, fmt(mean(gaps), 2) if gaps else "–", fmt(mean(r["vehicles"] for r in ok), 1)]


def wide_table(rows: Sequence[Row], solvers: Sequence[str]) -> Table:
    """One line per instance, solvers side by side (mean over seeds). ``*`` marks a PyVRP-best reference."""
    headers = ["instance", "class", "reference", "ref veh"]
    for s in solvers:
        headers += [f"{s} cost", f"{s} gap %", f"{s} veh"]
    body = []
    for name, per_solver in _by_instance(rows).items():
        first = next(iter(per_solver.values()))[0]
        mark = "*" if first.get("reference_kind") == "pyvrp_best_dimacs" else ""
        ref_veh = first.get("hier_bks_vehicles") or first.get("reference_vehicles")
        line = [name, first["class"], fmt(first["reference"], 2) + mark, fmt(ref_veh)]
        for s in solvers:
            line += _cell(per_solver.get(s, []))
        body.append(line)
    return headers, body


# --- side by side: one line per instance, gaps and iterations of every solver ------------------------------


def iterations(row: Row) -> int | None:
    """The search iterations a run recorded (Doorstep and PyVRP alone; VROOM and OR-Tools record none)."""
    extra = row.get("extra") or {}
    for key in ITERATION_KEYS:
        if isinstance(extra.get(key), int):
            return int(extra[key])
    return None


def _mean_gap(runs: list[Row]) -> float | None:
    gaps = [r["gap_pct"] for r in runs if r["feasible"] and r["gap_pct"] is not None]
    return mean(gaps) if gaps else None


def _gap_cell(runs: list[Row]) -> str:
    if not runs:
        return "–"
    gap = _mean_gap(runs)
    failed = sum(1 for r in runs if not r["feasible"])
    if gap is None:
        return "infeasible" if failed else "–"
    return fmt(gap, 2) + (f" ({failed} infeasible)" if failed else "")


def _iter_cell(runs: list[Row]) -> str:
    counts = [n for n in (iterations(r) for r in runs) if n is not None]
    return f"{round(mean(counts)):,}" if counts else "–"


def common_instances(rows: Sequence[Row], solvers: Sequence[str]) -> list[str]:
    """Instances on which every solver has a feasible run with a gap: the fair basis for mean gaps."""
    by = _by_instance(rows)
    return [name for name, per in by.items() if all(_mean_gap(per.get(s, [])) is not None for s in solvers)]


def comparison_table(rows: Sequence[Row], solvers: Sequence[str]) -> Table:
    """One line per instance: each solver's gap (mean over seeds), then the iterations of the solvers that count
    them; a last line with each solver's mean gap over the instances all of them solved feasibly."""
    iterating = [s for s in solvers if any(r["solver"] == s and iterations(r) is not None for r in rows)]
    headers = ["instance", "class", "reference", *(f"{s} gap %" for s in solvers), *(f"{s} iter" for s in iterating)]
    by = _by_instance(rows)
    body = []
    for name, per in by.items():
        first = next(iter(per.values()))[0]
        body.append(
            [
                name,
                first["class"],
                fmt(first["reference"], 2),
                *(_gap_cell(per.get(s, [])) for s in solvers),
                *(_iter_cell(per.get(s, [])) for s in iterating),
            ]
        )
    common = common_instances(rows, solvers)
    means = [fmt(mean(_mean_gap(by[n][s]) or 0.0 for n in common), 2) if common else "–" for s in solvers]
    its = [_iter_cell([r for n in common for r in by[n].get(s, [])]) for s in iterating]
    body.append([f"mean ({len(common)} common)", "", "–", *means, *its])
    return headers, body


def versus_lines(rows: Sequence[Row]) -> list[str]:
    """Doorstep against PyVRP alone (mean gap) and against VROOM (per instance), when those solvers ran."""
    present = {r["solver"] for r in rows}
    by = _by_instance(rows)
    lines: list[str] = []
    if {"doorstep", "pyvrp"} <= present:
        common = common_instances(rows, ["doorstep", "pyvrp"])
        if common:
            d = mean(_mean_gap(by[n]["doorstep"]) or 0.0 for n in common)
            p = mean(_mean_gap(by[n]["pyvrp"]) or 0.0 for n in common)
            verdict = "at most" if d <= p else "ABOVE"
            lines.append(
                f"Doorstep vs PyVRP alone: mean gap {d:.2f}% vs {p:.2f}% over {len(common)} instance(s) both solved "
                f"feasibly — Doorstep is {verdict} PyVRP's."
            )
    if {"doorstep", "vroom"} <= present:
        names = [n for n, per in by.items() if per.get("doorstep") and per.get("vroom")]
        worse = [n for n in names if not _below(by[n]["doorstep"], by[n]["vroom"])]
        tail = f"; not below on {', '.join(worse)}" if worse else ""
        lines.append(f"Doorstep below VROOM on {len(names) - len(worse)}/{len(names)} instance(s){tail}.")
    return lines


def _below(mine: list[Row], theirs: list[Row]) -> bool:
    """Whether ``mine`` (mean over seeds) is feasible and strictly shorter than ``theirs`` (or they failed)."""
    ok_mine = [r["gap_cost"] for r in mine if r["feasible"]]
    ok_theirs = [r["gap_cost"] for r in theirs if r["feasible"]]
    if not ok_mine or len(ok_mine) < len(mine):
        return False
    return not ok_theirs or mean(ok_mine) < mean(ok_theirs)
