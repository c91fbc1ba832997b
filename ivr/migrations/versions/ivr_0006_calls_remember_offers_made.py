"""calls remember the offers made on them

Revision ID: ivr_0006
Revises: ivr_0005
Create Date: 2026-12-03 07:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "ivr_0006"
down_revision = "ivr_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ivr_calls") as batch:
        batch.add_column(sa.Column("offers", sa.String(200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("ivr_calls") as batch:
        batch.drop_column("offers")
