"""Reference data (languages, topics, geography), demo staff and contacts, geography import."""

import csv
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select

from core.auth import create_staff, hash_password
from core.db import db
from core.models import Block, Contact, District, GramPanchayat, Language, StaffUser, State, Topic

SEED_DATA = Path(__file__).parent / "seed_data"
GEOGRAPHY_COLUMNS = ("state", "district", "block", "gram_panchayat")
# optional columns with each place's name in Hindi, e.g. district_hi = सीतापुर
HINDI_COLUMNS = tuple(f"{column}_hi" for column in GEOGRAPHY_COLUMNS)
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
LANGUAGES = [
    # code, name, native name, <Say> language, <Say> voice, keypad digit
    ("hi", "Hindi", "हिन्दी", "hi-IN", "Polly.Aditi", 1),
    ("en", "English", "English", "en-IN", "Polly.Raveena", 2),
]
DEMO_CONTACTS = [
    ("+919800000001", "Ramesh", Contact.MASON, "hi", "Sitapur", "Biswan"),
    ("+919800000002", "Sunita", Contact.MOTIVATOR, "hi", "Sitapur", "Mahmudabad"),
    ("+919800000003", "Imran", Contact.MASON, "hi", "Lucknow", "Malihabad"),
    ("+919800000004", "Kavita", Contact.MOTIVATOR, "en", "Gaya", "Bodh Gaya"),
    ("+919800000005", "Mohan", Contact.MASON, "hi", "Udaipur", "Girwa"),
]


def already_seeded() -> bool:
    """True once staff accounts exist."""
    return bool(db.session.scalar(select(func.count()).select_from(StaffUser)))


def seed_reference() -> None:
    """Add languages, topics and the seed geography that are not there yet."""
    for code, name, native, say_language, voice, digit in LANGUAGES:
        if db.session.get(Language, code) is None:
            db.session.add(
                Language(
                    code=code,
                    name=name,
                    native_name=native,
                    say_language=say_language,
                    say_voice=voice,
                    menu_digit=digit,
                )
            )
    known = set(db.session.scalars(select(Topic.slug)))
    with (SEED_DATA / "topics.csv").open(encoding="utf-8") as rows:
        for position, row in enumerate(csv.DictReader(rows)):
            if row["slug"] not in known:
                db.session.add(Topic(position=position, **row))
    db.session.commit()
    with (SEED_DATA / "geography.csv").open(encoding="utf-8") as rows:
        import_geography(rows)


def seed_demo_staff() -> list[tuple[str, str, str]]:
    """Create admin, curator and officer accounts with random passwords; returns the logins."""
    logins = []
    sitapur = db.session.scalar(select(District).filter_by(name="Sitapur"))
    for username, role in (("admin", "admin"), ("curator", "curator"), ("officer", "officer")):
        password = secrets.token_urlsafe(9)
        user = create_staff(username, password, role, name=username.title(), is_expert=role == "curator")
        if role == StaffUser.OFFICER and sitapur:
            user.districts = [sitapur]
        logins.append((username, role, password))
    seed_demo_contacts()
    db.session.commit()
    return logins


def seed_demo_contacts() -> None:
    """A handful of field workers across the seed districts."""
    for phone, name, role, language, district_name, block_name in DEMO_CONTACTS:
        if db.session.scalar(select(Contact).filter_by(phone=phone)):
            continue
        district = db.session.scalar(select(District).filter_by(name=district_name))
        block = db.session.scalar(select(Block).filter_by(name=block_name))
        db.session.add(
            Contact(
                phone=phone,
                name=name,
                role=role,
                language_code=language,
                state_id=district.state_id,
                district=district,
                block=block,
                created_by=Contact.STAFF_ADDED,
            )
        )


def districts_named(names) -> list[District]:
    """Districts by name; LookupError naming any that do not exist."""
    found = []
    for name in names:
        district = db.session.scalar(select(District).filter(func.lower(District.name) == name.lower()))
        if district is None:
            raise LookupError(f"no district named '{name}'")
        found.append(district)
    return found


