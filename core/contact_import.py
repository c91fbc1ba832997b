"""Contact CSV import: every row checked before anything is written, then written in small batches.

The check only reads (a dry run writes nothing and takes no write lock); the write commits every
BATCH_ROWS rows, so a call's webhook never waits behind a long import for more than one batch.
Uploads run as a job (core.jobs.import_contacts): the request only saves the file.
"""

import csv
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TextIO

from flask import current_app
from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from core import csv_export
from core.db import db
from core.models import Block, Contact, District, GramPanchayat, Language, State, Topic
from core.people import CSV_COLUMNS, InvalidPhoneError, normalise_phone

BATCH_ROWS = 200
# SQLite's busy handler lets a waiting webhook try again only every 100 ms at most: after each batch
# the import steps aside at least that long (and as long as the batch took), or a webhook could starve.
SQLITE_PAUSE_SECONDS = 0.1
# A batch that holds the write lock longer than this (a busy machine) makes the next ones smaller.
TRANSACTION_SECONDS = 0.1
MIN_BATCH_ROWS = 10
MAX_ERRORS_SHOWN = 200
REPORT_KEPT_SECONDS = 24 * 3600
PLACE_CHAIN = (
    ("state", State, None),
    ("district", District, "state_id"),
    ("block", Block, "district_id"),
    ("gram_panchayat", GramPanchayat, "block_id"),
)
# The columns' names in the uploader's language, for the report's lines.
PLACE_WORDS = {
    "state": lazy_gettext("state"),
    "district": lazy_gettext("district"),
    "block": lazy_gettext("block"),
    "gram_panchayat": lazy_gettext("gram panchayat"),
}


@dataclass
class ContactImport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    problems: int = 0
    errors: list[str] = field(default_factory=list)

    def add_error(self, line: str) -> None:
        """Count a bad row; keep its text only for the first MAX_ERRORS_SHOWN (the report stays small)."""
        self.problems += 1
        if len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append(line)

    def lines(self) -> list[str]:
        """A readable report: each bad row, or what was (or would be) imported."""
        if self.problems:
            hidden = self.problems - len(self.errors)
            more = [gettext("... and %(count)s more problem(s) not listed.", count=hidden)] if hidden else []
            summary = gettext(
                "%(problems)s problem(s) in %(rows)s row(s): nothing was imported.",
                problems=self.problems,
                rows=self.rows,
            )
            return [*self.errors, *more, summary]
        counts = {"new": self.created, "existing": self.updated, "rows": self.rows}
        if self.dry_run:
            return [
                gettext(
                    "%(new)s new and %(existing)s existing contact(s) would be imported from %(rows)s row(s).",
                    **counts,
                )
            ]
        return [
            gettext(
                "%(new)s new and %(existing)s existing contact(s) were imported from %(rows)s row(s).",
                **counts,
            )
        ]


class Lookups:
    """Languages, places and topics read once per import (small tables), so rows cost no queries."""

    def __init__(self, district_ids: list[int] | None = None):
        # An officer's import may only name their own districts; None (admins) allows every place.
        self.district_ids = set(district_ids) if district_ids is not None else None
        self.languages = set(db.session.scalars(select(Language.code)))
        self.topics = {t.slug: t.id for t in db.session.scalars(select(Topic))}
        self.places = {
            column: {
                (getattr(p, parent) if parent else None, p.name.lower()): p.id
                for p in db.session.scalars(select(model))
            }
            for column, model, parent in PLACE_CHAIN
        }


def import_file(file: TextIO, dry_run: bool = False, district_ids: list[int] | None = None) -> ContactImport:
    """Check every row (reading only); unless a dry run or a row is bad, write them in batches."""
    report = ContactImport(dry_run=dry_run)
    lookups = Lookups(district_ids)
    check(file, report, lookups)
    if not report.problems and not dry_run:
        file.seek(0)
        write(file, lookups)
    db.session.rollback()  # end the read transaction: nothing to keep
    return report


def check(file: TextIO, report: ContactImport, lookups: Lookups) -> None:
    """Validate every row and count new and existing contacts; writes nothing."""
    reader = csv.DictReader(file)
    try:
        _check_rows(reader, report, lookups)
    except csv.Error as error:  # a field over the parser's 131,072 characters, a NUL byte...
        report.add_error(
            gettext(
                "line %(line)s: not readable as CSV (a field too long, or %(error)s)",
                line=reader.line_num,
                error=error,
            )
        )


