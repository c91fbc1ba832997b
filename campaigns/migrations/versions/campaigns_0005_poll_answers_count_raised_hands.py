"""poll answers count raised hands (a village meeting's hand-count poll)

Revision ID: campaigns_0005
Revises: campaigns_0004
Create Date: 2026-12-03 08:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "campaigns_0005"
down_revision = "campaigns_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("poll_answers") as batch:
        batch.add_column(sa.Column("hands", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("poll_answers") as batch:
        batch.drop_column("hands")
