"""message send-by and scrub: a message not worth sending after a moment, and one whose text holds a secret

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 23:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (existing messages: no deadline, text kept, as before)."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_by", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("scrub", sa.Boolean(), server_default="0", nullable=False))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("scrub")
        batch_op.drop_column("send_by")
