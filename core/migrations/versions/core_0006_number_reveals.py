"""number reveals: who was shown a contact's full number, and when

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-03 11:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "number_reveals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "contact_id", sa.Integer(), sa.ForeignKey("contacts.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column(
            "staff_id", sa.Integer(), sa.ForeignKey("staff_users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_number_reveals_contact_id", "number_reveals", ["contact_id"])


def downgrade() -> None:
    op.drop_index("ix_number_reveals_contact_id", table_name="number_reveals")
    op.drop_table("number_reveals")
