"""Per-request work a call step does once, not at every ask: the call's language and the SQLite lock wait."""

from sqlalchemy import event

from core.db import db
from tests.ivr_fixtures import Phone, make_lesson


def statements_during(action) -> list[str]:
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def test_a_step_reads_the_calls_language_once_though_it_commits_in_between(twilio_post):
    make_lesson()
    phone = Phone(twilio_post, caller="+919800070001").dial()
    seen = statements_during(lambda: phone.press("1"))  # into the topics: commits, then speaks
    assert phone.twiml.find("Gather") is not None
    assert sum(1 for s in seen if "FROM languages WHERE languages.code" in s) <= 1
    if db.engine.dialect.name == "sqlite":
        assert sum(1 for s in seen if s.startswith("PRAGMA busy_timeout")) <= 1
