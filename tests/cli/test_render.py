"""The CLI's live progress (cli/render.py): a large day in parts shows a bar per part and the whole day's."""

from __future__ import annotations

import io

from rich.console import Console

from doorstep.cli.render import solve_progress
from doorstep.optimize.progress import Progress


def test_a_day_in_parts_shows_each_part_and_the_whole_day() -> None:
    """Part reports get a bar each (part i/n, its phase, its orders, its best cost); the whole day's reports
    drive the first bar and name how many parts there are."""
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=False)
    with solve_progress(console, 10.0) as report:
        report(Progress("split", 0.1, 10.0, parts=3, orders=3000))
        report(
            Progress("solve", 1.0, 4.0, best_value=123_456, feasible=True, assigned=990, part=1, parts=3, orders=1000)
        )
        report(Progress("build", 0.5, 4.0, part=2, parts=3, orders=1100))
        report(Progress("solve", 1.5, 10.0, best_value=None, assigned=990, parts=3, orders=3000))
    text = out.getvalue()
    assert "part 1/3 solve" in text and "1000 orders · best 1,234.56 · 990 assigned" in text
    assert "part 2/3 build" in text and "1100 orders" in text
    assert "solve (3 parts)" in text


def test_every_part_has_its_bar_from_the_split_waiting_until_it_starts() -> None:
    """A queued part (no share of the time yet) shows as waiting with its orders; once it reports, its bar runs
    over its own share."""
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=False)
    with solve_progress(console, 10.0) as report:
        report(Progress("split", 0.1, 10.0, parts=2, orders=50))
        report(Progress("queued", 0.0, 0.0, part=1, parts=2, orders=30))
        report(Progress("queued", 0.0, 0.0, part=2, parts=2, orders=20))
        report(Progress("solve", 2.0, 4.0, best_value=5_000, feasible=True, assigned=30, part=1, parts=2, orders=30))
    text = out.getvalue()
    assert "part 2/2 queued" in text and "20 orders · waiting" in text
    assert "part 1/2 solve" in text and "30 orders · best 50.00 · 30 assigned" in text


def test_a_day_in_one_model_shows_one_bar() -> None:
    """Without parts the bar is the one it always was: the phase and the best cost."""
    out = io.StringIO()
    console = Console(file=out, width=160, force_terminal=False)
    with solve_progress(console, 10.0) as report:
        report(Progress("solve", 2.0, 10.0, best_value=50_000, feasible=True, assigned=12))
    text = out.getvalue()
    assert "solve" in text and "12 assigned" in text and "part" not in text


def test_the_bar_starts_no_thread_so_parts_and_the_second_search_fork() -> None:
    """While the bar shows, no other thread runs: the helper search and a large day's parts start as they would
    without it (by fork in the single-threaded CLI). Under pytest-xdist the worker's own threads already make it
    spawn; what matters is that the bar does not change it."""
    import threading

    from doorstep.optimize.pyvrp_adapter import start_method

    console = Console(file=io.StringIO(), width=120, force_terminal=True)
    before, method = threading.active_count(), start_method()
    with solve_progress(console, 5.0) as report:
        report(Progress("solve", 1.0, 5.0))
        assert threading.active_count() == before
        assert start_method() == method
