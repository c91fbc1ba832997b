"""place names in Hindi (Devanagari) for states, districts, blocks and gram panchayats

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-12-03 07:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0005"
down_revision = "core_0004"
branch_labels = None
depends_on = None

TABLES = ("states", "districts", "blocks", "gram_panchayats")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("name_hi", sa.String(120), nullable=False, server_default=""))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("name_hi")
