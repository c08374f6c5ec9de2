"""Partner carriers from a file (``doorstep plan --carriers carriers.json``, docs/carriers.md).

The file is a JSON list of carrier objects shaped like the API's (``/v1/carriers``: name, kind, endpoints, secret,
service_areas, price, cutoff, capacity_per_day, ...), or ``{"carriers": [...]}``. Each may carry its own ``id``
(else one is derived from its name); service areas name depots of the fleet. Every carrier is checked as the API
checks it (E1640–E1649), with every problem of the file at once, plus E1720 (not a list of objects), E1721 (an
unknown field) and E1722 (two carriers with one id). Nothing here calls a carrier: planning uses the rate card.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from doorstep.domain.carriers import FIELDS, CarrierConfig, located, parse_carrier
from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.geo import LatLng
from doorstep.domain.ids import derived_id
from doorstep.formats.json_common import read_json

MAX_CARRIERS = 100


def _entries(data: Any) -> list[Any] | None:
    """The list of carrier objects of a document (None: the document is not one)."""
    if isinstance(data, dict) and set(data) == {"carriers"}:
        data = data["carriers"]
    return data if isinstance(data, list) and len(data) <= MAX_CARRIERS else None


def _carrier(raw: dict[str, Any], i: int, depots: Mapping[str, LatLng], issues: list[Issue]) -> CarrierConfig:
    """One carrier, its problems located under ``("carriers", i)``."""
    loc: tuple[str | int, ...] = ("carriers", i)
    for key in sorted(set(raw) - {*FIELDS, "id"}, key=str):
        allowed = ", ".join((*FIELDS, "id"))
        issues.append(Issue("E1721", f"carrier {i}: unknown field {key!r}; allowed: {allowed}", (*loc, key)))
    name = str(raw.get("name") or "")
    cid = raw.get("id")
    if not (isinstance(cid, str) and 1 <= len(cid) <= 64):
        cid = derived_id("car", name or str(i))
    secret = raw.get("secret")
    config, found = parse_carrier(raw, cid, set(depots), secret if isinstance(secret, str) else "")
    issues += [Issue(x.code, f"carrier {cid}: {x.message}", (*loc, *x.loc), cid) for x in found]
    return located(config, dict(depots))


def carriers_from_data(data: Any, depots: Mapping[str, LatLng]) -> list[CarrierConfig]:
    """The carriers of a decoded document, for a fleet with these depots (DoorstepError with every problem)."""
    entries = _entries(data)
    if entries is None or not all(isinstance(e, dict) for e in entries):
        msg = f"give a list of at most {MAX_CARRIERS} carrier objects, or {{\"carriers\": [...]}}"
        raise DoorstepError([Issue("E1720", msg, ("carriers",))])
    issues: list[Issue] = []
    carriers = [_carrier(e, i, depots, issues) for i, e in enumerate(entries)]
    seen: dict[str, int] = {}
    for i, c in enumerate(carriers):
        if c.id in seen:
            msg = f"carriers {seen[c.id]} and {i} both have the id {c.id!r}"
            issues.append(Issue("E1722", msg, ("carriers", i, "id"), c.id))
        seen.setdefault(c.id, i)
    if issues:
        raise DoorstepError(issues)
    return carriers


def read_carriers(path: Path, depots: Mapping[str, LatLng]) -> list[CarrierConfig]:
    """The carriers of a file (E1001, E1003, E1005 when it cannot be read as JSON; see the module)."""
    return carriers_from_data(read_json(path), depots)
