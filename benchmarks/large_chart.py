"""Cost over time of large days: each ``scaling.py`` run's whole-day best cost from its first complete plan to its
end, against the longest run (the reference) and a band 2 % above it. Writes an SVG (axes, labels, legend; no
dependency) for docs/benchmarks.md.

Example: ``.venv/bin/python benchmarks/large_chart.py results/scaling-10k-60s.json results/scaling-10k-120s.json
results/scaling-10k-600s.json --out ../docs/img/large-day-cost.svg``.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

W, H = 760, 420
LEFT, RIGHT, TOP, BOTTOM = 78, 190, 46, 56
COLOURS = ("#1b5e9e", "#b3541e", "#2d6b44", "#6a3d9a", "#8c6d1f", "#444444")
BAND = 0.02


@dataclass(frozen=True, slots=True)
class Curve:
    """One run: its label, its (seconds, euros) points from its first complete plan on, and its final cost."""

    label: str
    points: list[tuple[float, float]]
    final: float
    limit: float


def curve(path: Path, stops: int | None = None) -> Curve:
    """The whole-day best of one run of ``scaling.py`` (the first row, or the row of ``stops``)."""
    doc = json.loads(path.read_text())
    rows = [r for r in doc["rows"] if stops is None or r["stops"] == stops]
    row: dict[str, Any] = rows[0]
    pts = [
        (float(p["wall_s"]), p["best_cost_cents"] / 100)
        for p in row["progress"]
        if p.get("part", 0) == 0 and p.get("best_cost_cents") is not None
    ]
    final = row["cost_cents"] / 100
    pts.append((float(row["plan_wall_s"]), final))
    label = f"{row['stops']:,} stops, {row['time_limit_s']:g} s limit"
    return Curve(label, pts, final, float(row["time_limit_s"]))


def _ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    step = 10 ** math.floor(math.log10(max(1e-9, (hi - lo) / n)))
    for m in (1, 2, 2.5, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [first + k * step for k in range(int((hi - first) / step) + 1)]


def svg(curves: Sequence[Curve], title: str) -> str:
    """The chart as SVG text."""
    ref = max(curves, key=lambda c: c.limit)
    x_hi = max(c.limit for c in curves) * 1.02
    ys = [y for c in curves for _, y in c.points] + [ref.final * (1 + BAND)]
    y_lo, y_hi = min(ys) * 0.995, max(ys) * 1.005
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(s: float) -> float:
        return LEFT + pw * s / x_hi

    def y(v: float) -> float:
        return TOP + ph * (1 - (v - y_lo) / (y_hi - y_lo))

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
        f'font-family="sans-serif" font-size="12" role="img" aria-labelledby="t">',
        f'<title id="t">{title}</title>',
        f'<rect width="{W}" height="{H}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="24" font-size="14" font-weight="bold">{title}</text>',
    ]
    band_top, band_bottom = y(ref.final * (1 + BAND)), y(ref.final)
    out.append(f'<rect x="{LEFT}" y="{band_top:.1f}" width="{pw}" height="{band_bottom - band_top:.1f}" '
               'fill="#2d6b44" fill-opacity="0.12"/>')  # fmt: skip
    out.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{band_bottom:.1f}" y2="{band_bottom:.1f}" stroke="#2d6b44" '
               'stroke-dasharray="5 4"/>')  # fmt: skip
    for t in _ticks(0, x_hi):
        out.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{TOP + ph}" y2="{TOP + ph + 5}" stroke="#333"/>')
        out.append(f'<text x="{x(t):.1f}" y="{TOP + ph + 19}" text-anchor="middle">{t:g}</text>')
    for v in _ticks(y_lo, y_hi):
        out.append(f'<line x1="{LEFT - 5}" x2="{LEFT + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(v) + 4:.1f}" text-anchor="end">€{v:,.0f}</text>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + ph}" stroke="#333"/>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT + pw}" y1="{TOP + ph}" y2="{TOP + ph}" stroke="#333"/>')
    out.append(f'<text x="{LEFT + pw / 2}" y="{H - 12}" text-anchor="middle">seconds since the plan started</text>')
    out.append(f'<text transform="translate(18 {TOP + ph / 2}) rotate(-90)" text-anchor="middle">'
               "the day's cost (best complete plan)</text>")  # fmt: skip
    for k, c in enumerate(curves):
        colour = COLOURS[k % len(COLOURS)]
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(s):.1f},{y(v):.1f}" for i, (s, v) in enumerate(c.points))
        out.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        fx, fy = x(c.points[-1][0]), y(c.final)
        out.append(f'<circle cx="{fx:.1f}" cy="{fy:.1f}" r="4" fill="{colour}"/>')
        ly = TOP + 16 + 34 * k
        gap = 100 * (c.final / ref.final - 1)
        out.append(f'<line x1="{LEFT + pw + 14}" x2="{LEFT + pw + 34}" y1="{ly}" y2="{ly}" stroke="{colour}" '
                   'stroke-width="3"/>')  # fmt: skip
        out.append(f'<text x="{LEFT + pw + 40}" y="{ly + 4}">{c.limit:g} s limit</text>')
        out.append(f'<text x="{LEFT + pw + 40}" y="{ly + 18}" fill="#333">€{c.final:,.0f} ({gap:+.1f} %)</text>')
    ly = TOP + 16 + 34 * len(curves)
    out.append(f'<rect x="{LEFT + pw + 14}" y="{ly - 6}" width="20" height="12" fill="#2d6b44" fill-opacity="0.25"/>')
    out.append(f'<text x="{LEFT + pw + 40}" y="{ly + 4}">within 2 % of the</text>')
    out.append(f'<text x="{LEFT + pw + 40}" y="{ly + 18}">{ref.limit:g} s run</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", nargs="+", type=Path, help="scaling.py result files (one run each)")
    ap.add_argument("--stops", type=int, default=None, help="the row of this size (default: each file's first)")
    ap.add_argument("--title", default="A large day: the day's cost over time")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    curves = sorted((curve(p, a.stops) for p in a.results), key=lambda c: c.limit)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(svg(curves, a.title))
    print(f"{a.out}: {len(curves)} runs; reference {curves[-1].label}, €{curves[-1].final:,.0f}")
    for c in curves:
        print(f"  {c.label}: first complete plan at {c.points[0][0]:.1f} s, final €{c.final:,.0f}")


if __name__ == "__main__":
    main()
