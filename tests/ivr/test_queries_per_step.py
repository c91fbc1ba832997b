"""What a call step asks the database: the call's language once, the SQLite lock wait once, and no more statements per step than measured."""

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


# Statements per webhook of a returning caller's call, measured after the per-process copies
# (core.kept_rows), one commit a step and one read of the caller (docs/benchmarks.md, B1). Each is the
# count measured then: a change that adds a statement to a step fails here and must say why.
SETTINGS = ("SET ", "PRAGMA ", "SAVEPOINT", "RELEASE SAVEPOINT")  # a connection's settings, not questions
STEP_STATEMENTS = {
    "dial": 18,  # was 28, then 21, 19: the call row, its caller, the start offers (learning, help desk, peers) and
    # the main menu, whose own lesson (unfinished, else next) comes from one read of the caller's progress
    "menu: next lesson": 9,  # was 24, then 17, 10: the menu's offered keys come back in its signed key URL
    "segment heard": 7,  # was 15, then 10: the segment answered is built without its intro (words only)
    "key 6: next lesson": 9,  # was 14, then 10: published lessons are kept per process (audio.playback)
    "back to the list, then the main menu": 6,  # two webhooks; was 23, then 12, 11, 8
}


def test_a_returning_callers_steps_ask_the_database_no_more_than_measured(twilio_post):
    make_lesson("Pit lining", position=0)
    make_lesson("Soak pit", position=1)
    Phone(twilio_post, caller="+919800070002").dial().press("2").hang_up()  # registered, English chosen
    phone = Phone(twilio_post, caller="+919800070002")
    seen = {
        "dial": statements_during(phone.dial),
        "menu: next lesson": statements_during(lambda: phone.press("1")),
        "segment heard": statements_during(phone.stay_silent),
        "key 6: next lesson": statements_during(lambda: phone.press("6")),
        "back to the list, then the main menu": statements_during(lambda: phone.press("*").press("*")),
    }
    assert phone.twiml.find("Gather") is not None
    counts = {
        step: len([s for s in statements if not s.startswith(SETTINGS)]) for step, statements in seen.items()
    }
    over = {
        step: (count, STEP_STATEMENTS[step])
        for step, count in counts.items()
        if count > STEP_STATEMENTS[step]
    }
    assert not over, f"statements (now, measured): {over}"
