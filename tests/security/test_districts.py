"""District walls: an officer reaches nothing of another district, by any route, GET or POST.

Officers are the only staff kept to districts (curators and admins work nationally; the role matrix in
test_security_routes keeps each role to its pages). Every route an officer may use is walked with the
ids of another district's objects; a new route with an id nobody here knows how to fill fails the test.
"""

import json

import pytest
from werkzeug.routing import Rule

from campaigns import polls
from campaigns.models import Campaign
from core import contact_import
from core.db import db
from core.models import Contact, SandboxMessage
from ivr import simulated_numbers
from tests.campaigns_fixtures import make_campaign
from tests.factories import make_contact, make_staff
from tests.helpers import csrf_token, log_in
from tests.ivr_fixtures import make_lesson
from tests.learning_fixtures import make_course
from tests.security.test_routes import is_webhook, url_for_rule

SECRET_NAME = "Kamla Devi of Lucknow"
# Ids of national content (a course is shared by every district; its enrolments are walled instead).
SHARED_IDS = {"course_id"}
SECRET_CAMPAIGN = "Lucknow pit emptying week"
SECRET_POLL = "Lucknow soak pit survey"


@pytest.fixture
def other_district(app):
    """Lucknow's contact, campaign, simulated call and sandbox call, made by Lucknow's officer."""
    contact = make_contact(district="Lucknow", name=SECRET_NAME)
    officer = make_staff(role="officer", districts=("Lucknow",))
    campaign = make_campaign(user=officer, name=SECRET_CAMPAIGN)
    call = SandboxMessage(sid="CA" + "5" * 32, kind=SandboxMessage.CALL, to=contact.phone, url="/ivr/voice")
    db.session.add(call)
    db.session.commit()
    report = contact_import.report_path("lucknowupload")  # an import report of Lucknow's officer
    report.write_text(json.dumps({"dry_run": True, "errors": [f"line 2: {SECRET_NAME}"]}))
    poll = polls.create(SECRET_POLL, [polls.QuestionForm("क्या?", "Used it?", "yes|no")], False, officer)
    ids = {
        "poll_id": poll.id,
        "contact_id": contact.id,
        "campaign_id": campaign.id,
        "message_id": call.id,
        "upload_id": "lucknowupload",
    }
    shared = {"course_id": make_course([make_lesson()]).id}
    return {**ids, **shared, "call_id": simulated_call(app, officer), "phone": contact.phone}


def simulated_call(app, officer) -> str:
    """The id of a call the officer started on the phone simulator (from their own test phone)."""
    browser = app.test_client()
    log_in(browser, officer.username)
    headers = {"X-CSRFToken": csrf_token(browser, "/simulator/")}
    phone = simulated_numbers.numbers_of(officer.id)[0]
    return browser.post("/simulator/api/call", json={"caller": phone}, headers=headers).get_json()["call_id"]


def officer_rules(app) -> list[Rule]:
    """Every staff route an officer may use (webhooks, the sandbox and static files aside)."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if "officer" in getattr(app.view_functions[rule.endpoint], "allowed_roles", ())
        and not is_webhook(app, rule.endpoint)
    ]


def with_ids(rule: Rule, ids: dict) -> str:
    """The rule's URL with the other district's ids in its id arguments."""
    unknown = [name for name in rule.arguments if name.endswith("_id") and name not in ids]
    assert unknown == [], f"{rule.rule}: teach this test which object {unknown} names"
    return url_for_rule(rule, **{name: ids[name] for name in rule.arguments if name in ids})


def leaks(body: str, other: dict) -> list[str]:
    """What of the other district shows in a response."""
    secrets = (SECRET_NAME, SECRET_CAMPAIGN, SECRET_POLL, other["phone"], other["phone"][-10:])
    return [secret for secret in secrets if secret in body]


def test_an_officer_reaches_no_object_of_another_district(app, client, login, other_district):
    login("officer", districts=("Sitapur",))
    token = csrf_token(client, "/campaigns/")
    problems = []
    for rule in officer_rules(app):
        url = with_ids(rule, other_district)
        for method in sorted(rule.methods & {"GET", "POST"}):
            data = {"csrf_token": token, "name": "taken over", "reason": "x"} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            body = response.get_data(as_text=True)
            has_ids = any(name.endswith("_id") and name not in SHARED_IDS for name in rule.arguments)
            if has_ids and response.status_code not in (403, 404):
                problems.append(f"{method} {url}: {response.status_code}")
            problems += [f"{method} {url} shows {secret!r}" for secret in leaks(body, other_district)]
    assert problems == []
    db.session.expire_all()
    assert db.session.get(Contact, other_district["contact_id"]).name == SECRET_NAME
    campaign = db.session.get(Campaign, other_district["campaign_id"])
    assert (campaign.name, campaign.status) == (SECRET_CAMPAIGN, Campaign.DRAFT)


def test_the_same_officer_reaches_their_own_district(app, client, login):
    """The wall is not a wall for everyone: Sitapur's officer opens Sitapur's objects."""
    officer = login("officer", districts=("Sitapur",))
    own = {
        "contact_id": make_contact(district="Sitapur", name="Ramesh of Sitapur").id,
        "campaign_id": make_campaign(user=officer, name="Sitapur week").id,
    }
    urls = [
        with_ids(rule, own)
        for rule in officer_rules(app)
        if "GET" in rule.methods and any(name in own for name in rule.arguments)
    ]
    assert len(urls) >= 5  # the campaign page, its editor, progress and export; the person's page
    assert [f"{url}: {status}" for url in urls if (status := client.get(url).status_code) != 200] == []


def test_an_officer_cannot_play_another_districts_caller_on_the_simulator(client, login, other_district):
    login("officer", districts=("Sitapur",))
    headers = {"X-CSRFToken": csrf_token(client, "/simulator/")}
    started = client.post("/simulator/api/call", json={"caller": other_district["phone"]}, headers=headers)
    inbox = client.get("/simulator/api/inbox", query_string={"number": other_district["phone"]})
    assert (started.status_code, inbox.status_code) == (403, 404)
    assert "own test numbers" in started.get_json()["error"]


def test_a_simulated_call_answers_only_the_staff_member_who_started_it(app, client, login):
    officer = login("officer", districts=("Sitapur",))
    token = csrf_token(client, "/simulator/")
    headers = {"X-CSRFToken": token}
    phone = simulated_numbers.numbers_of(officer.id)[0]
    started = client.post("/simulator/api/call", json={"caller": phone}, headers=headers)
    call_id = started.get_json()["call_id"]
    client.post("/logout", data={"csrf_token": token})
    login("officer", districts=("Lucknow",))
    headers = {"X-CSRFToken": csrf_token(client, "/simulator/")}
    pressed = client.post(f"/simulator/api/{call_id}/press", json={"digits": "1"}, headers=headers)
    assert pressed.status_code == 404
