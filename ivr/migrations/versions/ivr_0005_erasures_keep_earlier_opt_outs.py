"""erasures keep earlier opt-outs

Revision ID: ivr_0005
Revises: ivr_0004
Create Date: 2026-11-23 16:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "ivr_0005"
down_revision = "ivr_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ivr_erasures") as batch:
        batch.add_column(sa.Column("keeps_opt_out", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("ivr_erasures") as batch:
        batch.drop_column("keeps_opt_out")
