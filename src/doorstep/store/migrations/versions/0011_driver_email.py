"""driver email: a driver's address and language, so the dispatcher can send them their login code

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (existing drivers have no email and English messages)."""
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), server_default="", nullable=False))
        batch_op.add_column(sa.Column("language", sa.String(length=10), server_default="", nullable=False))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("drivers", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("email")
