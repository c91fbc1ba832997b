"""Per-process copies of rarely changed rows: reused between steps, dropped by any write to their tables."""

from sqlalchemy import select, update

from core import kept_rows
from core.db import db
from core.models import Language


def spoken_names() -> dict[str, str]:
    loads.append(1)
    return {code: name for code, name in db.session.execute(select(Language.code, Language.name))}


loads: list[int] = []


def names() -> dict[str, str]:
    return kept_rows.kept("test_language_names", ("languages",), spoken_names)


def test_a_copy_is_read_once_then_kept():
    loads.clear()
    assert names() == names() and names()["en"]
    assert len(loads) == 1


def test_an_orm_change_committed_here_is_seen_at_once():
    loads.clear()
    names()
    db.session.get(Language, "en").name = "English (India)"
    db.session.commit()
    assert names()["en"] == "English (India)"


def test_a_core_update_and_a_rollback_drop_the_copy():
    names()
    db.session.execute(update(Language).where(Language.code == "en").values(name="Changed"))
    assert names()["en"] == "Changed"  # this session sees its own write
    db.session.rollback()
    assert names()["en"] != "Changed"  # and the copy read in between is gone with it


def test_another_process_change_is_seen_after_the_keep_time(monkeypatch):
    names()
    with db.engine.connect() as other:  # stands for another process: its writes fire no hook here
        other.exec_driver_sql("UPDATE languages SET name = 'Elsewhere' WHERE code = 'en'")
        other.commit()
    assert names()["en"] != "Elsewhere"  # the copy, for up to KEEP_SECONDS
    later = kept_rows.time.monotonic() + kept_rows.KEEP_SECONDS + 1
    monkeypatch.setattr(kept_rows.time, "monotonic", lambda: later)
    assert names()["en"] == "Elsewhere"
