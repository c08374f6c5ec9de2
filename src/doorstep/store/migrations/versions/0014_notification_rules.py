"""notification rules: per-organization rules, quiet hours and branding; opted-out addresses; unsubscribe tokens

Chains after 0012 (re-chained at merge; written after 0011).

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-03 16:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision (existing organizations keep the default rules: the column is null)."""
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notify_rules", sa.JSON(), nullable=True))
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unsubscribe_token", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_messages_unsubscribe_token"), ["unsubscribe_token"], unique=False)
    op.create_table(
        "opt_outs",
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organizations.id"], name=op.f("fk_opt_outs_org_id_organizations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opt_outs")),
        sa.UniqueConstraint("org_id", "channel", "address", name="uq_opt_outs_address"),
    )
    with op.batch_alter_table("opt_outs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opt_outs_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("opt_outs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opt_outs_org_id"))
    op.drop_table("opt_outs")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_unsubscribe_token"))
        batch_op.drop_column("unsubscribe_token")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("notify_rules")
