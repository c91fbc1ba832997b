"""The API audit log: every write through the API, whoever's token made it and how it ended."""

from sqlalchemy import select

from api.models import ApiAuditEntry, ApiToken
from core.db import db


def record(token: ApiToken | None, method: str, path: str, status_code: int, detail: str = "") -> None:
    """Write one audit entry in its own commit (the request's own work is already committed or undone)."""
    db.session.rollback()  # never commit half of a failed request along with the audit line
    entry = ApiAuditEntry(
        token_id=token.id if token else None,
        method=method,
        path=path[:300],
        status_code=status_code,
        detail=detail[:2000],
    )
    db.session.add(entry)
    db.session.commit()


def recent(limit: int = 200) -> list[ApiAuditEntry]:
    """The newest audit entries, for the admin page."""
    query = select(ApiAuditEntry).order_by(ApiAuditEntry.id.desc()).limit(limit)
    return list(db.session.scalars(query))
