"""A person's part of the learning engine, deleted when they ask to be forgotten."""

from sqlalchemy import delete

from core.db import db
from learning.models import Answer, Certificate, Enrolment, Notice, OutreachCall, Reask


def erase_contact(contact_id: int) -> list[str]:
    """Delete the person's answers, schedule, enrolments, certificates and notices; the caller commits."""
    counts = {}
    for label, model in (
        ("quiz answer(s)", Answer),
        ("re-ask schedule row(s)", Reask),
        ("certificate(s)", Certificate),
        ("changed-advice notice(s)", Notice),
        ("learning call record(s)", OutreachCall),
    ):
        result = db.session.execute(delete(model).where(model.contact_id == contact_id))
        counts[label] = result.rowcount  # type: ignore[attr-defined]
    # enrolments go last: certificates and answers referred to them
    result = db.session.execute(delete(Enrolment).where(Enrolment.contact_id == contact_id))
    counts["course enrolment(s)"] = result.rowcount  # type: ignore[attr-defined]
    return [f"{count} {label} deleted" for label, count in counts.items()]
