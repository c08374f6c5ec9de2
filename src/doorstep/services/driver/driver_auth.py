"""Driver app login: the dispatcher issues a one-time code for a driver; the app exchanges it for a session.

Only a SHA-256 of each code is stored. A code works once, within its lifetime; the session token the API
signs from the answer is short-lived and names the organization and the driver, nothing else.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.domain.ids import new_id
from doorstep.services.kernel.access import Actor, Permission, Role
from doorstep.services.kernel.events import EventRecorder
from doorstep.services.kernel.platform import Platform
from doorstep.store.models import DriverCodeRow, DriverRow
from doorstep.store.uow import UnitOfWork

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
CODE_LENGTH = 8  # 40 bits
CODE_TTL = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A fresh login code (shown once to the dispatcher) and when it stops working."""

    driver_id: str
    code: str
    expires_at: datetime
    event_id: str = ""  # the driver.code_issued event


def normalize_code(code: str) -> str:
    """Codes are typed on phones: case, spaces and dashes do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def driver_actor(org_id: str, driver_id: str) -> Actor:
    """The actor of a driver app session: their own routes only."""
    return Actor(org_id, driver_id, frozenset({Permission.OWN_ROUTES}), Role.DRIVER)


def issue_code(p: Platform, actor: Actor, driver_id: str) -> IssuedCode:
    """A new one-time login code for a driver of the actor's organization (dispatchers and admins)."""
    actor.require(Permission.WRITE)
    with p.uow(actor) as uow:
        issued = add_code(uow, actor, driver_id, p.clock())
        uow.commit()
    return issued


def add_code(uow: UnitOfWork, actor: Actor, driver_id: str, now: datetime) -> IssuedCode:
    """Store a new code's hash (and its ``driver.code_issued`` event) in the caller's transaction: an invite
    writes its messages in the same one."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    uow.drivers.require(driver_id, ("driver_id",))
    row = DriverCodeRow(
        id=new_id("dcd"), org_id=uow.org_id, driver_id=driver_id, code_hash=_hash(code),
        expires_at=now + CODE_TTL, used_at=None, issued_by=actor.label,
    )  # fmt: skip
    uow.driver_codes.add(row)
    event = EventRecorder(uow, actor.label).record("driver.code_issued", driver_id, data={"code_id": row.id})
    return IssuedCode(driver_id, f"{code[:4]}-{code[4:]}", now + CODE_TTL, event.id)


def redeem_code(p: Platform, code: str) -> tuple[str, str, str]:
    """Use a code once: (org_id, driver_id, driver name); E1410 when unknown, used or expired."""
    now = p.clock()
    with p.sessions() as session:
        row = session.scalars(select(DriverCodeRow).where(DriverCodeRow.code_hash == _hash(code))).first()
        if row is None or row.used_at is not None or row.expires_at < now:
            raise DoorstepError([Issue("E1410", "this login code is invalid, expired or already used", ("code",))])
        used = session.execute(
            update(DriverCodeRow).where(DriverCodeRow.id == row.id, DriverCodeRow.used_at.is_(None)).values(used_at=now)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]  # a concurrent login won the race
            raise DoorstepError([Issue("E1410", "this login code is invalid, expired or already used", ("code",))])
        driver = session.get(DriverRow, row.driver_id)
        name = driver.name if driver is not None else ""
        org_id, driver_id = row.org_id, row.driver_id
        session.commit()
    return org_id, driver_id, name
