"""Keypad polls: written by an officer, sent as a campaign, answered by key over signed webhooks, results and CSV."""

import csv
import io

import pytest
from sqlalchemy import select

from campaigns import campaign_runs, polls
from campaigns.models import Campaign, Delivery, Poll, PollAnswer
from core.db import db
from core.models import Contact
from tests.browser import log_in
from tests.campaigns_fixtures import monday
from tests.factories import STAFF_PASSWORD, district, make_contact, make_staff
from tests.helpers import PUBLIC_BASE_URL, csrf_token
from tests.ivr_fixtures import Phone, make_lesson

QUESTIONS = {
    "text_en_0": "Is your twin pit lined with honeycomb brickwork? Press 1 for yes, 2 for no.",
    "text_hi_0": "क्या आपके गड्ढे में जालीदार ईंट की चिनाई है? हाँ के लिए 1, नहीं के लिए 2 दबाएँ।",
    "choices_0": "Yes | No",
    "text_en_1": "How many toilets did you build this month? Press 1 for none, 2 for one to five, 3 for more.",
    "choices_1": "None | 1-5 | More",
}


@pytest.fixture
def workers():
    """Two workers in Sitapur (the poll's audience) in two languages and roles, one in Lucknow."""
    return [
        make_contact(district="Sitapur", language_code="hi", role=Contact.MASON),
        make_contact(district="Sitapur", language_code="en", role=Contact.MOTIVATOR),
        make_contact(district="Lucknow", language_code="en"),
    ]


def run_and_answer(poll: Poll, keys: list[list[str]], work, twilio_post) -> None:
    """Start the poll's campaign now; each called worker answers with their keys through signed webhooks."""
    campaign = db.session.get(Campaign, poll.campaign_id)
    campaign_runs.schedule_campaign(campaign, "now")
    run = campaign_runs.start_run(campaign.id)
    campaign_runs.tick(run.id)
    db.session.commit()
    work("campaigns")
    db.session.expire_all()
    rows = db.session.scalars(select(Delivery).filter_by(run_id=run.id).order_by(Delivery.contact_id)).all()
    assert len(rows) == len(keys)
    for row, pressed in zip(rows, keys, strict=True):
        phone = Phone(twilio_post, row.contact.phone, direction="outbound-api", call_sid=row.provider_sid)
        phone.post(f"{PUBLIC_BASE_URL}/ivr/broadcast/{row.id}")
        for key in pressed:
            phone.press(key)
        assert "Thank you for your answers." in phone.said or "धन्यवाद" in phone.said


def test_a_poll_campaign_answered_by_two_contacts_shows_shares_on_the_page_and_in_the_csv(
    page, live_server, client, clock, workers, work, twilio_post
):
    clock(monday(11))
    officer = make_staff("officer", districts=("Sitapur",))
    log_in(page, live_server, officer.username, STAFF_PASSWORD)
    page.goto(live_server.url + "/polls/")
    page.fill("input[name=title]", "Pit lining check")
    for name, words in QUESTIONS.items():
        page.fill(f"[name={name}]", words)
    page.click("#new-poll button[type=submit]")
    assert "Poll saved." in page.inner_text("body")
    page.select_option("#send-poll select[name=district_ids]", label="Sitapur")
    page.click("#send-poll button[type=submit]")
    poll = db.session.scalar(select(Poll))
    assert poll.campaign_id and "A draft campaign asks this poll" in page.inner_text("body")
    run_and_answer(poll, [["1", "3"], ["2", "3"]], work, twilio_post)
    page.goto(f"{live_server.url}/polls/{poll.id}?by=language")
    first, second = page.locator(".poll-question").all()
    assert first.locator(".poll-results tbody tr").all_inner_texts() == ["Yes\t1\t50.0", "No\t1\t50.0"]
    assert second.locator(".poll-results tbody tr").all_inner_texts() == [
        "None\t0\t0.0",
        "1-5\t0\t0.0",
        "More\t2\t100.0",
    ]
    assert first.locator(".poll-breakdown tbody tr").all_inner_texts() == [
        "English\t0.0\t100.0\t1",  # languages by name, never by code
        "Hindi\t100.0\t0.0\t1",
    ]
    assert first.locator("svg").count() == 1  # the chart
    client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "username": officer.username, "password": STAFF_PASSWORD},
    )
    rows = list(
        csv.DictReader(io.StringIO(client.get(f"/polls/{poll.id}/answers.csv").get_data(as_text=True)))
    )
    assert sorted((r["question"], r["choice"], r["district"]) for r in rows) == [
        ("1", "No", "Sitapur"),
        ("1", "Yes", "Sitapur"),
        ("2", "More", "Sitapur"),
        ("2", "More", "Sitapur"),
    ]


