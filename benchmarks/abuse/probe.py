"""The concurrency probes of the issue-12 review, repeatable, on SQLite and PostgreSQL: for each, what was sent, what
was acknowledged, what the database stored, and whether anything answered 5xx.

Probes (a real uvicorn server in this process, one client connection per request, released together):

* ``idempotency``: ``--burst`` requests with one ``Idempotency-Key`` for a depot, a driver, an order and a webhook;
  expected: 1 stored each, every answer the first one's or 409 E2009.
* ``email``: ``--burst`` users with one email at once; expected: 1 stored, the others 409 E2007.
* ``bulk``: ``--burst`` identical bulks of 50 orders; expected: 50 stored, no 5xx.
* ``uploads``: a workbook unpacking to 300 MiB, 300,000-row XLSX and CSV files; expected: each a coded 413/422
  naming the limit, the server's memory grown by less than ``UPLOAD_RSS_BOUND_MIB`` over the three.
* ``import``: bulk creates from ``--writers`` clients while one ``--import-rows``-row CSV import runs (SQLite
  locked the database past its busy timeout here); expected: every acknowledged order stored, no 5xx.
* ``kill -9`` (``kill9.py``): ``doorstep serve`` as a real process takes order creates from ``--kill-writers``
  clients, is killed with SIGKILL halfway through ``--kill-seconds`` and started again; the clients retry what got
  no answer with the same ``Idempotency-Key``. Expected: every acknowledged order stored once, none twice, every
  answer a 201 (a retry replays the first answer), no 5xx.

    .venv/bin/python benchmarks/abuse/probe.py                       # both backends, all probes
    .venv/bin/python benchmarks/abuse/probe.py --backends sqlite --import-rows 100000

Exits 1 when a probe finds a 5xx, a duplicate or a lost acknowledged write.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from abuse.kill9 import probe_kill9
from api import database  # a fresh, migrated SQLite file or throwaway PostgreSQL database
from doorstep.api.app import create_app
from doorstep.config import Settings
from doorstep.services.accounts.accounts import create_api_key, create_organization
from doorstep.services.kernel.access import Permission, system_actor
from doorstep.store.models import DepotRow, EventHandlingRow, OrderRow
from machine import machine_info

HUB = {"name": "Hub", "lat": 38.7372, "lng": -9.1034, "timezone": "Europe/Lisbon"}


@dataclass
class Result:
    """One probe on one backend."""

    backend: str
    probe: str
    sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    acknowledged: int = 0
    stored: int = 0
    expected_stored: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The table row."""
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        verdict = "ok" if not self.problems else "FAIL " + "; ".join(self.problems)
        return (f"{self.backend:<10} {self.probe:<32} {self.sent:>6} {self.acknowledged:>6} {self.stored:>7} "
                f"{self.expected_stored:>8}  {answers:<40} {verdict}")  # fmt: skip


@contextmanager
def serve(url: str) -> Iterator[tuple[str, Any]]:
    """uvicorn serving the app on a free loopback port in a thread; yields (base URL, platform)."""
    settings = Settings(
        database_url=url, secret_key="abuse-probe-" + "x" * 32, rate_limit_per_minute=10_000_000,
        rate_limit_per_address_per_minute=0, webhook_tick_s=0, webhook_allow_private=True,
    )  # fmt: skip
    app = create_app(settings)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="critical"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{srv.servers[0].sockets[0].getsockname()[1]}", app.state.platform
    finally:
        srv.should_exit = True
        thread.join(10)


def org_key(platform: Any) -> dict[str, str]:
    """A fresh organization and an admin key's headers."""
    org_id, _ = create_organization(platform, "Probe", f"probe-{uuid.uuid4().hex[:10]}@example.com", "probe-password")
    scopes = [Permission.READ, Permission.WRITE, Permission.MANAGE]
    return {"Authorization": f"Bearer {create_api_key(platform, system_actor(org_id), 'probe', scopes)[1]}"}


def burst(n: int, base: str, send: Callable[[httpx.Client], httpx.Response]) -> list[httpx.Response]:
    """``n`` requests released together, one connection each."""
    gate = threading.Barrier(n)

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=120) as c:
            gate.wait()
            return send(c)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def code(r: httpx.Response) -> str:
    """Status and error code of an answer: '201', '409 E2009'."""
    try:
        err = r.json().get("error") if r.headers.get("content-type", "").startswith("application/json") else None
    except ValueError:
        err = None
    return f"{r.status_code} {err['code']}" if isinstance(err, dict) else str(r.status_code)


