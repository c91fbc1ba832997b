"""Shared people and places: contacts, staff, geography, topics and languages."""

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import db, utcnow
from core.logs import mask_phone


class Language(db.Model):
    __tablename__ = "languages"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    native_name: Mapped[str] = mapped_column(String(60))
    say_language: Mapped[str] = mapped_column(String(16))  # <Say language="...">
    say_voice: Mapped[str] = mapped_column(String(60), default="")
    menu_digit: Mapped[int] = mapped_column(Integer, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Topic(db.Model):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_hi: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def name(self, language: str) -> str:
        return self.name_hi if language == "hi" else self.name_en


class PlaceNames:
    """A place's name per language: `name` as written in English (and in imports), `name_hi` in Devanagari."""

    if TYPE_CHECKING:
        name: str  # each place's own column

    name_hi: Mapped[str] = mapped_column(String(120), default="")

    def name_in(self, language) -> str:
        """The name callers and staff of this language know (a Language or its code); else `name`."""
        code = getattr(language, "code", language)
        return (self.name_hi if code == "hi" else "") or self.name

    @property
    def label(self) -> str:
        """Both names, e.g. 'Sitapur · सीतापुर' (pages use core.words.place_name: the reader's language)."""
        return f"{self.name} · {self.name_hi}" if self.name_hi and self.name_hi != self.name else self.name


class State(PlaceNames, db.Model):
    __tablename__ = "states"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    districts: Mapped[list["District"]] = relationship(back_populates="state")


class District(PlaceNames, db.Model):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("states.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)  # keypad order within the state
    state: Mapped[State] = relationship(back_populates="districts")
    blocks: Mapped[list["Block"]] = relationship(back_populates="district")


class Block(PlaceNames, db.Model):
    __tablename__ = "blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    district: Mapped[District] = relationship(back_populates="blocks")


class GramPanchayat(PlaceNames, db.Model):
    __tablename__ = "gram_panchayats"

    id: Mapped[int] = mapped_column(primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("blocks.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    block: Mapped[Block] = relationship()


contact_topics = Table(
    "contact_topics",
    db.metadata,
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_id", ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True),
)


class Contact(db.Model):
    """A person who calls the line or is reached by it; the phone number is personal data."""

    __tablename__ = "contacts"

    MASON, MOTIVATOR, OFFICIAL, OTHER = "mason", "motivator", "official", "other"
    ROLES = (MASON, MOTIVATOR, OFFICIAL, OTHER)
    SELF_REGISTERED, IMPORTED, STAFF_ADDED = "phone", "import", "staff"
    DEMO = "demo"  # a synthetic caller of the demo (never made in production)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(20), default=OTHER)
    language_code: Mapped[str | None] = mapped_column(ForeignKey("languages.code"))
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    block_id: Mapped[int | None] = mapped_column(ForeignKey("blocks.id"))
    gram_panchayat_id: Mapped[int | None] = mapped_column(ForeignKey("gram_panchayats.id"))
    created_by: Mapped[str] = mapped_column(String(10), default=SELF_REGISTERED)
    missed_call_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    district: Mapped[District | None] = relationship()
    block: Mapped[Block | None] = relationship()
    topics: Mapped[list[Topic]] = relationship(secondary=contact_topics)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


staff_districts = Table(
    "staff_districts",
    db.metadata,
    Column("staff_id", ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True),
    Column("district_id", ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)


class StaffUser(UserMixin, db.Model):
    """Someone who works in the web workspace: admin, curator or district officer."""

    __tablename__ = "staff_users"

    ADMIN, CURATOR, OFFICER = "admin", "curator", "officer"
    ROLES = (ADMIN, CURATOR, OFFICER)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    is_expert: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str] = mapped_column(String(20), default="")
    session_token: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    districts: Mapped[list[District]] = relationship(secondary=staff_districts)

    def get_id(self) -> str:
        # The token changes at logout, so a copied session cookie stops working.
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    def district_ids(self) -> set[int] | None:
        """Districts this person may see; None means all (admins and curators)."""
        if self.role == self.OFFICER:
            return {d.id for d in self.districts}
        return None

    def may_see(self, contact: Contact | None) -> bool:
        """True if this person may see the contact (None, a number nobody has, is anyone's to see)."""
        allowed = self.district_ids()
        return contact is None or allowed is None or contact.district_id in allowed


class SuppressionEvent(db.Model):
    """Why and when a contact stopped (or restarted) calls and messages: the opt-out history."""

    __tablename__ = "suppression_events"

    OPT_OUT, OPT_IN = "opt_out", "opt_in"
    # sources: the SMS keyword, the phone menu, a staff member, the carrier (Twilio error 21610),
    # an opt-out kept through the erasure of an earlier contact with the same number, or a staff
    # member's own test phone on the phone simulator (staff_id says who)
    SMS, IVR, STAFF, CARRIER, ERASED, SIMULATOR = "sms", "ivr", "staff", "carrier", "erased", "simulator"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ErasedOptOut(db.Model):
    """An opt-out that outlives its contact's erasure: a keyed fingerprint of the number, never the number."""

    __tablename__ = "erased_opt_outs"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SandboxMessage(db.Model):
    """An SMS or call sent through the Twilio sandbox (development without credentials), for the simulator."""

    __tablename__ = "sandbox_messages"

    SMS, CALL = "sms", "call"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    to: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")  # TwiML URL of a call
    status_callback: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default="queued")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SandboxRecording(db.Model):
    """Audio recorded in the phone simulator, served the way Twilio serves a recording."""

    __tablename__ = "sandbox_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(40), unique=True)
    call_sid: Mapped[str] = mapped_column(String(40), default="")
    content_type: Mapped[str] = mapped_column(String(40), default="audio/x-wav")
    data: Mapped[bytes] = mapped_column(LargeBinary)
    duration_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NumberReveal(db.Model):
    """A staff member was shown a contact's full number: who, whose and when (the audit of reveals).

    Pages show numbers masked; the full number appears only on an explicit request, which is recorded
    here. An erasure keeps the fact of the reveal and drops the link to the person.
    """

    __tablename__ = "number_reveals"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    staff: Mapped[StaffUser | None] = relationship()
