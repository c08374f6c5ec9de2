"""Planning jobs: start (one running job per depot and day), run in the background with stored progress (the named
job ``planning.run``), fail with the error, retry, cancel, and publish a plan version."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from doorstep.domain.errors import CODES, DoorstepError, Issue
from doorstep.domain.ids import new_id
from doorstep.domain.plan import Plan
from doorstep.domain.problem import Problem
from doorstep.domain.status import OrderStatus, PlanStatus, RouteStatus, transition
from doorstep.formats.plan_json import plan_to_dict
from doorstep.optimize.options import SolveOptions
from doorstep.optimize.progress import Progress
from doorstep.services.carriers.carriers_admin import held_orders
from doorstep.services.kernel.access import Actor, Permission, system_actor
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.job_registry import JobBusyError, job
from doorstep.services.kernel.platform import Platform
from doorstep.services.orders.orders import set_order_status
from doorstep.services.planning.carrier_offers import auto_confirm, offers_for
from doorstep.services.planning.learned_service import with_learned_service
from doorstep.services.planning.part_progress import PartBoard
from doorstep.services.planning.plan_problem import build_problem, kept_parcels, kept_routes
from doorstep.services.planning.plan_routes import store_routes
from doorstep.services.planning.planning import plan as make_plan
from doorstep.store.locking import get_for_update
from doorstep.store.models import OrderRow, PlanRow, RouteRow

log = logging.getLogger("doorstep.plans")
PROGRESS_EVERY_S = 0.5


def _active_key(org_id: str, depot_id: str, day: date) -> str:
    return f"{org_id}:{depot_id}:{day.isoformat()}"


def _busy(depot_id: str, day: date) -> DoorstepError:
    msg = f"a planning job for depot {depot_id} on {day.isoformat()} is already queued or running"
    return DoorstepError([Issue("E2003", msg, ("depot_id",), depot_id)])


INTERRUPTED = {
    "error": {
        "code": "E5001",
        "message": "the planning job was interrupted (the server stopped while it ran)",
        "action": "Retry the plan.",
        "details": [],
    }
}
STALE_AFTER_S = 300  # a job still "running" this long after its time limit ended has died with its process


def _expire_stale(p: Platform, uow: Any, key: str) -> None:
    """Free the depot and day from a job whose process died (running far past its time limit)."""
    row = uow.session.scalar(select(PlanRow).where(PlanRow.active_key == key))
    if row is None or row.status != PlanStatus.RUNNING.value:
        return
    if _is_stale(p, row):
        row.status, row.error, row.active_key, row.finished_at = PlanStatus.FAILED.value, INTERRUPTED, None, p.clock()
        uow.flush()


def recover_interrupted(p: Platform, before: datetime | None = None, *, sole_owner: bool = True) -> int:
    """At start-up: queued jobs are handed to the runner again (a queued job whose process died never reached a
    runner; one that did is claimed once, so a second hand-over does nothing). With ``sole_owner`` (the embedded
    shape: this process owns every job) jobs left running failed with their process, so they are marked failed
    (retry is one call); in the scaled shape other processes may be running them, and a running job is only
    failed once it is far past its time limit (``STALE_AFTER_S``). Runs once per process, before this process
    starts jobs of its own (a job it runs must never be taken for a dead one); jobs created after ``before``
    (e.g. the demo's plan, queued before the server started) are left alone too."""
    if p.recovered:
        return 0
    p.recovered = True
    with p.sessions() as s:
        rows = list(s.scalars(select(PlanRow).where(PlanRow.status.in_(["queued", "running"]))))
        if before is not None:
            rows = [r for r in rows if r.created_at < before]
        queued = [(r.org_id, r.id) for r in rows if r.status == PlanStatus.QUEUED.value]
        for r in rows:
            if r.status == PlanStatus.RUNNING.value and (sole_owner or _is_stale(p, r)):
                r.status, r.error, r.active_key, r.finished_at = PlanStatus.FAILED.value, INTERRUPTED, None, p.clock()
        s.commit()
    for org_id, plan_id in queued:
        _submit(p, org_id, plan_id)
    return len(rows)


def _is_stale(p: Platform, row: PlanRow) -> bool:
    """A running job that died with its process: silent past its lease (its heartbeat stopped), or, for a job
    of a version without heartbeats, far past its time limit."""
    if row.heartbeat_at is not None:
        return (p.clock() - row.heartbeat_at).total_seconds() > p.leases.plan_s
    if row.started_at is None:
        return False
    limit = float(row.options.get("time_limit_s", p.plan_time_limit_s)) + STALE_AFTER_S
    return (p.clock() - row.started_at).total_seconds() > limit


@contextmanager
def _heartbeat(p: Platform, plan_id: str, attempt: int) -> Iterator[None]:
    """Stamp the claimed job as alive every third of its lease while the solver runs (a thread: the solver
    holds this one)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(max(0.2, p.leases.plan_s / 3)):
            try:
                with p.sessions() as s:
                    s.execute(
                        update(PlanRow)
                        .where(PlanRow.id == plan_id, PlanRow.status == "running", PlanRow.attempts == attempt)
                        .values(heartbeat_at=p.clock())
                    )
                    s.commit()
            except Exception:  # a missed beat is not fatal; a lease is several beats long
                log.exception("heartbeat of plan job %s failed", plan_id)

    thread = threading.Thread(target=beat, name=f"heartbeat-{plan_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def start_plan(p: Platform, actor: Actor, depot_id: str, day: date, options: dict[str, Any]) -> PlanRow:
    """Queue a new plan version for the depot and day and hand it to the runner (E2003 if one is active)."""
    actor.require(Permission.WRITE)
    opts = SolveOptions.from_dict({"time_limit_s": p.plan_time_limit_s, **options})
    with p.uow(actor) as uow:
        uow.depots.require(depot_id, ("depot_id",))
        _expire_stale(p, uow, _active_key(actor.org_id, depot_id, day))
        q = select(func.max(PlanRow.version)).where(
            PlanRow.org_id == actor.org_id, PlanRow.depot_id == depot_id, PlanRow.day == day
        )
        version = (uow.session.scalar(q) or 0) + 1
        row = uow.plans.add(
            PlanRow(
                id=new_id("pln"), depot_id=depot_id, day=day, version=version, status=PlanStatus.QUEUED.value,
                options=opts.to_dict(), progress=[], result=None, error=None,
                active_key=_active_key(actor.org_id, depot_id, day),
            )
        )  # fmt: skip
        try:
            uow.flush()  # the unique active_key refuses a second active job for the depot and day
        except IntegrityError:
            raise _busy(depot_id, day) from None
        EventRecorder(uow, actor.label).record("plan.queued", row.id, to_status=row.status, data={"version": version})
        uow.commit()
    _submit(p, actor.org_id, row.id)
    return row


def _submit(p: Platform, org_id: str, plan_id: str) -> None:
    p.submit("planning.run", org_id=org_id, plan_id=plan_id)


CANCELLED = "E2150"


def cancel_plan(p: Platform, actor: Actor, plan_id: str) -> PlanRow:
    """Call off a queued or running job: it ends failed (with who cancelled it; retry queues it again) and frees
    its depot and day at once. A job still computing finds, when it is done, that it was cancelled and stores
    nothing. E2151 when the job has already finished."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = uow.plans.require(plan_id)
        if row.status not in (PlanStatus.QUEUED.value, PlanStatus.RUNNING.value):
            msg = f"plan {plan_id} is {row.status}; only a queued or running job can be cancelled"
            raise DoorstepError([Issue("E2151", msg, ("plan_id",), plan_id)])
        before = row.status
        envelope = {"error": {"code": CANCELLED, "message": f"the planning job was cancelled by {actor.label}",
                              "action": CODES[CANCELLED][1], "details": []}}  # fmt: skip
        row.status = transition(PlanStatus(row.status), PlanStatus.FAILED, subject=plan_id).value
        row.error, row.active_key, row.finished_at = envelope, None, p.clock()
        EventRecorder(uow, actor.label).record("plan.cancelled", plan_id, from_status=before, to_status=row.status)
        uow.commit()
    return row


def retry_plan(p: Platform, actor: Actor, plan_id: str) -> PlanRow:
    """Queue a failed plan again (same version, one more attempt)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = uow.plans.require(plan_id)
        row.status = transition(PlanStatus(row.status), PlanStatus.QUEUED, subject=plan_id).value
        row.active_key, row.error, row.progress = _active_key(actor.org_id, row.depot_id, row.day), None, []
        row.part_progress = None
        try:
            uow.flush()
        except IntegrityError:
            raise _busy(row.depot_id, row.day) from None
        EventRecorder(uow, actor.label).record("plan.queued", plan_id, from_status="failed", to_status=row.status)
        uow.commit()
    _submit(p, actor.org_id, plan_id)
    return row


def _set_progress(
    p: Platform, org_id: str, plan_id: str, points: list[list[float]], parts: dict[str, Any] | None
) -> None:
    """Store the progress so far (a job cancelled meanwhile, still computing, no longer writes it)."""
    with p.uow(org_id) as uow:
        row = uow.plans.require(plan_id)
        if row.status != PlanStatus.RUNNING.value:
            return
        row.progress, row.part_progress = list(points), parts
        uow.commit()


def _begin(p: Platform, org_id: str, plan_id: str) -> tuple[PlanRow, Problem, list[RouteRow]] | None:
    """Claim the queued job, or take over a running one whose worker went silent past its lease (None when it
    has finished or was cancelled: a duplicate delivery of the job does nothing; JobBusyError while a live worker may
    still hold it)."""
    with p.uow(org_id) as uow:
        row = get_for_update(uow.session, PlanRow, plan_id)  # two workers never both claim it (on SQLite too)
        if row is None or row.org_id != org_id:
            return None
        if row.status == PlanStatus.RUNNING.value and not _is_stale(p, row):
            # delivered again while a worker may still hold it (a broker's visibility timeout): ask again later
            raise JobBusyError(f"plan job {plan_id} is running elsewhere", p.leases.plan_s)
        if row.status not in (PlanStatus.QUEUED.value, PlanStatus.RUNNING.value):
            log.info("plan job %s is %s, not queued: nothing to do", plan_id, row.status)
            return None
        before = row.status  # running: its worker died (silent past its lease); this one takes it over
        if before == PlanStatus.QUEUED.value:
            row.status = transition(PlanStatus(row.status), PlanStatus.RUNNING, subject=plan_id).value
        row.started_at, row.heartbeat_at, row.attempts = p.clock(), p.clock(), row.attempts + 1
        EventRecorder(uow, "system").record("plan.started", plan_id, from_status=before, to_status=row.status)
        kept = kept_routes(uow, row.depot_id, row.day)
        problem = build_problem(uow, row.depot_id, row.day, kept)
        uow.commit()
    return row, problem, kept


@job("planning.run")
def run_plan_job(p: Platform, org_id: str, plan_id: str) -> None:
    """The job body: plan with progress, store routes, or end as failed with the error envelope. Idempotent: only
    a queued job is claimed (under a row lock), and the result is stored only while the claim still holds."""
    try:
        begun = _begin(p, org_id, plan_id)
        if begun is None:
            return
        row, problem, kept = begun
        problem = with_learned_service(problem, p.learned(org_id))  # DOORSTEP_LEARNED_TIMES (docs/learning.md)
        points: list[list[float]] = []
        last = [0.0]
        parts = PartBoard()  # a large day's progress per part (part_progress.py); none for one model

        def on_progress(pr: Progress) -> None:
            # the search's own best cost, one measure throughout: the finished plan's cost (re-timed, its hourly
            # cost over the whole route) is the plan's stats, not a last point that made the "best" line go up
            # a large day's parts report their own costs (pr.part); the day's sum comes with part 0
            moved = parts.take(pr)  # the whole day in another phase: stored at once (at most five times)
            cost = pr.best_cost_cents if pr.phase == "solve" and pr.feasible and not pr.part else None
            point = cost is not None
            if cost is not None:
                points.append([round(pr.elapsed_s, 3), cost])
            if not (point or pr.parts):
                return
            if moved or time.monotonic() - last[0] >= PROGRESS_EVERY_S:
                last[0] = time.monotonic()
                _set_progress(p, org_id, plan_id, points, parts.summary())

        opts = SolveOptions.from_dict(row.options)
        provider = p.provider(problem, org_id)
        with _heartbeat(p, plan_id, row.attempts):
            result = make_plan(problem, provider=provider, options=opts, on_progress=on_progress, parts=p.part_runner)
            result.id = plan_id
            for route in result.routes:
                route.id = new_id("rte")
            offers = offers_for(p, org_id, row.depot_id, row.day, problem, result, provider)  # overflow by cost
        stored = _finish(p, org_id, plan_id, result, problem, opts, points, kept, row.attempts, offers, parts.summary())
        if stored and offers:
            auto_confirm(p, org_id, plan_id)  # the carriers' policy (docs/carriers.md)
    except JobBusyError:
        raise
    except DoorstepError as exc:
        _fail(p, org_id, plan_id, exc.envelope())
    except Exception:
        log.exception("plan job %s crashed", plan_id)
        envelope = {
            "error": {"code": "E5001", "message": CODES["E5001"][0], "action": CODES["E5001"][1], "details": []}
        }
        _fail(p, org_id, plan_id, envelope)


def _finish(
    p: Platform, org_id: str, plan_id: str, result: Plan, problem: Problem, opts: SolveOptions,
    points: list[list[float]], kept: list[RouteRow], attempt: int, offers: list[dict[str, Any]],
    parts: dict[str, Any] | None = None,
) -> bool:  # fmt: skip
    """Store the result while the claim holds; a large day keeps how its parts went (``parts``, their last state)."""
    doc = plan_to_dict(result, problem, opts)
    doc["plan"]["carrier_offers"] = offers
    with p.uow(org_id) as uow:
        row = get_for_update(uow.session, PlanRow, plan_id)
        if row is None or row.status != PlanStatus.RUNNING.value or row.attempts != attempt:  # cancelled / taken over
            log.info("plan job %s is no longer running: its result is not stored", plan_id)
            return False
        row.status = transition(PlanStatus(row.status), PlanStatus.SUCCEEDED, subject=plan_id).value
        if kept:  # before the result is set: its queries flush, and a JSON column sees no later change in place
            _count_kept(uow, doc, kept, problem)
        row.result, row.progress, row.finished_at, row.active_key = doc, points, p.clock(), None
        row.part_progress = parts
        store_routes(uow, row, doc, problem)
        if kept:  # say which routes were left alone, and why
            doc["plan"]["kept_routes"] = [{"id": r.id, "vehicle_id": r.vehicle_id, "status": r.status} for r in kept]
        stats = doc["plan"]["stats"]
        EventRecorder(uow, "system").record("plan.completed", plan_id, to_status=row.status, data=stats)
        uow.commit()
    return True


def _count_kept(uow: Any, doc: dict[str, Any], kept: list[RouteRow], problem: Problem) -> None:
    """The depot report counts the kept routes' parcels too: the plan was given what they left of the capacity."""
    for entry in doc["plan"].get("depots", []):
        depot = uow.depots.get(entry["depot_id"])
        if entry["capacity_parcels_per_day"] is None or depot is None:
            continue
        n = kept_parcels(uow, kept, {d.id: d for d in problem.depots})
        entry["parcels"] += n
        entry["capacity_parcels_per_day"] = depot.capacity_parcels_per_day
        entry["kept_parcels"] = n


def _fail(p: Platform, org_id: str, plan_id: str, envelope: dict[str, Any]) -> None:
    with p.uow(org_id) as uow:
        row = uow.plans.require(plan_id)
        if row.status != PlanStatus.RUNNING.value and row.status != PlanStatus.QUEUED.value:
            return  # cancelled (or finished) meanwhile: its record stands
        row.status, row.error, row.finished_at, row.active_key = PlanStatus.FAILED.value, envelope, p.clock(), None
        EventRecorder(uow, "system").record("plan.failed", plan_id, to_status=row.status, data=envelope["error"])
        uow.commit()


def get_plan(p: Platform, actor: Actor, plan_id: str) -> tuple[PlanRow, list[RouteRow]]:
    """A plan version with its routes (two queries)."""
    actor.require(Permission.READ)
    with p.uow(actor) as uow:
        row = uow.plans.require(plan_id)
        return row, uow.routes.all(RouteRow.plan_id == plan_id)


def list_plans(p: Platform, actor: Actor, depot_id: str | None, day: date | None) -> list[PlanRow]:
    """Plan versions, newest first per depot and day."""
    actor.require(Permission.READ)
    where = []
    if depot_id:
        where.append(PlanRow.depot_id == depot_id)
    if day:
        where.append(PlanRow.day == day)
    with p.uow(actor) as uow:
        return sorted(uow.plans.all(*where), key=lambda r: (r.day, r.depot_id, -r.version))


def publish_plan(p: Platform, actor: Actor, plan_id: str) -> PlanRow:
    """Make this version the plan of its day: older versions are superseded (dispatched routes stay), the
    orders on its routes become planned, orders dropped from it go back to new."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        row = uow.plans.require(plan_id)
        if row.status != PlanStatus.SUCCEEDED.value:
            msg = f"plan {plan_id} is {row.status}; only a succeeded plan can be published"
            raise DoorstepError([Issue("E2006", msg, ("status",), plan_id)])
        events = EventRecorder(uow, actor.label)
        others = uow.plans.all(PlanRow.depot_id == row.depot_id, PlanRow.day == row.day, PlanRow.id != plan_id)
        kept = {r.id for r in kept_routes(uow, row.depot_id, row.day)}
        for old in others:
            live = old.status in (PlanStatus.SUCCEEDED.value, PlanStatus.PUBLISHED.value)
            if live:
                old.status = PlanStatus.SUPERSEDED.value
            for r in uow.routes.all(RouteRow.plan_id == old.id):
                # dispatched and locked routes stay in force; a route an earlier publish kept (locked then) and
                # that was unlocked since is replaced now, or it would stay published beside this plan's routes
                if r.id not in kept and (live or r.status == RouteStatus.PUBLISHED.value):
                    r.status = RouteStatus.SUPERSEDED.value
        # a route a carrier hand-off emptied stays superseded; orders a carrier holds stay planned (its own)
        routes = [r for r in uow.routes.all(RouteRow.plan_id == plan_id) if r.status != RouteStatus.SUPERSEDED.value]
        in_force = list(uow.routes.get_many(sorted(kept)).values())
        on_plan = {s["order_id"] for r in routes + in_force for s in r.data["stops"] if s.get("order_id")}
        rows = uow.orders.all(OrderRow.depot_id == row.depot_id, OrderRow.day == row.day)
        on_plan |= held_orders(uow, [o.id for o in rows if o.status == OrderStatus.PLANNED.value])
        for r in routes:
            r.status = RouteStatus.PUBLISHED.value
        for o in rows:
            if o.id in on_plan and o.status == OrderStatus.NEW.value:
                set_order_status(uow, events, o, OrderStatus.PLANNED, "order.planned")
            elif o.id not in on_plan and o.status == OrderStatus.PLANNED.value:
                set_order_status(uow, events, o, OrderStatus.NEW, "order.updated")
        row.status = transition(PlanStatus(row.status), PlanStatus.PUBLISHED, subject=plan_id).value
        events.record("plan.published", plan_id, from_status="succeeded", to_status=row.status)
        uow.commit()
    return row


def system(org_id: str) -> Actor:
    """The actor jobs and the demo loader act as."""
    return system_actor(org_id)
