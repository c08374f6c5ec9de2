"""learned times: per organization, the service times and travel factors learned from its days

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (nothing is learned until the first learning run)."""
    op.create_table(
        "learned_models",
        sa.Column("learned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("service_n", sa.Integer(), nullable=False),
        sa.Column("leg_n", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_learned_models_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_models")),
        sa.UniqueConstraint("org_id", name="uq_learned_models_org"),
    )
    with op.batch_alter_table("learned_models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learned_models_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("learned_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learned_models_org_id"))
    op.drop_table("learned_models")
