"""erased opt-outs

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-23 16:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erased_opt_outs",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_erased_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("erased_opt_outs")
