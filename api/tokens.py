"""Creating, finding and revoking API tokens: the secret is shown once and only its hash is kept."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from api.models import ApiToken
from core.db import db, utcnow
from core.models import District, StaffUser

PREFIX = "chp_"
LAST_USED_EVERY = timedelta(minutes=1)  # one write a minute at most per token, not one per request


def token_hash(secret: str) -> str:
    """The SHA-256 of a token (tokens are long and random, so a plain digest is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    name: str, scope: str, district_ids: list[int] | None, sees_phones: bool, created_by: StaffUser | None
) -> tuple[ApiToken, str]:
    """A new token and its secret (None for district_ids: every district); the caller commits."""
    if scope not in ApiToken.SCOPES:
        raise ValueError(f"scope must be one of {', '.join(ApiToken.SCOPES)}")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip()[:120] or "API token",
        prefix=secret[:10],
        token_hash=token_hash(secret),
        scope=scope,
        all_districts=district_ids is None,
        sees_phones=sees_phones,
        created_by_id=created_by.id if created_by else None,
    )
    if district_ids:
        token.districts = list(db.session.scalars(select(District).where(District.id.in_(district_ids))))
    db.session.add(token)
    return token, secret


def find_token(secret: str) -> ApiToken | None:
    """The live (not revoked) token with this secret, or None."""
    if not secret.startswith(PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).filter_by(token_hash=token_hash(secret)))
    return token if token is not None and token.revoked_at is None else None


def touch(token: ApiToken) -> None:
    """Note that the token was used now; the caller commits."""
    now = utcnow()
    last = token.last_used_at
    if last is None or now - (last if last.tzinfo else last.replace(tzinfo=now.tzinfo)) >= LAST_USED_EVERY:
        token.last_used_at = now


def revoke(token_id: int) -> ApiToken | None:
    """Stop a token working at once; the caller commits."""
    token = db.session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def all_tokens() -> list[ApiToken]:
    """Every token, newest first, for the admin page."""
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))
