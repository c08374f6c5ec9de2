"""The driver app's loading scan: the van's parcels and scans so far, a scan, and the done-loading check.

No ``from __future__ import annotations`` here: FastAPI must see the real body classes.
"""

from typing import Any

from fastapi import APIRouter

from doorstep.api.deps import PlatformDep
from doorstep.api.driver_deps import DriverDep
from doorstep.api.schemas_common import ERRORS
from doorstep.api.schemas_warehouse import LoadCheckIn, LoadCheckOut, LoadScanIn, LoadScanOut, LoadStateOut
from doorstep.services.driver.load_scans import Scan, load_state, record_scan

router = APIRouter(prefix="/v1/driver/routes", tags=["driver app"], responses=ERRORS)


@router.get("/{route_id}/load", response_model=LoadStateOut, summary="The van to load: parcels and scans so far")
def load(route_id: str, p: PlatformDep, driver: DriverDep) -> dict[str, Any]:
    return load_state(p, driver, route_id)


@router.post("/{route_id}/load-scans", response_model=LoadScanOut, summary="Scan a parcel into the van")
def scan(route_id: str, body: LoadScanIn, p: PlatformDep, driver: DriverDep) -> dict[str, Any]:
    return record_scan(p, driver, Scan(body.client_id, route_id, body.at, body.code))


@router.post("/{route_id}/load-checks", response_model=LoadCheckOut, summary="Done loading: what is missing")
def check(route_id: str, body: LoadCheckIn, p: PlatformDep, driver: DriverDep) -> dict[str, Any]:
    return record_scan(p, driver, Scan(body.client_id, route_id, body.at))
