"""listening events are written once per webhook request (a Twilio retry adds none)

Revision ID: ivr_0009
Revises: ivr_0008
Create Date: 2026-12-03 11:30:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "ivr_0009"
down_revision = "ivr_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ivr_listen_events", sa.Column("request_key", sa.String(length=40), nullable=True))
    op.create_index(
        "uq_ivr_listen_events_request",
        "ivr_listen_events",
        ["call_id", "request_key", "lesson_id", "segment_position", "event"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_ivr_listen_events_request", table_name="ivr_listen_events")
    with op.batch_alter_table("ivr_listen_events") as batch:
        batch.drop_column("request_key")
