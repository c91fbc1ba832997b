"""API rows: tokens, the API audit log, webhook subscriptions and their deliveries."""

from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow
from core.models import District, StaffUser

api_token_districts = Table(
    "api_token_districts",
    db.metadata,
    Column("token_id", ForeignKey("api_tokens.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)


class ApiToken(db.Model):
    """A machine's key to the API: only a hash of the secret is kept, the secret is shown once."""

    __tablename__ = "api_tokens"

    READ, WRITE = "read", "write"
    SCOPES = (READ, WRITE)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(12))  # the first characters, to tell tokens apart in lists
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10), default=READ)
    all_districts: Mapped[bool] = mapped_column(Boolean, default=False)
    sees_phones: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    districts: Mapped[list[District]] = relationship(secondary=api_token_districts)
    created_by: Mapped[StaffUser | None] = relationship()

    @property
    def writes(self) -> bool:
        """True for read-write tokens."""
        return self.scope == self.WRITE

    def district_ids(self) -> set[int] | None:
        """Districts this token may read and write; None means every district."""
        return None if self.all_districts else {d.id for d in self.districts}


class ApiAuditEntry(db.Model):
    """One write made through the API: which token, what, and how it ended."""

    __tablename__ = "api_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id", ondelete="SET NULL"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(300))
    status_code: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    token: Mapped[ApiToken | None] = relationship()


class WebhookSubscription(db.Model):
    """A URL that wants to hear about some events, with its own signing secret."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[str] = mapped_column(String(500))  # comma-separated event names
    secret: Mapped[str] = mapped_column(String(64))
    allow_private_host: Mapped[bool] = mapped_column(Boolean, default=False)  # an admin's explicit choice
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def event_names(self) -> list[str]:
        """The events this subscription hears, as a list."""
        return [name for name in self.events.split(",") if name]


class WebhookDelivery(db.Model):
    """One event sent (or being sent) to one subscription: the delivery log."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("subscription_id", "event_id"),)

    PENDING, DELIVERED, FAILED, REFUSED = "pending", "delivered", "failed", "refused"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(String(64))  # the same event never makes two deliveries
    contact_id: Mapped[int | None] = mapped_column(Integer, index=True)  # erasure drops these
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    subscription: Mapped[WebhookSubscription] = relationship()
