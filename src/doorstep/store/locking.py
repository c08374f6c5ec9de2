"""One row locked for writing until the transaction ends, on both databases: a claim (queued -> running) that
reads a status and then writes it is only safe when no one else can do the same in between.

PostgreSQL locks the row (``SELECT ... FOR UPDATE``). SQLite has no row locks and ignores ``FOR UPDATE``: there a
no-op update of the row starts the transaction as the one writer of the database (a second claimant waits on the
busy timeout), and the row is then read as the last writer left it."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from doorstep.store.base import OrgOwned


def get_for_update[Row: OrgOwned](session: Session, model: type[Row], row_id: str) -> Row | None:
    """The row with this id, locked for writing until the transaction ends (None when there is none)."""
    if session.get_bind().dialect.name == "postgresql":
        return session.get(model, row_id, with_for_update=True)
    session.execute(
        update(model).where(model.id == row_id).values(created_at=model.created_at)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return session.get(model, row_id, populate_existing=True)
