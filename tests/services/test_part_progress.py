"""A large day's progress per part (services/planning/part_progress.py): the planner's report stream folded into the
summary a planning job stores — every part known from the split, its share of its time, its best so far kept
through reports that carry none, a retried part starting over, the whole day's phases — and none for one model."""

from __future__ import annotations

from doorstep.optimize.progress import Progress
from doorstep.services.planning.part_progress import PartBoard


def _split(board: PartBoard, sizes: list[int], limit: float = 10.0) -> None:
    """The reports right after a split: the day's, then each part queued with its orders."""
    board.take(Progress("split", 0.05, limit, parts=len(sizes), orders=sum(sizes)))
    for i, n in enumerate(sizes, start=1):
        board.take(Progress("queued", 0.0, 0.0, part=i, parts=len(sizes), orders=n))


def _part(i: int, phase: str, elapsed: float, limit: float = 4.0, **kw: object) -> Progress:
    return Progress(phase, elapsed, limit, part=i, parts=3, orders=20, **kw)  # type: ignore[arg-type]


def test_a_day_in_one_model_has_no_part_progress() -> None:
    """Reports without parts change nothing and never count as a phase change: the summary stays None."""
    board = PartBoard()
    for r in (Progress("matrix", 0.1, 5.0), Progress("solve", 1.0, 5.0, best_cost_cents=900, feasible=True),
              Progress("done", 4.0, 5.0, best_cost_cents=950, feasible=True, assigned=12)):  # fmt: skip
        assert board.take(r) is False
    assert board.summary() is None


def test_every_part_is_known_from_the_split_with_its_orders() -> None:
    """After the split each part is queued with its orders (they sum to the day's), no time limit and no share."""
    board = PartBoard()
    _split(board, [21, 20, 19])
    s = board.summary()
    assert s is not None
    assert (s["phase"], s["orders"], s["parts_count"], s["fraction"]) == ("split", 60, 3, 0.005)
    assert [(p["part"], p["orders"], p["phase"], p["time_limit_s"], p["fraction"]) for p in s["parts"]] == [
        (1, 21, "queued", None, 0.0), (2, 20, "queued", None, 0.0), (3, 19, "queued", None, 0.0),
    ]  # fmt: skip
    assert sum(p["orders"] for p in s["parts"]) == s["orders"]


def test_a_part_keeps_its_best_through_finish_and_is_whole_when_done() -> None:
    """A part's share is elapsed over its limit; an infeasible search's count shows, then the feasible best, kept
    through "finish" (which carries none); "done" makes its share 1 and sets the finished part's cost. Its start
    and its end are worth storing at once, its search's reports are not."""
    board = PartBoard()
    _split(board, [20, 20, 20])
    assert board.take(_part(1, "matrix", 0.1)) is True  # a part starting is stored at once
    assert board.take(_part(1, "solve", 1.0, assigned=14)) is False  # its progress with the next throttled write
    p1 = board.summary()["parts"][0]  # type: ignore[index]
    assert (p1["phase"], p1["fraction"], p1["feasible"], p1["assigned"], p1["best_cost_cents"]) == (
        "solve", 0.25, False, 14, None,
    )  # fmt: skip
    board.take(_part(1, "solve", 2.0, best_cost_cents=5_000, feasible=True, assigned=20))
    board.take(_part(1, "solve", 3.0, assigned=3))  # a later report of an infeasible search does not undo it
    board.take(_part(1, "finish", 3.8))
    p1 = board.summary()["parts"][0]  # type: ignore[index]
    assert (p1["phase"], p1["fraction"], p1["feasible"], p1["assigned"], p1["best_cost_cents"]) == (
        "finish", 0.95, True, 20, 5_000,
    )  # fmt: skip
    assert board.take(_part(1, "done", 3.9, best_cost_cents=5_200, feasible=True, assigned=20)) is True  # ended
    p1 = board.summary()["parts"][0]  # type: ignore[index]
    assert (p1["phase"], p1["fraction"], p1["elapsed_s"], p1["best_cost_cents"]) == ("done", 1.0, 3.9, 5_200)


def test_a_retried_part_starts_over_and_a_late_part_shows_at_most_its_whole_share() -> None:
    """A part whose process failed starts again from "matrix": its earlier best is gone; running past its limit
    (a loaded machine) still reads as a share of 1 at most."""
    board = PartBoard()
    _split(board, [20, 20, 20])
    board.take(_part(2, "solve", 2.0, best_cost_cents=7_000, feasible=True, assigned=18))
    board.take(_part(2, "matrix", 0.0, limit=1.5))
    p2 = board.summary()["parts"][1]  # type: ignore[index]
    assert (p2["phase"], p2["feasible"], p2["assigned"], p2["best_cost_cents"], p2["time_limit_s"]) == (
        "matrix", False, 0, None, 1.5,
    )  # fmt: skip
    board.take(_part(2, "solve", 2.1, limit=1.5, assigned=4))
    assert board.summary()["parts"][1]["fraction"] == 1.0  # type: ignore[index]


def test_the_whole_day_moves_through_its_phases() -> None:
    """The day's reports: a new phase is a change worth storing, a repeat is not, and so is the moment every part
    is known (no summary before); the recovery part's orders are kept apart from the day's; "done" gives the
    finished plan's count and cost and a share of 1."""
    board = PartBoard()
    assert board.take(Progress("split", 0.1, 10.0, parts=2, orders=40)) is True
    assert board.take(Progress("queued", 0.0, 0.0, part=1, parts=2, orders=20)) is False
    assert board.summary() is None  # not every part is known yet: their orders would not add up to the day's
    assert board.take(Progress("queued", 0.0, 0.0, part=2, parts=2, orders=20)) is True  # now every part is
    assert board.summary() is not None
    board.take(Progress("solve", 0.5, 4.0, part=1, parts=2, orders=20, feasible=True, best_cost_cents=10, assigned=19))
    board.take(Progress("solve", 0.6, 4.0, part=2, parts=2, orders=20, assigned=11))
    assert board.take(Progress("solve", 3.0, 10.0, parts=2, orders=40, assigned=30)) is True
    assert board.take(Progress("solve", 3.5, 10.0, parts=2, orders=40, assigned=30)) is False
    s = board.summary()
    assert s is not None
    assert (s["phase"], s["fraction"], s["assigned"], s["best_cost_cents"]) == ("solve", 0.35, 30, None)
    assert board.take(Progress("recovery", 8.0, 10.0, parts=2, orders=6)) is True
    board.take(Progress("merge", 9.0, 10.0, parts=2, orders=40))
    board.take(Progress("done", 9.6, 10.0, parts=2, orders=40, best_cost_cents=99, feasible=True, assigned=38))
    s = board.summary()
    assert s is not None
    assert (s["phase"], s["fraction"], s["orders"], s["recovery_orders"], s["assigned"], s["best_cost_cents"]) == (
        "done", 1.0, 40, 6, 38, 99,
    )  # fmt: skip
    assert [p["phase"] for p in s["parts"]] == ["solve", "solve"]  # as the parts last reported
