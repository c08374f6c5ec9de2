"""address_changed on for organizations with saved notification rules: the customer's confirmation of a new
delivery address (the safety check of the tracking page's "Deliver to another address") is on by default, but a
rules document saved before it existed does not list it, and a trigger a document does not list is off.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 14:45:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = "address_changed"
RULE = {"trigger": TRIGGER, "enabled": True, "channels": ["email", "sms"]}  # Doorstep's default for it (0025)
ORGS = sa.table("organizations", sa.column("id", sa.String), sa.column("notify_rules", sa.JSON))


def _saved() -> list[tuple[str, dict[str, Any]]]:
    rows = op.get_bind().execute(sa.select(ORGS.c.id, ORGS.c.notify_rules).where(ORGS.c.notify_rules.is_not(None)))
    return [(r.id, r.notify_rules) for r in rows if isinstance(r.notify_rules, dict)]


def upgrade() -> None:
    """Apply this revision: every saved rules document that does not list address_changed lists it, on."""
    for org_id, doc in _saved():
        rules = doc.get("rules") or []
        if any(isinstance(r, dict) and r.get("trigger") == TRIGGER for r in rules):
            continue
        new = {**doc, "rules": [*rules, dict(RULE)]}
        op.get_bind().execute(sa.update(ORGS).where(ORGS.c.id == org_id).values(notify_rules=new))


def downgrade() -> None:
    """Revert this revision: the trigger leaves every saved document (the code before it does not know it)."""
    for org_id, doc in _saved():
        rules = [r for r in doc.get("rules") or [] if not (isinstance(r, dict) and r.get("trigger") == TRIGGER)]
        op.get_bind().execute(sa.update(ORGS).where(ORGS.c.id == org_id).values(notify_rules={**doc, "rules": rules}))
