"""Quiz items and courses: what curators may save, and the clear refusals (nothing half-saved)."""

import io

import pytest
from sqlalchemy import func, select

from audio.models import PromptAudio
from core.db import db
from learning import courses, quizzes
from learning.errors import LearningError
from learning.models import Course, QuizItem, QuizItemVersion
from tests.helpers import csrf_token
from tests.learning_fixtures import make_course, make_item, make_lesson


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (QuizItem, QuizItemVersion, Course, PromptAudio)
    )


def good_form(**changes) -> dict:
    form = quizzes.item_form(
        "What rests a full pit?", {"1": "a month", "2": "a year"}, "2", "A year.", language="en"
    )
    form.update(changes)
    return form


def test_an_item_is_saved_with_its_keys_wording_and_status():
    lesson = make_lesson()
    item = make_item(lesson, right="3", keys="139")
    assert (item.option_keys, item.right_key, item.lesson_id, item.status) == (
        "139",
        "3",
        lesson.id,
        "published",
    )
    assert item.version("en").labels == {"1": "one month", "3": "one week", "9": "choice 9"}
    assert item.version("hi").question.endswith("(hi)")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"right_key": ""}, "choose the right key"),
        ({"right_key": "3"}, "is not one of the option keys"),
        ({"key_2": "0"}, "one digit from 1 to 9"),
        ({"key_2": "12"}, "one digit from 1 to 9"),
        ({"key_2": "1"}, "two options use key 1"),
        ({"key_2": "", "label_en_2": ""}, "2 to 4 options"),
        (
            {
                "key_3": "3",
                "label_en_3": "c",
                "key_4": "4",
                "label_en_4": "d",
                "key_5": "5",
                "label_en_5": "e",
            },
            "not 5",
        ),
        ({"label_en_2": ""}, "say what key 2 stands for"),
        ({"explanation_en": ""}, "write the short explanation"),
        ({"question_en": ""}, "at least one language"),
        ({"lesson_id": "999"}, "does not exist"),
    ],
)
def test_bad_items_are_refused_with_a_clear_message_and_nothing_saved(changes, message):
    before = counts()
    with pytest.raises(LearningError, match=message):
        quizzes.save_item(None, good_form(**changes), None)
    assert counts() == before


def test_audio_that_fails_the_audio_checks_saves_nothing():
    before = counts()
    upload = quizzes.Upload(io.BytesIO(b"not audio at all" * 100), "question.wav")
    with pytest.raises(LearningError, match="question audio"):
        quizzes.save_item(None, good_form(), None, {"en": upload})
    assert counts() == before


def test_a_course_with_no_lessons_is_refused():
    before = counts()
    with pytest.raises(LearningError, match="at least one lesson"):
        courses.save_course(None, {"title_en": "Empty", "lesson_ids": []}, None)
    assert counts() == before


def test_a_course_keeps_lesson_order_and_its_tests():
    first, second = make_lesson("One"), make_lesson("Two")
    item = make_item(first)
    course = make_course([second, first], post_items=[item])
    assert [place.lesson_id for place in course.lessons] == [second.id, first.id]
    assert [i.id for i in course.test_items("post")] == [item.id]


def test_curators_author_items_in_the_browser_form(client, login):
    login("curator")
    lesson = make_lesson()
    page = client.get("/learning/items/new")
    assert page.status_code == 200 and "Right key" in page.get_data(as_text=True)
    form = {
        **good_form(lesson_id=str(lesson.id), status="published"),
        "csrf_token": csrf_token(client, "/learning/items/new"),
    }
    response = client.post("/learning/items/new", data=form)
    assert response.status_code == 302
    item = db.session.scalar(select(QuizItem))
    assert (item.right_key, item.lesson_id) == ("2", lesson.id)
    bad = {**form, "right_key": ""}
    html = client.post("/learning/items/new", data=bad).get_data(as_text=True)
    assert "choose the right key" in html
    assert db.session.scalar(select(func.count()).select_from(QuizItem)) == 1


def test_officers_may_not_author_items(client, login):
    login("officer", districts=("Sitapur",))
    assert client.get("/learning/items/new").status_code == 403


def test_the_replace_page_refuses_clearly_and_replaces_once(client, login):
    login("curator")
    old, new = make_lesson("Old advice"), make_lesson("New advice")
    token = csrf_token(client, "/learning/replace")
    same = client.post(
        "/learning/replace", data={"old_lesson_id": old.id, "new_lesson_id": old.id, "csrf_token": token}
    )
    assert "a lesson cannot replace itself" in same.get_data(as_text=True)
    blank = client.post(
        "/learning/replace", data={"old_lesson_id": "", "new_lesson_id": "", "csrf_token": token}
    )
    assert "choose both lessons" in blank.get_data(as_text=True)
    done = client.post(
        "/learning/replace", data={"old_lesson_id": old.id, "new_lesson_id": new.id, "csrf_token": token}
    )
    assert done.status_code == 302
    again = client.post(
        "/learning/replace", data={"old_lesson_id": old.id, "new_lesson_id": new.id, "csrf_token": token}
    )
    assert "already replaced" in again.get_data(as_text=True)


def test_ids_beyond_any_row_and_odd_dates_are_refused_not_500(client, login):
    login("admin")
    huge = str(2**40)
    token = csrf_token(client, "/learning/items/new")
    item = client.post("/learning/items/new", data={**good_form(lesson_id=huge), "csrf_token": token})
    assert "the lesson this item checks does not exist" in item.get_data(as_text=True)
    course = client.post(
        "/learning/courses/new", data={"title_en": "X", "lesson_ids": [huge], "csrf_token": token}
    )
    assert "at least one lesson" in course.get_data(as_text=True)
    replaced = client.post(
        "/learning/replace", data={"old_lesson_id": huge, "new_lesson_id": "1", "csrf_token": token}
    )
    assert "choose both lessons" in replaced.get_data(as_text=True)
    lesson = make_lesson()
    saved = courses.save_course(None, {"title_en": "Y", "lesson_ids": [str(lesson.id)]}, None)
    enrol = client.post(
        f"/learning/courses/{saved.id}/enrol",
        data={"starts_at": "0001-01-01T10:00", "district_ids": [huge], "csrf_token": token},
    )
    assert "first weekly lesson" in enrol.get_data(as_text=True)