def _check_rows(reader: csv.DictReader, report: ContactImport, lookups: Lookups) -> None:
    if "phone" not in (reader.fieldnames or []):
        report.add_error(gettext("header: the file needs at least a 'phone' column"))
        return
    seen: dict[str, int] = {}
    for batch in _batches(_parsed_rows(reader, lookups)):
        phones = [values["phone"] for _line, _problems, values in batch if values]
        existing = _existing_phones(phones)
        db.session.rollback()  # no read transaction held across the file: SQLite can checkpoint meanwhile
        for line, problems, values in batch:
            report.rows += 1
            _check_row(report, seen, existing, line, problems, values, lookups.district_ids)


def _check_row(report, seen, existing, line, problems, values, district_ids) -> None:
    if values and values["phone"] in seen:
        problems.append(gettext("duplicate of line %(line)s", line=seen[values["phone"]]))
    outside = district_ids is not None and values and values["phone"] in existing
    if outside and existing[values["phone"]] not in district_ids:
        problems.append(gettext("this number belongs to a contact outside your districts"))
    if problems:
        report.add_error(gettext("line %(line)s: %(problems)s", line=line, problems="; ".join(problems)))
        return
    seen[values["phone"]] = line
    if values["phone"] in existing:
        report.updated += 1
    else:
        report.created += 1


def write(file: TextIO, lookups: Lookups) -> None:
    """Create or update the checked rows, committing every BATCH_ROWS so no write lock is held long."""
    size = BatchSize()
    for batch in _batches(_parsed_rows(csv.DictReader(file), lookups), size):
        started = time.monotonic()
        rows = [values for _line, _problems, values in batch]
        contacts = {
            c.phone: c
            for c in db.session.scalars(select(Contact).where(Contact.phone.in_([r["phone"] for r in rows])))
        }
        for values in rows:
            _write_row(contacts.get(values["phone"]), values)
        db.session.commit()
        size.adjust(time.monotonic() - started)
        _step_aside(time.monotonic() - started)


