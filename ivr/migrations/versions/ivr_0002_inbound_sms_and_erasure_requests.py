"""inbound SMS and erasure requests

Revision ID: ivr_0002
Revises: ivr_0001
Create Date: 2026-11-23 10:38:27.955230
"""

import sqlalchemy as sa
from alembic import op

revision = "ivr_0002"
down_revision = "ivr_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ivr_erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_ivr_erasures_staff_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_erasures")),
    )
    with op.batch_alter_table("ivr_erasures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ivr_erasures_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ivr_erasures_status"), ["status"], unique=False)

    op.create_table(
        "ivr_sms_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_sid", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("keyword", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_ivr_sms_messages_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_sms_messages")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_ivr_sms_messages_message_sid")),
    )
    with op.batch_alter_table("ivr_sms_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ivr_sms_messages_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ivr_sms_messages_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ivr_sms_messages_keyword"), ["keyword"], unique=False)
        batch_op.create_index(batch_op.f("ix_ivr_sms_messages_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ivr_sms_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ivr_sms_messages_status"))
        batch_op.drop_index(batch_op.f("ix_ivr_sms_messages_keyword"))
        batch_op.drop_index(batch_op.f("ix_ivr_sms_messages_created_at"))
        batch_op.drop_index(batch_op.f("ix_ivr_sms_messages_contact_id"))

    op.drop_table("ivr_sms_messages")
    with op.batch_alter_table("ivr_erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ivr_erasures_status"))
        batch_op.drop_index(batch_op.f("ix_ivr_erasures_contact_id"))

    op.drop_table("ivr_erasures")
