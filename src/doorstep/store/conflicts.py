"""A constraint the database enforced (a concurrent request stored the same unique value first, or removed what a
row refers to) as a coded 409 conflict rather than an internal error."""

from __future__ import annotations

import re

from sqlalchemy.exc import IntegrityError

from doorstep.domain.errors import DoorstepError, Issue

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)")
_PG_KEY = re.compile(r"Key \(([^)]*)\)=")
_HIDDEN = {"org_id"}  # tenant scoping is not something the caller chose


class ConflictError(DoorstepError):
    """E2007 (a unique value taken meanwhile) or E2010 (another constraint, e.g. a referenced row deleted)."""

    def __init__(self, issues: list[Issue], columns: tuple[str, ...]) -> None:
        super().__init__(issues)
        self.columns = columns


def unique_columns(exc: IntegrityError) -> tuple[str, ...] | None:
    """The columns of the unique constraint that refused the row, or None when another constraint did."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "23505":  # PostgreSQL unique_violation
        detail = getattr(getattr(orig, "diag", None), "message_detail", None) or ""
        m = _PG_KEY.search(detail)
        return tuple(c.strip() for c in m.group(1).split(",")) if m else ()
    m = _SQLITE_UNIQUE.search(str(orig))
    if m:
        return tuple(c.strip().rsplit(".", 1)[-1] for c in m.group(1).split(","))
    return None


def conflict(exc: IntegrityError) -> ConflictError:
    """The coded conflict for a refused commit (values are never echoed: they may belong to another tenant)."""
    columns = unique_columns(exc)
    if columns is None:
        msg = "a concurrent request changed or removed an object this request refers to"
        return ConflictError([Issue("E2010", msg, ())], ())
    shown = tuple(c for c in columns if c not in _HIDDEN) or columns
    what = ", ".join(shown) or "a unique value"
    msg = f"{what}: this value was stored by another request first"
    return ConflictError([Issue("E2007", msg, (shown[-1],) if shown else ())], shown)
