"""Learning's pages, flash messages and CSV headers in Hindi when the interface is Hindi."""

import csv
import io

from sqlalchemy import select

from core.db import db
from core.i18n import COOKIE
from core.models import District
from learning import certificates, enrolment
from learning.models import Answer, Enrolment
from tests.factories import make_contact, make_staff
from tests.helpers import csrf_token, english_left
from tests.learning_fixtures import START, make_course, make_item, make_lesson

QUESTION = "गड्ढा कितने समय आराम करे?"
# what staff typed in English (the English wording of the item, lesson titles): allowed on a Hindi page
TYPED = (
    "गड्ढे को आराम (en) (hi)",
    f"{QUESTION} (hi)",
    "one month one year one week A full pit rests one year.",
)


def _learning_world():
    """A course with a pre- and post-test, a series in Sitapur, a certified learner and a stuck one."""
    lesson = make_lesson("गड्ढे को आराम")
    item = make_item(lesson, right="2", question=QUESTION)
    course = make_course([lesson], post_items=[item], pre_items=[item])
    officer = make_staff(role="officer", districts=("Sitapur",))
    sitapur = db.session.scalar(select(District).filter_by(name="Sitapur"))
    form = {"starts_at": START, "district_ids": [str(sitapur.id)], "theme": "दो गड्ढों का महीना"}
    enrolment.start_series(course, form, officer)
    learner = make_contact(name="Sunita Devi", district="Sitapur")
    learner_enrolment = enrolment.enrol(course, learner)
    db.session.flush()
    for stage, key in ((Answer.PRE, "1"), (Answer.POST, "2")):
        db.session.add(
            Answer(
                call_sid="CA1",
                contact_id=learner.id,
                item_id=item.id,
                stage=stage,
                key=key,
                correct=key == "2",
            )
        )
    learner_enrolment.step = Enrolment.DONE
    certificate = certificates.finish(learner_enrolment)
    db.session.commit()
    return course, item, certificate


def _names(*users) -> tuple[str, ...]:
    places = db.session.scalars(select(District.name))
    return (*(user.username for user in users), "Sunita Devi", *places, *TYPED)


def _hindi(client) -> None:
    client.set_cookie(COOKIE, "hi")


def test_every_learning_page_is_hindi_for_an_admin(client, login, learning_clock):
    learning_clock(START)
    course, item, certificate = _learning_world()
    admin = login("admin", districts=["Sitapur"])
    _hindi(client)
    pages = (
        "/learning/",
        "/learning/items/new",
        f"/learning/items/{item.id}",
        "/learning/courses/new",
        f"/learning/courses/{course.id}",
        f"/learning/courses/{course.id}/enrol",
        "/learning/calendar",
        "/learning/replace",
        "/learning/analytics",
        f"/verify/{certificate.code}",
        "/verify/00000000",
    )
    for path in pages:
        page = client.get(path).get_data(as_text=True)
        assert english_left(page, _names(admin)) == set(), path
    calendar = client.get("/learning/calendar").get_data(as_text=True)
    assert "जनवरी 2030" in calendar and "सीतापुर" in calendar and "दो गड्ढे" in calendar
    verified = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "सीतापुर" in verified and "दो गड्ढे" in verified


def test_learning_pages_are_hindi_for_an_officer(client, login, learning_clock):
    learning_clock(START)
    course, _item, _certificate = _learning_world()
    officer = login("officer", districts=["Sitapur"])
    _hindi(client)
    for path in (
        "/learning/",
        f"/learning/courses/{course.id}/enrol",
        "/learning/calendar",
        "/learning/analytics",
    ):
        page = client.get(path).get_data(as_text=True)
        assert english_left(page, _names(officer)) == set(), path


def test_flash_messages_and_refusals_come_in_hindi(client, login, learning_clock):
    learning_clock(START)
    lesson = make_lesson("गड्ढे को आराम")
    curator = login("curator")
    _hindi(client)
    token = csrf_token(client, "/learning/replace")
    refused = client.post("/learning/replace", data={"old_lesson_id": "", "csrf_token": token})
    assert "दोनों पाठ चुनें" in refused.get_data(as_text=True)
    assert english_left(refused.get_data(as_text=True), _names(curator)) == set()
    untitled = client.post("/learning/courses/new", data={"title_en": "", "csrf_token": token})
    assert "कोर्स का शीर्षक लिखें" in untitled.get_data(as_text=True)
    saved = client.post(
        "/learning/courses/new",
        data={"title_hi": "दो गड्ढे", "title_en": "दो गड्ढे", "lesson_ids": [lesson.id], "csrf_token": token},
        follow_redirects=True,
    )
    assert "कोर्स सहेजा गया।" in saved.get_data(as_text=True)
    assert english_left(saved.get_data(as_text=True), _names(curator)) == set()


def _rows(client, path: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(client.get(path).get_data(as_text=True))))


def test_csv_headers_and_names_come_in_the_interface_language(client, login, learning_clock):
    learning_clock(START)
    _learning_world()
    login("officer", districts=["Sitapur"])
    _hindi(client)
    assert _rows(client, "/learning/certificates.csv") == [
        ["कोर्स", "ज़िला", "प्रमाणपत्र मिले"],
        ["दो गड्ढे", "सीतापुर", "1"],
    ]
    assert _rows(client, "/learning/analytics/courses.csv")[0] == [
        "कोर्स",
        "नामांकित",
        "शुरू किया",
        "पूरा किया",
        "प्रमाणपत्र मिले",
    ]
    for name in ("certified", "gain", "items", "stuck", "changed-advice"):
        header = _rows(client, f"/learning/analytics/{name}.csv")[0]
        assert english_left(",".join(header)) == set(), name
    client.set_cookie(COOKIE, "en")
    assert _rows(client, "/learning/certificates.csv")[0] == ["course", "district", "certified"]