@dataclass
class BatchSize:
    """Rows per write transaction: halved while a transaction takes too long, grown back up to BATCH_ROWS."""

    rows: int = 0

    def __post_init__(self):
        self.rows = self.rows or BATCH_ROWS

    def adjust(self, seconds: float) -> None:
        """Learn from how long the last transaction held the lock."""
        if seconds > 2 * TRANSACTION_SECONDS:
            self.rows = max(MIN_BATCH_ROWS, self.rows // 2)
        elif seconds < TRANSACTION_SECONDS / 2:
            self.rows = min(BATCH_ROWS, self.rows * 2)


def _step_aside(batch_seconds: float) -> None:
    if db.engine.dialect.name == "sqlite":  # PostgreSQL locks rows, not the whole database
        time.sleep(max(SQLITE_PAUSE_SECONDS, batch_seconds))


def _write_row(contact: Contact | None, values: dict) -> None:
    if contact is None:
        contact = Contact(created_by=Contact.IMPORTED, phone=values["phone"])
        db.session.add(contact)
    topic_ids = values.pop("topic_ids")
    if topic_ids:
        contact.topics = [db.session.get(Topic, topic_id) for topic_id in topic_ids]
    for name, value in values.items():
        if value not in (None, ""):
            setattr(contact, name, value)


def _existing_phones(phones: list[str]) -> dict[str, int | None]:
    """The numbers already known, each with its contact's district."""
    if not phones:
        return {}
    found = db.session.execute(select(Contact.phone, Contact.district_id).where(Contact.phone.in_(phones)))
    return dict(found.tuples().all())


def _batches(rows: Iterator, size: BatchSize | None = None) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= (size.rows if size else BATCH_ROWS):
            yield batch
            batch = []
    if batch:
        yield batch


def _parsed_rows(reader: csv.DictReader, lookups: Lookups) -> Iterator[tuple[int, list[str], dict | None]]:
    for line, row in enumerate(reader, start=2):
        problems, values = parse_row(row, lookups)
        yield line, problems, values


def parse_row(row: dict, lookups: Lookups) -> tuple[list[str], dict | None]:
    """(problems, values) for one CSV row; values is None when the phone number is unusable."""
    cell = {column: csv_export.unquote((row.get(column) or "").strip()) for column in CSV_COLUMNS}
    problems = []
    try:
        phone = normalise_phone(cell["phone"])
    except InvalidPhoneError:
        problems.append(phone_problem(cell["phone"]))
        phone = None
    role = cell["role"].lower() or Contact.OTHER
    if role not in Contact.ROLES:
        problems.append(
            gettext(
                "role '%(role)s' is not one of %(roles)s", role=cell["role"], roles=", ".join(Contact.ROLES)
            )
        )
    places, place_problem = _resolve_places(cell, lookups)
    language = cell["language"].lower() or None
    if language and language not in lookups.languages:
        problems.append(gettext("language '%(language)s' is not known", language=cell["language"]))
    topic_ids, topic_problem = _resolve_topics(cell["topics"], lookups)
    problems += [p for p in (place_problem, topic_problem) if p]
    if lookups.district_ids is not None and places.get("district_id") not in lookups.district_ids:
        problems.append(gettext("the district must be one of yours"))
    values = {"phone": phone, "name": cell["name"][:120], "role": role, "language_code": language, **places}
    return problems, ({**values, "topic_ids": topic_ids} if phone else None)


def phone_problem(text: str) -> str:
    """Why a row's phone cell cannot be used, in the uploader's language."""
    if not text:
        return gettext("phone number is empty")
    return gettext("'%(text)s' is not a valid phone number", text=text)


def _resolve_places(cell: dict, lookups: Lookups) -> tuple[dict, str | None]:
    places: dict = {}
    parent_id = None
    for column, _model, _parent in PLACE_CHAIN:
        if not cell[column]:
            break
        place_id = lookups.places[column].get((parent_id, cell[column].lower()))
        if place_id is None:
            place = PLACE_WORDS[column]
            return places, gettext("%(place)s '%(name)s' is not known here", place=place, name=cell[column])
        places[f"{column}_id"] = parent_id = place_id
    return places, None


def _resolve_topics(text: str, lookups: Lookups) -> tuple[list[int], str | None]:
    slugs = {s.strip().lower() for s in text.replace(",", ";").split(";") if s.strip()}
    unknown = slugs - lookups.topics.keys()
    problem = gettext("unknown topic(s): %(topics)s", topics=", ".join(sorted(unknown))) if unknown else None
    return [lookups.topics[s] for s in sorted(slugs - unknown)], problem


# Uploads wait in the instance folder for the job; the job deletes the file when done.


def uploads_dir() -> Path:
    """Where uploaded CSV files and their reports wait (inside the instance folder, private)."""
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def forget_number(phone: str) -> int:
    """Delete waiting uploads and reports that quote this number (erasure); returns how many went."""
    needles = {phone.encode(), phone[-10:].encode()}
    doomed = [path for path in uploads_dir().iterdir() if path.is_file() and _quotes(path, needles)]
    for path in doomed:
        path.unlink(missing_ok=True)
    return len(doomed)


def _quotes(path: Path, needles: set[bytes]) -> bool:
    data = path.read_bytes()
    return any(needle in data for needle in needles)


def new_upload_id() -> str:
    """A random id naming one upload's file and report."""
    return secrets.token_hex(8)


def upload_path(upload_id: str) -> Path:
    return uploads_dir() / f"{upload_id}.csv"


def report_path(upload_id: str) -> Path:
    return uploads_dir() / f"{upload_id}.json"


def run_upload(upload_id: str, dry_run: bool, district_ids: list[int] | None = None) -> ContactImport | None:
    """Import a saved upload, keep its report next to it and delete the file (it holds numbers)."""
    path = upload_path(upload_id)
    if not path.exists():
        return None  # already done (a job can run twice) or erased
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as file:
        report = import_file(file, dry_run=dry_run, district_ids=district_ids)
    report_path(upload_id).write_text(json.dumps(asdict(report)))
    path.unlink()
    prune_reports()
    return report


def prune_reports(max_age_seconds: float = REPORT_KEPT_SECONDS) -> int:
    """Delete reports older than a day: their error lines quote what the file said, numbers included."""
    cutoff = time.time() - max_age_seconds
    old = [p for p in uploads_dir().glob("*.json") if p.stat().st_mtime < cutoff]
    for report in old:
        report.unlink(missing_ok=True)
    return len(old)


def saved_report(upload_id: str) -> ContactImport | None:
    """The report of a finished upload, or None while it waits or runs."""
    if not upload_id.isalnum():
        return None
    path = report_path(upload_id)
    if not path.exists():
        return None
    return ContactImport(**json.loads(path.read_text()))
