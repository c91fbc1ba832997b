"""village meetings: a lesson played to a group counts each attendee

Revision ID: ivr_0008
Revises: ivr_0007
Create Date: 2026-12-03 08:50:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "ivr_0008"
down_revision = "ivr_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ivr_meeting_listens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["ivr_calls.id"],
            name=op.f("fk_ivr_meeting_listens_call_id_ivr_calls"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_ivr_meeting_listens_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_ivr_meeting_listens_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_meeting_listens")),
        sa.UniqueConstraint("call_id", "lesson_id", name=op.f("uq_ivr_meeting_listens_call_id_lesson_id")),
    )
    op.create_index(op.f("ix_ivr_meeting_listens_contact_id"), "ivr_meeting_listens", ["contact_id"])
    op.create_index(op.f("ix_ivr_meeting_listens_lesson_id"), "ivr_meeting_listens", ["lesson_id"])


def downgrade() -> None:
    op.drop_table("ivr_meeting_listens")