def count(base: str, h: dict[str, str], path: str) -> int:
    """How many objects a list endpoint returns (one page of up to 500)."""
    body = httpx.get(f"{base}{path}", headers=h, timeout=60).json()
    return len(body["items"] if isinstance(body, dict) else body)


def _tally(res: Result, answers: list[httpx.Response]) -> None:
    res.sent += len(answers)
    res.statuses.update(code(a) for a in answers)
    res.acknowledged += sum(1 for a in answers if a.status_code in (200, 201))
    if fives := sum(1 for a in answers if a.status_code >= 500):
        res.problems.append(f"{fives} answers 5xx")


def probe_idempotency(backend: str, base: str, platform: Any, n: int) -> list[Result]:
    """One key, ``n`` copies at once, per resource."""
    out = []
    h = org_key(platform)
    depot = httpx.post(f"{base}/v1/depots", json=HUB, headers=h, timeout=60).json()["id"]
    bodies = {
        "/v1/depots": {**HUB, "name": "Burst hub"},
        "/v1/drivers": {"name": "Burst driver"},
        "/v1/orders": {"external_ref": f"IDEM-{uuid.uuid4().hex[:6]}", "depot_id": depot, "date": "2025-06-17",
                       "location": {"lat": 38.72, "lng": -9.14}},
        "/v1/webhooks": {"url": "http://127.0.0.1:9/hook", "event_types": ["*"]},
    }  # fmt: skip
    for path, body in bodies.items():
        res = Result(backend, f"idempotency {path.rsplit('/', 1)[1]}", expected_stored=1)
        before = count(base, h, path)
        key = {**h, "Idempotency-Key": uuid.uuid4().hex}
        answers = burst(n, base, lambda c, path=path, body=body, key=key: c.post(path, json=body, headers=key))
        _tally(res, answers)
        res.stored = count(base, h, path) - before
        firsts = {a.text for a in answers if a.status_code in (200, 201)}
        if len(firsts) > 1:
            res.problems.append(f"{len(firsts)} different acknowledged answers")
        if res.stored != 1:
            res.problems.append(f"{res.stored} stored")
        out.append(res)
    return out


def probe_email(backend: str, base: str, platform: Any, n: int) -> Result:
    """``n`` users with one email at once."""
    h = org_key(platform)
    email = f"twin-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "name": "Twin", "role": "dispatcher", "password": "probe-password"}
    res = Result(backend, "same email", expected_stored=1)
    _tally(res, burst(n, base, lambda c: c.post("/v1/users", json=body, headers=h)))
    users = httpx.get(f"{base}/v1/users", headers=h, timeout=60).json()
    res.stored = sum(1 for u in users if u["email"] == email)
    if res.stored != 1:
        res.problems.append(f"{res.stored} stored")
    return res


def probe_bulk(backend: str, base: str, platform: Any, n: int) -> Result:
    """``n`` identical bulks of 50 orders at once."""
    h = org_key(platform)
    depot = httpx.post(f"{base}/v1/depots", json=HUB, headers=h, timeout=60).json()["id"]
    tag = uuid.uuid4().hex[:6]
    orders = [{"external_ref": f"B-{tag}-{i}", "depot_id": depot, "date": "2025-06-17",
               "location": {"lat": 38.72, "lng": -9.14}} for i in range(50)]  # fmt: skip
    res = Result(backend, "identical bulks", expected_stored=50)
    _tally(res, burst(n, base, lambda c: c.post("/v1/orders/bulk", json={"orders": orders}, headers=h)))
    res.stored = count(base, h, "/v1/orders?limit=500")
    if res.stored != 50:
        res.problems.append(f"{res.stored} stored")
    return res


