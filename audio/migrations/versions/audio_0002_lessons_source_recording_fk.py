"""lessons.source_recording_id foreign key on databases that add it by ALTER

audio_0001 declares the key with use_alter (lessons and recordings refer to each other), so CREATE
TABLE leaves it out everywhere except SQLite, which writes it inline. This adds it where it is missing.

Revision ID: audio_0002
Revises: audio_0001
Create Date: 2026-11-23 11:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "audio_0002"
down_revision = "audio_0001"
branch_labels = None
depends_on = None

NAME = "fk_lessons_source_recording_id_recordings"


def _has_key() -> bool:
    keys = sa.inspect(op.get_bind()).get_foreign_keys("lessons")
    return any(key["constrained_columns"] == ["source_recording_id"] for key in keys)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite" and not _has_key():
        op.create_foreign_key(
            NAME, "lessons", "recordings", ["source_recording_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite" and _has_key():
        op.drop_constraint(NAME, "lessons", type_="foreignkey")
