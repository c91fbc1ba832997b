"""typed lessons (a track's script, a segment's words) and starter-library lessons

Revision ID: audio_0003
Revises: audio_0002
Create Date: 2026-12-03 07:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "audio_0003"
down_revision = "audio_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lessons") as batch:
        batch.add_column(sa.Column("starter_slug", sa.String(80), nullable=True))
        batch.create_unique_constraint("uq_lessons_starter_slug", ["starter_slug"])
    with op.batch_alter_table("lesson_tracks") as batch:
        batch.add_column(sa.Column("script", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("lesson_segments") as batch:
        batch.add_column(sa.Column("text", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("lesson_segments") as batch:
        batch.drop_column("text")
    with op.batch_alter_table("lesson_tracks") as batch:
        batch.drop_column("script")
    with op.batch_alter_table("lessons") as batch:
        batch.drop_constraint("uq_lessons_starter_slug", type_="unique")
        batch.drop_column("starter_slug")
