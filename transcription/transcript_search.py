"""Full-text search over transcripts: SQLite FTS5 or PostgreSQL's text search."""

from sqlalchemy import func, literal_column, select, text

from core.db import db
from transcription import tagging
from transcription.models import Transcript


def search(query: str, limit: int = 50) -> list[Transcript]:
    """Transcripts whose text or curator notes contain every word of the query, best match first."""
    words = tagging.tokens(query)
    if not words:
        return []
    if db.engine.dialect.name == "sqlite":
        ids = _search_sqlite(words, limit)
    else:
        ids = _search_postgresql(words, limit)
    rows = {t.id: t for t in db.session.scalars(select(Transcript).where(Transcript.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def _search_sqlite(words: list[str], limit: int) -> list[int]:
    # Each word quoted, so the query language (AND, NEAR, *, -) in user input is plain text.
    match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
    statement = text(
        "SELECT rowid FROM transcript_search WHERE transcript_search MATCH :match ORDER BY rank LIMIT :limit"
    )
    return list(db.session.scalars(statement, {"match": match, "limit": limit}))


SIMPLE = literal_column("'simple'::regconfig")


def _search_postgresql(words: list[str], limit: int) -> list[int]:
    # The expression repeats the index's (migration transcription_0001) so the GIN index is used.
    document = func.to_tsvector(
        SIMPLE, Transcript.text.op("||")(literal_column("' '")).op("||")(Transcript.notes)
    )
    wanted = func.plainto_tsquery(SIMPLE, " ".join(words))
    statement = (
        select(Transcript.id)
        .where(document.op("@@")(wanted))
        .order_by(func.ts_rank(document, wanted).desc(), Transcript.id)
        .limit(limit)
    )
    return list(db.session.scalars(statement))
