"""key origins: the web origins a publishable checkout key may be used from

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (existing keys: no list, any origin, as before)."""
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origins", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("origins")
