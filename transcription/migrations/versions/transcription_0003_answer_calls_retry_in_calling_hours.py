"""answer calls retry in calling hours

Revision ID: transcription_0003
Revises: transcription_0002
Create Date: 2026-12-03 08:10:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "transcription_0003"
down_revision = "transcription_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("helpdesk_questions") as batch:
        batch.add_column(sa.Column("call_attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_call_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("helpdesk_questions") as batch:
        batch.drop_column("next_call_at")
        batch.drop_column("call_attempts")
