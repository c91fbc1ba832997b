"""keypad polls: questions, answers

Revision ID: campaigns_0004
Revises: campaigns_0003
Create Date: 2026-12-03 08:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "campaigns_0004"
down_revision = "campaigns_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("after_lesson_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_polls_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["after_lesson_id"],
            ["lessons.id"],
            name=op.f("fk_polls_after_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_users.id"],
            name=op.f("fk_polls_created_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
    )
    op.create_table(
        "poll_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text_hi", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["poll_id"], ["polls.id"], name=op.f("fk_poll_questions_poll_id_polls"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_questions")),
    )
    op.create_index(op.f("ix_poll_questions_poll_id"), "poll_questions", ["poll_id"])
    op.create_table(
        "poll_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("language_code", sa.String(length=10), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["poll_questions.id"],
            name=op.f("fk_poll_answers_question_id_poll_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_poll_answers_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_poll_answers_district_id_districts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_answers")),
        sa.UniqueConstraint("question_id", "call_sid", name=op.f("uq_poll_answers_question_id_call_sid")),
    )
    op.create_index(op.f("ix_poll_answers_question_id"), "poll_answers", ["question_id"])
    op.create_index(op.f("ix_poll_answers_contact_id"), "poll_answers", ["contact_id"])


def downgrade() -> None:
    op.drop_table("poll_answers")
    op.drop_table("poll_questions")
    op.drop_table("polls")