def set_password(username: str, password: str) -> None:
    """Set a staff password and end that account's sessions everywhere."""
    user = db.session.scalar(select(StaffUser).filter_by(username=username.strip().lower()))
    if user is None:
        raise LookupError(f"no staff account named '{username}'")
    if len(password) < 10:
        raise ValueError("password must be at least 10 characters")
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)
    db.session.commit()


@dataclass
class ImportReport:
    rows: int = 0
    created: dict = field(default_factory=lambda: dict.fromkeys(GEOGRAPHY_COLUMNS, 0))
    errors: list[str] = field(default_factory=list)
    dry_run: bool = False
    named: int = 0  # places whose Hindi name was set or changed

    def lines(self) -> list[str]:
        if self.errors:
            return [*self.errors, f"{len(self.errors)} bad row(s): nothing was imported."]
        verb = "would add" if self.dry_run else "added"
        counts = ", ".join(f"{n} {kind.replace('_', ' ')}(s)" for kind, n in self.created.items())
        named = (
            f"; {'would name' if self.dry_run else 'named'} {self.named} place(s) in Hindi"
            if self.named
            else ""
        )
        return [f"{self.rows} row(s) read; {verb} {counts}{named}."]


def import_geography(file: TextIO, dry_run: bool = False) -> ImportReport:
    """Import geography rows all-or-nothing; the report names each bad row."""
    report = ImportReport(dry_run=dry_run)
    reader = csv.DictReader(file)
    missing = set(GEOGRAPHY_COLUMNS) - set(reader.fieldnames or [])
    if missing:
        report.errors.append(f"header: missing column(s) {', '.join(sorted(missing))}")
        return report
    places: dict[tuple, Any] = {}  # (model, *keys) -> the place
    for line_number, row in enumerate(reader, start=2):
        report.rows += 1
        names = [(row.get(column) or "").strip() for column in GEOGRAPHY_COLUMNS]
        hindi = [(row.get(column) or "").strip() for column in HINDI_COLUMNS]
        if not all(names[:3]):
            report.errors.append(f"line {line_number}: state, district and block are required")
            continue
        not_devanagari = [
            c for c, name in zip(HINDI_COLUMNS, hindi, strict=True) if name and not DEVANAGARI.search(name)
        ]
        if not_devanagari:
            report.errors.append(
                f"line {line_number}: {', '.join(not_devanagari)} must be written in Devanagari"
            )
            continue
        _add_place(report, places, names, hindi)
    if report.errors or dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


def _add_place(report: ImportReport, places: dict, names: list[str], hindi: list[str]) -> None:
    state_name, district_name, block_name, gp_name = names
    state = _get_or_add(report, places, "state", State, name=state_name)
    district = _get_or_add(report, places, "district", District, state=state, name=district_name)
    block = _get_or_add(report, places, "block", Block, district=district, name=block_name)
    found = [state, district, block]
    if gp_name:
        found.append(_get_or_add(report, places, "gram_panchayat", GramPanchayat, block=block, name=gp_name))
    for place, name_hi in zip(found, hindi, strict=False):
        if name_hi and place.name_hi != name_hi:
            place.name_hi = name_hi
            report.named += 1


def _get_or_add(report: ImportReport, places: dict, kind: str, model, **keys):
    """The place with these keys: seen earlier in this import, in the database, or added now."""
    # Parents are keyed as objects, so a place added in this import needs no flush of its own to get
    # an id for its children's lookups (a flush per place was most of seeding's time).
    seen = (model, *keys.items())
    if seen not in places:
        places[seen] = _existing(model, keys) or _added(report, kind, model, keys)
    return places[seen]


def _existing(model, keys: dict):
    parents: list[Any] = [value for value in keys.values() if isinstance(value, db.Model)]
    if any(parent.id is None for parent in parents):  # a parent added in this import has no children yet
        return None
    columns = {f"{k}_id" if isinstance(v, db.Model) else k: getattr(v, "id", v) for k, v in keys.items()}
    return db.session.scalar(select(model).filter_by(**columns))


def _added(report: ImportReport, kind: str, model, keys: dict):
    if kind == "district":
        keys = {**keys, "position": len(keys["state"].districts)}
    place = model(**keys)
    db.session.add(place)
    report.created[kind] += 1
    return place