def probe_import(backend: str, base: str, platform: Any, rows: int, writers: int) -> Result:
    """Bulk creates of 20 orders from ``writers`` clients while one large CSV import runs."""
    h = org_key(platform)
    depot = httpx.post(f"{base}/v1/depots", json=HUB, headers=h, timeout=60).json()["id"]
    lines = ["external_ref,lat,lng"] + [f"IMP-{i},{38.7 + (i % 100) / 1000},{-9.1 - (i // 100) / 10000}"
                                        for i in range(rows)]  # fmt: skip
    res = Result(backend, f"bulks during {rows:,}-row import")
    done = threading.Event()
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    took: list[float] = []

    def importer() -> None:
        t0 = time.perf_counter()
        try:
            r = httpx.post(f"{base}/v1/orders/import", files={"file": ("o.csv", "\n".join(lines).encode())},
                           data={"depot_id": depot, "date": "2025-06-17"}, headers=h, timeout=900)  # fmt: skip
            with lock:
                answers.append(r)
        finally:
            took.append(time.perf_counter() - t0)
            done.set()

    def writer(k: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as c:
            j = 0
            while not done.is_set():
                j += 1
                batch = [{"external_ref": f"W-{k}-{j}-{i}", "depot_id": depot, "date": "2025-06-17",
                          "location": {"lat": 38.72, "lng": -9.14}} for i in range(20)]  # fmt: skip
                try:
                    r = c.post("/v1/orders/bulk", json={"orders": batch}, headers=h)
                except httpx.TransportError as exc:
                    res.problems.append(f"connection error: {exc!r}")
                    continue
                with lock:
                    answers.append(r)

    threads = [threading.Thread(target=importer)] + [threading.Thread(target=writer, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _tally(res, answers)
    res.statuses.update([f"import answered in {took[0]:.0f} s"])
    imported = sum(len(a.json()["created"]) for a in answers if a.request.url.path.endswith("/import") and a.is_success)
    bulk_ok = sum(20 for a in answers if a.request.url.path.endswith("/bulk") and a.status_code == 201)
    res.expected_stored = imported + bulk_ok
    with platform.sessions() as s:
        org = s.scalar(select(DepotRow.org_id).where(DepotRow.id == depot))
        res.stored = int(s.scalar(select(func.count()).select_from(OrderRow).where(OrderRow.org_id == org)) or 0)
    if res.stored != res.expected_stored:
        res.problems.append(f"stored {res.stored}, acknowledged {res.expected_stored}")
    _handlers_done(res, platform, org)
    return res


def _handlers_done(res: Result, platform: Any, org_id: str | None, timeout_s: float = 900) -> None:
    """Wait until every event handling of the organization ran (a large commit's run on the job pool after the
    answer) and say how long after the writes that took; a handling not done by then is a problem."""
    started = time.perf_counter()
    left = -1
    while time.perf_counter() - started < timeout_s:
        with platform.sessions() as s:
            q = select(func.count()).select_from(EventHandlingRow)
            left = int(s.scalar(q.where(EventHandlingRow.org_id == org_id, EventHandlingRow.status != "done")) or 0)
        if left == 0:
            res.statuses.update([f"handlers done {time.perf_counter() - started:.0f} s later"])
            return
        time.sleep(1)
    res.problems.append(f"{left} event handlings not done {timeout_s:.0f} s after the writes")


UPLOAD_RSS_BOUND_MIB = 150  # what the upload probes may add to the server's resident memory, all of them together


def _rss_mib() -> float:
    """This process's resident memory now (the server runs in it), from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def xlsx_bomb(unpacked_mib: int) -> bytes:
    """A minimal workbook whose one sheet unpacks to ``unpacked_mib`` MiB (a few hundred KB packed)."""
    import io
    import zipfile

    types = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
             'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
             'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')  # fmt: skip
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>')  # fmt: skip
    book = ('<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="o" sheetId="1" r:id="rId1"/></sheets></workbook>')  # fmt: skip
    book_rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                 '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')  # fmt: skip
    row = '<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetData>' + row * (unpacked_mib * 1024 * 1024 // len(row)) + '</sheetData></worksheet>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in (("[Content_Types].xml", types), ("_rels/.rels", rels), ("xl/workbook.xml", book),
                           ("xl/_rels/workbook.xml.rels", book_rels), ("xl/worksheets/sheet1.xml", sheet)):
            z.writestr(name, text)
    return out.getvalue()


def probe_uploads(backend: str, base: str, platform: Any) -> Result:
    """Spreadsheets built to exhaust the server: a workbook unpacking to 300 MiB, one of 300,000 one-cell rows
    and a CSV of 300,000 rows; each must be refused with a coded 413/422 naming the limit, and the server's
    memory must not grow past ``UPLOAD_RSS_BOUND_MIB`` over the three."""
    h = org_key(platform)
    depot = httpx.post(f"{base}/v1/depots", json=HUB, headers=h, timeout=60).json()["id"]
    rows_csv = ("external_ref,lat,lng\n" + "".join(f"R{i},38.7,-9.1\n" for i in range(300_000))).encode()
    uploads = [("bomb.xlsx", xlsx_bomb(300)), ("rows.xlsx", xlsx_bomb(20)), ("rows.csv", rows_csv)]
    res = Result(backend, "upload bombs (3 files)")
    before = _rss_mib()
    answers = []
    for name, body in uploads:
        r = httpx.post(f"{base}/v1/orders/import", files={"file": (name, body)},
                       data={"depot_id": depot, "date": "2025-06-17"}, headers=h, timeout=300)  # fmt: skip
        answers.append(r)
        if r.status_code not in (413, 422):
            res.problems.append(f"{name}: answered {code(r)}, not a coded 413/422")
    _tally(res, answers)
    grown = _rss_mib() - before
    res.statuses.update([f"RSS +{grown:.0f} MiB"])
    if grown > UPLOAD_RSS_BOUND_MIB:
        res.problems.append(f"server memory grew {grown:.0f} MiB (bound {UPLOAD_RSS_BOUND_MIB})")
    return res


def kill_row(backend: str, url: str, platform: Any, writers: int, seconds: float) -> Result:
    """The kill -9 probe as a table row."""
    log = Path(tempfile.gettempdir()) / f"doorstep-kill9-{backend}.log"
    got = probe_kill9(backend, url, platform, org_key(platform), writers, seconds, log)
    acked = got["acknowledged"]
    res = Result(backend, f"kill -9 mid-writes ({got['away_s']:.1f} s down)", sent=got["sent"], acknowledged=acked,
                 stored=got["stored"], expected_stored=acked)  # fmt: skip
    res.statuses.update(got["answers"])
    res.statuses.update({"retried": got["retries"]})
    res.problems += got["problems"]
    return res


def main() -> int:
    """Run the probes and print the table."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    ap.add_argument("--burst", type=int, default=20, help="copies sent at once (default 20)")
    ap.add_argument("--import-rows", type=int, default=40_000, help="rows of the import probe (0: skip it)")
    ap.add_argument("--writers", type=int, default=8, help="bulk-create clients during the import")
    ap.add_argument("--kill-seconds", type=float, default=12, help="writing time of the kill -9 probe (0: skip it)")
    ap.add_argument("--kill-writers", type=int, default=6, help="order-create clients of the kill -9 probe")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "results" / "abuse-probe.json",
                    help="where the JSON goes (default benchmarks/results/abuse-probe.json)")  # fmt: skip
    args = ap.parse_args()
    started = time.perf_counter()
    results: list[Result] = []
    for backend in args.backends:
        with database(backend) as url, serve(url) as (base, platform):
            results += probe_idempotency(backend, base, platform, args.burst)
            results.append(probe_email(backend, base, platform, args.burst))
            results.append(probe_bulk(backend, base, platform, args.burst))
            results.append(probe_uploads(backend, base, platform))
            if args.import_rows:
                results.append(probe_import(backend, base, platform, args.import_rows, args.writers))
            if args.kill_seconds:
                results.append(kill_row(backend, url, platform, args.kill_writers, args.kill_seconds))
    head = f"{'backend':<10} {'probe':<32} {'sent':>6} {'acked':>6} {'stored':>7} {'expected':>8}  {'answers':<40}"
    print(head + " verdict")
    for r in results:
        print(r.line())
    rows = [{"backend": r.backend, "probe": r.probe, "sent": r.sent, "acknowledged": r.acknowledged,
             "stored": r.stored, "expected_stored": r.expected_stored, "answers": dict(r.statuses),
             "problems": r.problems} for r in results]  # fmt: skip
    report = {"machine": machine_info(), "args": {k: str(v) for k, v in vars(args).items()},
              "seconds": round(time.perf_counter() - started, 1), "results": rows}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {args.out}")
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
