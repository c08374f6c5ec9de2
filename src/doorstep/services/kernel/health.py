"""Readiness: the database answers and is at the newest migration."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from doorstep.store.migrate import current_revision, head_revision


def readiness(engine: Engine) -> tuple[bool, dict[str, Any]]:
    """(ready, details) for ``/readyz``: any driver error or a pending migration means not ready."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        rev = current_revision(engine)
    except Exception as exc:  # not ready, whatever the driver says
        return False, {"status": "unavailable", "database": type(exc).__name__}
    head = head_revision()
    return rev == head, {"status": "ok" if rev == head else "migrations pending", "revision": rev, "head": head}