def test_an_anonymous_poll_links_no_answer_to_anyone(client, login, clock, workers, work, twilio_post):
    clock(monday(11))
    officer = login("officer", districts=[district("Sitapur")])
    form = {"csrf_token": csrf_token(client, "/polls/"), "title": "Private", "anonymous": "1", **QUESTIONS}
    client.post("/polls/", data=form)
    poll = db.session.scalar(select(Poll))
    polls.send_as_campaign(poll, [str(district("Sitapur").id)], officer)
    run_and_answer(poll, [["1", "*"], ["2", "1"]], work, twilio_post)
    answers = db.session.scalars(select(PollAnswer)).all()
    assert len(answers) == 3 and {a.contact_id for a in answers} == {None}
    exported = client.get(f"/polls/{poll.id}/answers.csv").get_data(as_text=True)
    assert "contact" not in exported.splitlines()[0] and all(w.phone not in exported for w in workers)


def test_a_poll_is_offered_after_its_lesson_and_answered_once(twilio_post, workers):
    lesson = make_lesson("Pit lining", segments=1)
    poll = polls.create(
        "After the lesson",
        [polls.QuestionForm("", QUESTIONS["text_en_0"], "Yes | No")],
        False,
        make_staff("officer"),
    )
    polls.attach_after_lesson(poll, lesson.id)
    caller = workers[1]
    call = Phone(twilio_post, caller.phone).dial().press("1").stay_silent()
    assert "To answer a few short questions from the Chaupal team, press hash." in call.said
    assert QUESTIONS["text_en_0"] in call.press("#").said
    call.press("1")
    assert "Thank you for your answers." in call.said
    [answer] = db.session.scalars(select(PollAnswer)).all()
    assert answer.contact_id == caller.id and answer.choice == 1 and answer.role == Contact.MOTIVATOR


def test_an_officer_counts_only_their_districts_answers_to_a_national_poll(client, login):
    asked = [polls.QuestionForm(QUESTIONS["text_hi_0"], QUESTIONS["text_en_0"], QUESTIONS["choices_0"])]
    poll = polls.create("National", asked, False, make_staff("admin"))
    question = poll.questions[0]
    sitapur, lucknow = make_contact(district="Sitapur"), make_contact(district="Lucknow")
    polls.answer(question, "CA-sitapur", sitapur, 1, "hi")
    polls.answer(question, "CA-lucknow", lucknow, 2, "hi")
    db.session.commit()
    login("officer", districts=["Sitapur"])
    page = client.get(f"/polls/{poll.id}").get_data(as_text=True)
    assert "Answers from your districts only." in page and "Lucknow" not in page
    rows = list(csv.reader(io.StringIO(client.get(f"/polls/{poll.id}/answers.csv").get_data(as_text=True))))
    assert [row[-1] for row in rows[1:]] == [str(sitapur.id)]  # no other district's people
    assert polls.results(question, {district("Sitapur").id}).rows[0][1:] == (1, 100.0)
    assert polls.results(question).rows[1][1] == 1  # admins and curators count every district
