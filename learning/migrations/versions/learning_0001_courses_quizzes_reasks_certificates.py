"""courses, quiz items, enrolments, answers, re-asks, certificates, replacements

Revision ID: learning_0001
Revises:
Create Date: 2026-12-03 07:24:29.666646
"""

import sqlalchemy as sa
from alembic import op

revision = "learning_0001"
down_revision = None
branch_labels = ("learning",)
depends_on = ("core_0001", "audio_0001", "campaigns_0001")  # contacts, lessons, campaigns


def upgrade() -> None:
    op.create_table(
        "learning_courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("title_hi", sa.String(length=200), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_users.id"],
            name=op.f("fk_learning_courses_created_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_learning_courses_topic_id_topics"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_courses")),
    )
    with op.batch_alter_table("learning_courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_courses_status"), ["status"], unique=False)

    op.create_table(
        "learning_course_lessons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["learning_courses.id"],
            name=op.f("fk_learning_course_lessons_course_id_learning_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_learning_course_lessons_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_course_lessons")),
        sa.UniqueConstraint(
            "course_id", "position", name=op.f("uq_learning_course_lessons_course_id_position")
        ),
    )
    with op.batch_alter_table("learning_course_lessons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_course_lessons_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_learning_course_lessons_lesson_id"), ["lesson_id"], unique=False)

    op.create_table(
        "learning_quiz_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.Integer(), nullable=True),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("option_keys", sa.String(length=9), nullable=False),
        sa.Column("right_key", sa.String(length=1), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_users.id"],
            name=op.f("fk_learning_quiz_items_created_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["lesson_id"],
            ["lessons.id"],
            name=op.f("fk_learning_quiz_items_lesson_id_lessons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_learning_quiz_items_topic_id_topics"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_quiz_items")),
    )
    with op.batch_alter_table("learning_quiz_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_quiz_items_lesson_id"), ["lesson_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_learning_quiz_items_status"), ["status"], unique=False)

    op.create_table(
        "learning_replacements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_lesson_id", sa.Integer(), nullable=False),
        sa.Column("new_lesson_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_users.id"],
            name=op.f("fk_learning_replacements_created_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["new_lesson_id"],
            ["lessons.id"],
            name=op.f("fk_learning_replacements_new_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["old_lesson_id"],
            ["lessons.id"],
            name=op.f("fk_learning_replacements_old_lesson_id_lessons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_replacements")),
        sa.UniqueConstraint("old_lesson_id", name=op.f("uq_learning_replacements_old_lesson_id")),
    )
    with op.batch_alter_table("learning_replacements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_learning_replacements_new_lesson_id"), ["new_lesson_id"], unique=False
        )

    op.create_table(
        "learning_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=200), nullable=False),
        sa.Column("audience", sa.Text(), nullable=False),
        sa.Column("district_ids", sa.String(length=500), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_start", sa.String(length=5), nullable=False),
        sa.Column("window_end", sa.String(length=5), nullable=False),
        sa.Column("weeks_called", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["learning_courses.id"],
            name=op.f("fk_learning_series_course_id_learning_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_users.id"],
            name=op.f("fk_learning_series_created_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_series")),
    )
    with op.batch_alter_table("learning_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_series_course_id"), ["course_id"], unique=False)

    op.create_table(
        "learning_course_test_items",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=4), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["learning_courses.id"],
            name=op.f("fk_learning_course_test_items_course_id_learning_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["learning_quiz_items.id"],
            name=op.f("fk_learning_course_test_items_item_id_learning_quiz_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", "item_id", "stage", name=op.f("pk_learning_course_test_items")),
    )
    op.create_table(
        "learning_quiz_item_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("language_code", sa.String(length=8), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("options", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("audio_prompt_id", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["learning_quiz_items.id"],
            name=op.f("fk_learning_quiz_item_versions_item_id_learning_quiz_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["language_code"],
            ["languages.code"],
            name=op.f("fk_learning_quiz_item_versions_language_code_languages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_quiz_item_versions")),
        sa.UniqueConstraint(
            "item_id", "language_code", name=op.f("uq_learning_quiz_item_versions_item_id_language_code")
        ),
    )
    with op.batch_alter_table("learning_quiz_item_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_quiz_item_versions_item_id"), ["item_id"], unique=False)

    op.create_table(
        "learning_enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("step", sa.String(length=8), nullable=False),
        sa.Column("lesson_index", sa.Integer(), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("segment", sa.Integer(), nullable=False),
        sa.Column("last_call_sid", sa.String(length=64), nullable=False),
        sa.Column("callback_for_sid", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_learning_enrolments_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["learning_courses.id"],
            name=op.f("fk_learning_enrolments_course_id_learning_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["learning_series.id"],
            name=op.f("fk_learning_enrolments_series_id_learning_series"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_enrolments")),
        sa.UniqueConstraint(
            "course_id", "contact_id", name=op.f("uq_learning_enrolments_course_id_contact_id")
        ),
    )
    with op.batch_alter_table("learning_enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_enrolments_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_learning_enrolments_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_learning_enrolments_series_id"), ["series_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_learning_enrolments_status"), ["status"], unique=False)

    op.create_table(
        "learning_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("replacement_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("heard_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_learning_notices_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replacement_id"],
            ["learning_replacements.id"],
            name=op.f("fk_learning_notices_replacement_id_learning_replacements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_notices")),
        sa.UniqueConstraint(
            "replacement_id", "contact_id", name=op.f("uq_learning_notices_replacement_id_contact_id")
        ),
    )
    with op.batch_alter_table("learning_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_notices_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_learning_notices_replacement_id"), ["replacement_id"], unique=False
        )

    op.create_table(
        "learning_outreach",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_learning_outreach_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_learning_outreach_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_outreach")),
    )
    with op.batch_alter_table("learning_outreach", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_outreach_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(
            "ix_learning_outreach_contact_id_purpose", ["contact_id", "purpose", "created_at"], unique=False
        )

    op.create_table(
        "learning_reasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("box", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_learning_reasks_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["learning_quiz_items.id"],
            name=op.f("fk_learning_reasks_item_id_learning_quiz_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_reasks")),
        sa.UniqueConstraint("contact_id", "item_id", name=op.f("uq_learning_reasks_contact_id_item_id")),
    )
    with op.batch_alter_table("learning_reasks", schema=None) as batch_op:
        batch_op.create_index("ix_learning_reasks_contact_id_due_at", ["contact_id", "due_at"], unique=False)
        batch_op.create_index("ix_learning_reasks_due_at", ["due_at", "contact_id", "item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_learning_reasks_item_id"), ["item_id"], unique=False)

    op.create_table(
        "learning_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=6), nullable=False),
        sa.Column("key", sa.String(length=1), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("box_before", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_learning_answers_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["learning_enrolments.id"],
            name=op.f("fk_learning_answers_enrolment_id_learning_enrolments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["learning_quiz_items.id"],
            name=op.f("fk_learning_answers_item_id_learning_quiz_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_answers")),
    )
    with op.batch_alter_table("learning_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_answers_answered_at"), ["answered_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_learning_answers_call_sid"), ["call_sid"], unique=False)
        batch_op.create_index(
            "ix_learning_answers_contact_id_item_id", ["contact_id", "item_id"], unique=False
        )
        batch_op.create_index(
            "ix_learning_answers_item_id_contact_id", ["item_id", "contact_id", "attempt"], unique=False
        )

    op.create_table(
        "learning_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sms_sid", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_learning_certificates_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["learning_courses.id"],
            name=op.f("fk_learning_certificates_course_id_learning_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_learning_certificates_district_id_districts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["learning_enrolments.id"],
            name=op.f("fk_learning_certificates_enrolment_id_learning_enrolments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_certificates")),
        sa.UniqueConstraint("code", name=op.f("uq_learning_certificates_code")),
        sa.UniqueConstraint("enrolment_id", name=op.f("uq_learning_certificates_enrolment_id")),
    )
    with op.batch_alter_table("learning_certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_learning_certificates_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_learning_certificates_course_id"), ["course_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_learning_certificates_district_id"), ["district_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("learning_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_certificates_district_id"))
        batch_op.drop_index(batch_op.f("ix_learning_certificates_course_id"))
        batch_op.drop_index(batch_op.f("ix_learning_certificates_contact_id"))

    op.drop_table("learning_certificates")
    with op.batch_alter_table("learning_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_answers_item_id_contact_id")
        batch_op.drop_index("ix_learning_answers_contact_id_item_id")
        batch_op.drop_index(batch_op.f("ix_learning_answers_call_sid"))
        batch_op.drop_index(batch_op.f("ix_learning_answers_answered_at"))

    op.drop_table("learning_answers")
    with op.batch_alter_table("learning_reasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_reasks_item_id"))
        batch_op.drop_index("ix_learning_reasks_due_at")
        batch_op.drop_index("ix_learning_reasks_contact_id_due_at")

    op.drop_table("learning_reasks")
    with op.batch_alter_table("learning_outreach", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_outreach_contact_id_purpose")
        batch_op.drop_index(batch_op.f("ix_learning_outreach_campaign_id"))

    op.drop_table("learning_outreach")
    with op.batch_alter_table("learning_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_notices_replacement_id"))
        batch_op.drop_index(batch_op.f("ix_learning_notices_contact_id"))

    op.drop_table("learning_notices")
    with op.batch_alter_table("learning_enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_enrolments_status"))
        batch_op.drop_index(batch_op.f("ix_learning_enrolments_series_id"))
        batch_op.drop_index(batch_op.f("ix_learning_enrolments_course_id"))
        batch_op.drop_index(batch_op.f("ix_learning_enrolments_contact_id"))

    op.drop_table("learning_enrolments")
    with op.batch_alter_table("learning_quiz_item_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_quiz_item_versions_item_id"))

    op.drop_table("learning_quiz_item_versions")
    op.drop_table("learning_course_test_items")
    with op.batch_alter_table("learning_series", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_series_course_id"))

    op.drop_table("learning_series")
    with op.batch_alter_table("learning_replacements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_replacements_new_lesson_id"))

    op.drop_table("learning_replacements")
    with op.batch_alter_table("learning_quiz_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_quiz_items_status"))
        batch_op.drop_index(batch_op.f("ix_learning_quiz_items_lesson_id"))

    op.drop_table("learning_quiz_items")
    with op.batch_alter_table("learning_course_lessons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_course_lessons_lesson_id"))
        batch_op.drop_index(batch_op.f("ix_learning_course_lessons_course_id"))

    op.drop_table("learning_course_lessons")
    with op.batch_alter_table("learning_courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_learning_courses_status"))

    op.drop_table("learning_courses")
