"""forwards: a caller shares a lesson or story with a colleague

Revision ID: campaigns_0003
Revises: campaigns_0002
Create Date: 2026-12-03 08:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "campaigns_0003"
down_revision = "campaigns_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forwards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_contact_id", sa.Integer(), nullable=True),
        sa.Column("to_contact_id", sa.Integer(), nullable=True),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["from_contact_id"],
            ["contacts.id"],
            name=op.f("fk_forwards_from_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["to_contact_id"],
            ["contacts.id"],
            name=op.f("fk_forwards_to_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_forwards_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_forwards_district_id_districts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forwards")),
    )
    op.create_index("ix_forwards_created_at", "forwards", ["created_at"])
    op.create_index(op.f("ix_forwards_from_contact_id"), "forwards", ["from_contact_id"])
    op.create_index(op.f("ix_forwards_to_contact_id"), "forwards", ["to_contact_id"])
    op.create_index(op.f("ix_forwards_status"), "forwards", ["status"])


def downgrade() -> None:
    op.drop_table("forwards")
