"""transcripts, topic tags, keyword lexicon, full-text search

Full-text search is created by raw SQL per dialect because SQLAlchemy models cannot describe it:
- SQLite: an FTS5 table `transcript_search` with external content (transcripts.text and .notes),
  kept in step by triggers. A later batch migration that rebuilds `transcripts` on SQLite drops
  these triggers and must create them again.
- PostgreSQL: a GIN index on to_tsvector('simple', text || ' ' || notes); 'simple' because there is
  no Hindi dictionary, and it leaves words as spoken. transcription.services.search repeats the
  expression exactly so the planner uses the index.
Both names are listed in metadata.info["unmanaged"] so model-versus-migration comparison skips them.

Revision ID: transcription_0001
Revises:
Create Date: 2026-11-23 10:17:17.889922
"""

import sqlalchemy as sa
from alembic import op

revision = "transcription_0001"
down_revision = None
branch_labels = ("transcription",)
depends_on = ("core_0001", "audio_0001")


def upgrade() -> None:
    op.create_table(
        "topic_keywords",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("language_code", sa.String(length=8), nullable=False),
        sa.Column("keyword", sa.String(length=120), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["language_code"], ["languages.code"], name=op.f("fk_topic_keywords_language_code_languages")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_topic_keywords_topic_id_topics"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_keywords")),
        sa.UniqueConstraint(
            "topic_id",
            "language_code",
            "keyword",
            name=op.f("uq_topic_keywords_topic_id_language_code_keyword"),
        ),
    )
    with op.batch_alter_table("topic_keywords", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_keywords_language_code"), ["language_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_topic_keywords_topic_id"), ["topic_id"], unique=False)

    op.create_table(
        "topic_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("keywords", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff_users.id"],
            name=op.f("fk_topic_tags_decided_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_topic_tags_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_topic_tags_topic_id_topics"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic_tags")),
        sa.UniqueConstraint(
            "recording_id", "topic_id", "source", name=op.f("uq_topic_tags_recording_id_topic_id_source")
        ),
    )
    with op.batch_alter_table("topic_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_topic_tags_recording_id"), ["recording_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_topic_tags_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_topic_tags_topic_id"), ["topic_id"], unique=False)

    op.create_table(
        "transcripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("language_code", sa.String(length=8), nullable=False),
        sa.Column("model_language", sa.String(length=8), nullable=False),
        sa.Column("model_name", sa.String(length=120), nullable=False),
        sa.Column("model_version", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("audio_seconds", sa.Float(), nullable=False),
        sa.Column("speech_seconds", sa.Float(), nullable=False),
        sa.Column("silence_ratio", sa.Float(), nullable=False),
        sa.Column("clipping_ratio", sa.Float(), nullable=False),
        sa.Column("real_time_factor", sa.Float(), nullable=True),
        sa.Column("flags", sa.String(length=200), nullable=False),
        sa.Column("needs_listening", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Float(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("transcribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recording_id"],
            ["recordings.id"],
            name=op.f("fk_transcripts_recording_id_recordings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"],
            ["staff_users.id"],
            name=op.f("fk_transcripts_reviewed_by_id_staff_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcripts")),
        sa.UniqueConstraint("recording_id", name=op.f("uq_transcripts_recording_id")),
    )
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transcripts_needs_listening"), ["needs_listening"], unique=False)
        batch_op.create_index(batch_op.f("ix_transcripts_priority"), ["priority"], unique=False)
        batch_op.create_index(batch_op.f("ix_transcripts_status"), ["status"], unique=False)

    create_search()


def create_search() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    else:
        op.execute(POSTGRESQL_SEARCH)


SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE transcript_search USING fts5("
    "text, notes, content='transcripts', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER transcripts_search_insert AFTER INSERT ON transcripts BEGIN "
    "INSERT INTO transcript_search(rowid, text, notes) VALUES (new.id, new.text, new.notes); END",
    "CREATE TRIGGER transcripts_search_delete AFTER DELETE ON transcripts BEGIN "
    "INSERT INTO transcript_search(transcript_search, rowid, text, notes) "
    "VALUES ('delete', old.id, old.text, old.notes); END",
    "CREATE TRIGGER transcripts_search_update AFTER UPDATE OF text, notes ON transcripts BEGIN "
    "INSERT INTO transcript_search(transcript_search, rowid, text, notes) "
    "VALUES ('delete', old.id, old.text, old.notes); "
    "INSERT INTO transcript_search(rowid, text, notes) VALUES (new.id, new.text, new.notes); END",
)
POSTGRESQL_SEARCH = (
    "CREATE INDEX ix_transcripts_search ON transcripts "
    "USING gin (to_tsvector('simple'::regconfig, text || ' ' || notes))"
)


def drop_search() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS transcripts_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS transcript_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_transcripts_search")


def downgrade() -> None:
    drop_search()
    with op.batch_alter_table("transcripts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcripts_status"))
        batch_op.drop_index(batch_op.f("ix_transcripts_priority"))
        batch_op.drop_index(batch_op.f("ix_transcripts_needs_listening"))

    op.drop_table("transcripts")
    with op.batch_alter_table("topic_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_tags_topic_id"))
        batch_op.drop_index(batch_op.f("ix_topic_tags_status"))
        batch_op.drop_index(batch_op.f("ix_topic_tags_recording_id"))

    op.drop_table("topic_tags")
    with op.batch_alter_table("topic_keywords", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_topic_keywords_topic_id"))
        batch_op.drop_index(batch_op.f("ix_topic_keywords_language_code"))

    op.drop_table("topic_keywords")
