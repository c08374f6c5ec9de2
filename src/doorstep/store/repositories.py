"""Organization-scoped repositories: every query carries the organization, so no caller can cross tenants."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from doorstep.domain.errors import DoorstepError, Issue
from doorstep.store.base import OrgOwned


def not_found(kind: str, obj_id: str, loc: tuple[str | int, ...] = ()) -> DoorstepError:
    """E1302 for an id that does not exist *in this organization* (other tenants' ids look the same)."""
    return DoorstepError([Issue("E1302", f"{kind} {obj_id} not found", loc, obj_id)])


class Repository[R: OrgOwned]:
    """Get, list (keyset-paginated by id), add and delete rows of one table within one organization."""

    def __init__(self, session: Session, model: type[R], org_id: str, kind: str) -> None:
        self.session = session
        self.model = model
        self.org_id = org_id
        self.kind = kind

    def query(self) -> Select[R]:
        """A SELECT already restricted to the organization."""
        return select(self.model).where(self.model.org_id == self.org_id)

    def get(self, obj_id: str) -> R | None:
        """The row, or None when absent or owned by another organization."""
        row = self.session.get(self.model, obj_id)
        return row if row is not None and row.org_id == self.org_id else None

    def require(self, obj_id: str, loc: tuple[str | int, ...] = ()) -> R:
        """The row, or E1302."""
        row = self.get(obj_id)
        if row is None:
            raise not_found(self.kind, obj_id, loc)
        return row

    def get_many(self, ids: Sequence[str]) -> dict[str, R]:
        """Rows by id in one query (missing and foreign ids are simply absent)."""
        if not ids:
            return {}
        rows = self.session.scalars(self.query().where(self.model.id.in_(list(set(ids)))))
        return {r.id: r for r in rows}

    def page(self, *where: ColumnElement[bool], after: str | None = None, limit: int = 100) -> list[R]:
        """Up to ``limit`` rows ordered by id after the cursor id (ids are time-ordered)."""
        q = self.query().where(*where)
        if after is not None:
            q = q.where(self.model.id > after)
        return list(self.session.scalars(q.order_by(self.model.id).limit(limit)))

    def all(self, *where: ColumnElement[bool]) -> list[R]:
        """Every matching row, ordered by id."""
        return list(self.session.scalars(self.query().where(*where).order_by(self.model.id)))

    def add(self, row: R) -> R:
        """Stage a new row, stamped with the organization."""
        row.org_id = self.org_id
        self.session.add(row)
        return row

    def add_all(self, rows: Sequence[R]) -> None:
        """Stage many new rows."""
        for row in rows:
            row.org_id = self.org_id
        self.session.add_all(rows)

    def delete(self, row: R) -> None:
        """Stage a deletion."""
        self.session.delete(row)

    def first(self, *where: ColumnElement[bool]) -> R | None:
        """The first matching row by id, or None."""
        return self.session.scalars(self.query().where(*where).order_by(self.model.id).limit(1)).first()

    def exists(self, *where: Any) -> bool:
        """Whether any row matches."""
        return self.first(*where) is not None
