"""reviews, help desk, recognition, audit

Revision ID: transcription_0002
Revises: transcription_0001
Create Date: 2026-11-23 10:58:59.108015
"""

import sqlalchemy as sa
from alembic import op

revision = "transcription_0002"
down_revision = "transcription_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "curator_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_curator_audit_staff_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_curator_audit")),
    )
    with op.batch_alter_table("curator_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_curator_audit_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_curator_audit_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_curator_audit_object_id"), ["object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_curator_audit_staff_id"), ["staff_id"], unique=False)

    op.create_table(
        "expert_topics",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_expert_topics_staff_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_expert_topics_topic_id_topics"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("staff_id", "topic_id", name=op.f("pk_expert_topics")),
    )
    op.create_table(
        "contributor_preferences",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("recognition", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contributor_preferences_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_users.id"],
            name=op.f("fk_contributor_preferences_updated_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_contributor_preferences")),
    )
    op.create_table(
        "recognitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("milestone", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("sms_sid", sa.String(length=64), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_recognitions_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_recognitions_lesson_id_lessons"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognitions")),
        sa.UniqueConstraint(
            "lesson_id", "kind", "milestone", name=op.f("uq_recognitions_lesson_id_kind_milestone")
        ),
    )
    with op.batch_alter_table("recognitions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recognitions_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recognitions_lesson_id"), ["lesson_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_recognitions_status"), ["status"], unique=False)

    op.create_table(
        "helpdesk_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("answer_key", sa.String(length=300), nullable=False),
        sa.Column("answer_seconds", sa.Float(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("sms_sid", sa.String(length=64), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"],
            ["staff_users.id"],
            name=op.f("fk_helpdesk_questions_expert_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_helpdesk_questions_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_helpdesk_questions_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_helpdesk_questions_topic_id_topics"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_helpdesk_questions")),
        sa.UniqueConstraint("recording_id", name=op.f("uq_helpdesk_questions_recording_id")),
    )
    with op.batch_alter_table("helpdesk_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_helpdesk_questions_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_helpdesk_questions_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_helpdesk_questions_topic_id"), ["topic_id"], unique=False)

    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("text_edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff_users.id"],
            name=op.f("fk_reviews_decided_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"], ["lessons.id"], name=op.f("fk_reviews_lesson_id_lessons"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_reviews_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("recording_id", name=op.f("uq_reviews_recording_id")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_status"))

    op.drop_table("reviews")
    with op.batch_alter_table("helpdesk_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_helpdesk_questions_topic_id"))
        batch_op.drop_index(batch_op.f("ix_helpdesk_questions_status"))
        batch_op.drop_index(batch_op.f("ix_helpdesk_questions_created_at"))

    op.drop_table("helpdesk_questions")
    with op.batch_alter_table("recognitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recognitions_status"))
        batch_op.drop_index(batch_op.f("ix_recognitions_lesson_id"))
        batch_op.drop_index(batch_op.f("ix_recognitions_contact_id"))

    op.drop_table("recognitions")
    op.drop_table("contributor_preferences")
    op.drop_table("expert_topics")
    with op.batch_alter_table("curator_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_curator_audit_staff_id"))
        batch_op.drop_index(batch_op.f("ix_curator_audit_object_id"))
        batch_op.drop_index(batch_op.f("ix_curator_audit_created_at"))
        batch_op.drop_index(batch_op.f("ix_curator_audit_action"))

    op.drop_table("curator_audit")
