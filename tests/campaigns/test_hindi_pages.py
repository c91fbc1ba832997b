"""Campaign and poll pages in Hindi: no English word left on any of them, and CSV headers in Hindi."""

import csv
import io
import re

from sqlalchemy import select

from campaigns import polls, sms
from campaigns.models import CampaignRun, Delivery, PollAnswer
from core.db import db, utcnow
from core.i18n import COOKIE
from core.models import Contact, District, State
from tests.campaigns_fixtures import make_campaign, monday
from tests.factories import make_contact
from tests.helpers import csrf_token, english_left


def _names(*extra: str) -> tuple[str, ...]:
    places = db.session.scalars(select(District.name).union(select(State.name)))
    return (*extra, *places)


def _campaign_with_sends(officer):
    campaign = make_campaign(officer, kind="both", sms_hi="{name} जी, पाठ सुनें", name="गड्ढा सप्ताह")
    person = make_contact(name="Ramesh", district="Sitapur", role="mason")
    run = CampaignRun(campaign=campaign, scheduled_for=utcnow(), audience_size=1, status=CampaignRun.DONE)
    sends = ((Delivery.NO_ANSWER, "no_answer", 1), (Delivery.FAILED, "twilio_30003", 2))
    for state, reason, attempt in sends:
        delivery = Delivery(
            run=run, campaign=campaign, contact=person, channel=Delivery.VOICE, attempt=attempt
        )
        delivery.state = state
        delivery.reason = reason
        db.session.add(delivery)
    db.session.commit()
    return campaign


def _poll_with_answers(officer):
    asked = [polls.QuestionForm("क्या गड्ढे की परत लगी?", "Is the pit lined?", "हाँ | नहीं")]
    poll = polls.create("परत जाँच", asked, False, officer)
    person = db.session.scalar(select(Contact).filter_by(name="Ramesh"))
    db.session.add(
        PollAnswer(
            question_id=poll.questions[0].id,
            call_sid="CA1",
            contact_id=person.id,
            district_id=person.district_id,
            role="mason",
            language_code="hi",
            choice=1,
        )
    )
    db.session.commit()
    return poll


def test_every_campaign_and_poll_page_is_hindi(client, login, clock):
    clock(monday(11))
    officer = login("officer", districts=["Sitapur"])
    campaign = _campaign_with_sends(officer)
    poll = _poll_with_answers(officer)
    client.set_cookie(COOKIE, "hi")
    names = _names(
        officer.username, "Ramesh", "Twin pits (hi)", *sms.PLACEHOLDERS
    )  # placeholders are typed as they are
    pages = (
        "/campaigns/",
        "/campaigns/new",
        f"/campaigns/{campaign.id}",
        f"/campaigns/{campaign.id}/edit",
        "/polls/",
        f"/polls/{poll.id}",
        f"/polls/{poll.id}?by=role",
        f"/polls/{poll.id}?by=language",
    )
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert english_left(response.get_data(as_text=True), names) == set(), path


def test_flash_messages_and_errors_come_in_hindi(client, login):
    officer = login("officer", districts=["Sitapur"])
    campaign = make_campaign(officer)
    client.set_cookie(COOKIE, "hi")
    names = _names(officer.username, campaign.name, "Twin pits (hi)", *sms.PLACEHOLDERS)
    page = client.post(
        f"/campaigns/{campaign.id}/list", data={"csrf_token": _token(client)}, follow_redirects=True
    )
    assert "CSV फ़ाइल चुनें" in page.get_data(as_text=True)
    refused = client.post("/campaigns/new", data={"csrf_token": _token(client), "name": ""})
    assert refused.status_code == 400
    assert english_left(refused.get_data(as_text=True), names) == set()
    paused = client.post(
        f"/campaigns/{campaign.id}/pause", data={"csrf_token": _token(client)}, follow_redirects=True
    )
    assert english_left(paused.get_data(as_text=True), names) == set()


def test_csv_headers_are_hindi_when_the_interface_is(client, login):
    officer = login("officer", districts=["Sitapur"])
    campaign = _campaign_with_sends(officer)
    poll = _poll_with_answers(officer)
    client.set_cookie(COOKIE, "hi")
    for path in (f"/campaigns/{campaign.id}/export.csv", f"/polls/{poll.id}/answers.csv"):
        header = next(csv.reader(io.StringIO(client.get(path).get_data(as_text=True))))
        assert english_left(" ".join(header)) == set(), path
    client.set_cookie(COOKIE, "en")
    header = next(csv.reader(io.StringIO(client.get(f"/polls/{poll.id}/answers.csv").get_data(as_text=True))))
    assert header[:3] == ["question", "choice", "people"]


def _token(client) -> str:
    return csrf_token(client, "/campaigns/new")


def test_the_analytics_page_parts_of_campaigns_are_hindi(client, login):
    """The heading, the filters, the summary's sentences and the reach table; other packages' tables are theirs."""
    officer = login("officer", districts=["Sitapur"])
    campaign = _campaign_with_sends(officer)
    client.set_cookie(COOKIE, "hi")
    names = _names(officer.username, campaign.name)
    page = client.get("/campaigns/analytics").get_data(as_text=True)
    heading = re.search(r'<div class="card">\s*<h1>.*?</div>', page, re.S).group(0)
    filters = re.search(r'<form class="card analytics-filters".*?</form>', page, re.S).group(0)
    reach = re.search(r'<section class="card analytics-table" id="reach".*?</section>', page, re.S).group(0)
    sentences = " ".join(re.findall(r'<span class="sentence">([^<]*)</span>', page))
    for part in (heading, filters, reach, sentences, "संक्षेप में" if "संक्षेप में" in page else "In short"):
        assert english_left(part, names) == set(), part[:80]
    header = next(
        csv.reader(io.StringIO(client.get("/campaigns/analytics/headlines.csv").get_data(as_text=True)))
    )
    assert header == ["तालिका", "आँकड़ा", "संख्या"]
    header = next(
        csv.reader(io.StringIO(client.get("/campaigns/analytics/reach.csv").get_data(as_text=True)))
    )
    assert english_left(" ".join(header)) == set()
