"""Officer pages and the broadcast call's TwiML."""

import io
import xml.etree.ElementTree as ET
from datetime import timedelta

from sqlalchemy import select

from audio.models import Lesson
from campaigns import (
    campaign_reports,
    campaign_runs,
)
from campaigns.models import Campaign, CampaignListMember, CampaignRun, Delivery
from core.db import db, utcnow
from tests.campaigns_fixtures import make_campaign, make_lesson, monday
from tests.factories import district, make_contact
from tests.helpers import csrf_token


def form_for(client, lesson: Lesson, **overrides) -> dict:
    data = {
        "csrf_token": csrf_token(client, "/campaigns/new"),
        "name": "Monday lesson",
        "kind": "both",
        "content": "lesson",
        "lesson_id": str(lesson.id),
        "sms_hi": "{name} जी, आज का पाठ सुनें: {line}",
        "window_start": "10:00",
        "window_end": "18:00",
        "roles": "mason",
    }
    data.update(overrides)
    return data


def test_officer_creates_a_campaign_inside_their_district(client, login):
    officer = login("officer", districts=["Sitapur"])
    lesson = make_lesson()
    form = form_for(client, lesson, district_ids=str(district("Lucknow").id))
    response = client.post("/campaigns/new", data=form)
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign))
    assert [d.name for d in campaign.districts] == ["Sitapur"]  # never outside their own districts
    assert campaign.created_by_id == officer.id
    assert campaign.filters == {"roles": ["mason"]}
    assert campaign.templates == {"hi": "{name} जी, आज का पाठ सुनें: {line}"}


def test_form_refuses_a_window_outside_nine_to_nine_and_keeps_the_input(client, login):
    login("officer", districts=["Sitapur"])
    response = client.post("/campaigns/new", data=form_for(client, make_lesson(), window_end="22:00"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "between 09:00 and 21:00" in page and "Monday lesson" in page
    assert db.session.scalar(select(Campaign)) is None


def test_forms_need_a_csrf_token(client, login):
    login("officer", districts=["Sitapur"])
    form = form_for(client, make_lesson())
    del form["csrf_token"]
    assert client.post("/campaigns/new", data=form).status_code == 400


def test_officers_see_only_their_districts_campaigns(client, login):
    other = make_campaign(districts=("Lucknow",))
    mine = make_campaign(districts=("Sitapur",), name="Mine")
    login("officer", districts=["Sitapur"])
    page = client.get("/campaigns/").get_data(as_text=True)
    assert "Mine" in page and f'/campaigns/{other.id}"' not in page
    assert client.get(f"/campaigns/{other.id}").status_code == 403
    assert client.get(f"/campaigns/{mine.id}").status_code == 200


def test_curators_may_not_open_campaigns(client, login):
    login("curator")
    assert client.get("/campaigns/").status_code == 403


def test_live_count_leaves_out_opted_out_and_other_districts(client, login):
    login("officer", districts=["Sitapur"])
    make_contact(district="Sitapur", role="mason")
    make_contact(district="Sitapur", role="mason", opted_out_at=utcnow())
    make_contact(district="Sitapur", role="motivator")
    make_contact(district="Lucknow", role="mason")
    token = csrf_token(client, "/campaigns/new")
    response = client.post("/campaigns/audience-count", data={"csrf_token": token, "roles": "mason"})
    assert response.get_json() == {"count": 1, "opted_out": 1}


def test_sms_preview_counts_hindi_segments_and_cost(client, login, app):
    login("officer", districts=["Sitapur"])
    token = csrf_token(client, "/campaigns/new")
    response = client.post("/campaigns/sms-preview", data={"csrf_token": token, "text": "क" * 71})
    assert response.get_json() == {
        "characters": 71,
        "encoding": "UCS-2",
        "segments": 2,
        "cost": "0.1600",
        "currency": "USD",
        "said": "71 characters · 2 segment(s) · about $0.1600 per person",  # no encoding named
    }


def test_campaign_page_previews_audio_and_sms(client, login):
    officer = login("officer", districts=["Sitapur"])
    campaign = make_campaign(user=officer, kind="both", sms_hi="नमस्ते {name}")
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    key = db.session.get(Lesson, campaign.lesson_id).tracks[0].segments[0].playback_key
    audio = f'<audio controls preload="none" src="https://chaupal.example.org/media/{key}?e='
    assert audio in page
    assert "characters · 1 segment(s)" in page and "UCS-2" not in page  # plain words: no encodings


def test_uploaded_list_reports_bad_rows_and_keeps_good_ones(client, login):
    officer = login("officer", districts=["Sitapur"])
    campaign = make_campaign(user=officer)
    known = make_contact(phone="+919812345678", district="Sitapur")
    make_contact(phone="+919812345679", district="Lucknow")
    csv_text = "phone\n09812345678\n+91 98123 45670\nnot a number\n+919812345679\n12345\n"
    token = csrf_token(client, f"/campaigns/{campaign.id}")
    data = {"csrf_token": token, "numbers": (_file(csv_text), "a.csv")}
    response = client.post(f"/campaigns/{campaign.id}/list", data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "2 numbers in the list (1 new contacts)" in page
    assert "line 4" in page and "line 6" in page
    assert "line 5: +91••••••5679: belongs to a district outside" in page
    members = select(CampaignListMember.contact_id).filter_by(campaign_id=campaign.id)
    members = set(db.session.scalars(members))
    assert known.id in members and len(members) == 2


def _file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def test_schedule_at_a_time_puts_the_start_on_rqs_scheduler(client, login, clock):
    clock(monday(8))
    officer = login("officer", districts=["Sitapur"])
    campaign = make_campaign(user=officer)
    token = csrf_token(client, f"/campaigns/{campaign.id}")
    form = {"csrf_token": token, "when": "at", "at": "2030-01-07T11:30"}
    client.post(f"/campaigns/{campaign.id}/schedule", data=form)
    db.session.expire_all()
    assert (campaign.status, campaign.next_run_at) == (Campaign.SCHEDULED, monday(11, 30))
    from core.queue import get_queue

    registry = get_queue("campaigns").scheduled_job_registry
    (job_id,) = registry.get_job_ids()
    assert job_id.startswith(f"campaign-{campaign.id}-")


def test_test_send_calls_the_officer_at_any_hour(client, login, clock, work, twilio_server):
    clock(monday(22))
    officer = login("officer", districts=["Sitapur"], phone="+919811111111")
    campaign = make_campaign(user=officer)
    token = csrf_token(client, f"/campaigns/{campaign.id}")
    client.post(f"/campaigns/{campaign.id}/test", data={"csrf_token": token})
    db.session.commit()  # no open transaction for the forked job to inherit
    work("campaigns")
    (call,) = twilio_server.created("Calls")
    assert call["form"]["To"] == "+919811111111"
    assert campaign_reports.progress(campaign)["recipients"] == 0  # test sends stay out of the report


def test_export_masks_numbers(client, login, clock):
    clock(monday(11))
    officer = login("officer", districts=["Sitapur"])
    make_contact(phone="+919800011122", district="Sitapur", name="Asha")
    campaign = make_campaign(user=officer)
    campaign_runs.schedule_campaign(campaign, "now")
    campaign_runs.start_run(campaign.id)
    body = client.get(f"/campaigns/{campaign.id}/export.csv").get_data(as_text=True)
    assert "'+91••••••1122,Asha,Sitapur,voice,1,queued" in body  # the leading + is neutralised
    assert "+919800011122" not in body


# --- the broadcast call ---


def broadcast_delivery(**campaign_fields) -> Delivery:
    contact = make_contact(district="Sitapur", language_code=campaign_fields.pop("language", "hi"))
    campaign = make_campaign(**campaign_fields)
    run = CampaignRun(campaign=campaign, scheduled_for=utcnow())
    delivery = Delivery(run=run, campaign=campaign, contact=contact, channel=Delivery.VOICE)
    delivery.state = Delivery.SENT
    db.session.add(delivery)
    db.session.commit()
    return delivery


def parse(response) -> ET.Element:
    assert response.status_code == 200 and response.mimetype == "text/xml"
    return ET.fromstring(response.get_data(as_text=True))


def test_broadcast_plays_the_lesson_then_asks_for_feedback(twilio_post):
    delivery = broadcast_delivery()
    root = parse(twilio_post(f"/ivr/broadcast/{delivery.id}", {"CallSid": "CA1", "AnsweredBy": "human"}))
    say, *plays, redirect = list(root)
    assert (say.tag, say.get("language"), say.get("voice")) == ("Say", "hi-IN", "Polly.Aditi")
    assert [p.tag for p in plays] == ["Play", "Play"]
    assert "/media/" in plays[0].text and "?e=" in plays[0].text
    assert redirect.text.endswith(f"/ivr/broadcast/{delivery.id}/played")
    db.session.expire_all()
    assert (delivery.state, delivery.answered_by) == (Delivery.ANSWERED, "human")

    gather = parse(twilio_post(f"/ivr/broadcast/{delivery.id}/played", {"CallSid": "CA1"})).find("Gather")
    assert gather.get("numDigits") == "1" and "1" in gather.find("Say").text
    root = parse(twilio_post(f"/ivr/broadcast/{delivery.id}/feedback", {"CallSid": "CA1", "Digits": "1"}))
    assert root.find("Gather").get("action").endswith(f"/ivr/broadcast/{delivery.id}/more")
    root = parse(twilio_post(f"/ivr/broadcast/{delivery.id}/more", {"CallSid": "CA1", "Digits": "1"}))
    assert root.find("Redirect").text == "https://chaupal.example.org/ivr/voice"
    db.session.expire_all()
    assert delivery.listened_at is not None and delivery.feedback == Delivery.USEFUL


def test_weekly_digest_plays_this_weeks_stories(twilio_post, clock):
    clock(monday(11))
    make_lesson(kind=Lesson.STORY, published_at=monday(11) - timedelta(days=9))
    fresh = make_lesson(kind=Lesson.STORY, published_at=monday(9))
    delivery = broadcast_delivery(content="digest")
    root = parse(twilio_post(f"/ivr/broadcast/{delivery.id}", {"CallSid": "CA2"}))
    played = [p.text.split("/media/", 1)[1].split("?")[0] for p in root.findall("Play")]
    assert played == [segment.playback_key for segment in fresh.tracks[0].segments]


def test_broadcast_speaks_english_to_english_speakers_and_refuses_unsigned(twilio_post, client):
    delivery = broadcast_delivery(language="en")
    root = parse(twilio_post(f"/ivr/broadcast/{delivery.id}", {"CallSid": "CA3"}))
    assert root.find("Say").get("language") == "en-IN"  # no English track: the Hindi audio still plays
    assert client.post(f"/ivr/broadcast/{delivery.id}", data={"CallSid": "CA3"}).status_code == 403
    assert client.post("/sms/status", data={"MessageSid": "SM1"}).status_code == 403


def test_sms_status_callback_is_forward_only(twilio_post):
    contact = make_contact(district="Sitapur")
    campaign = make_campaign(kind="sms", content="none", sms_hi="नमस्ते")
    run = CampaignRun(campaign=campaign, scheduled_for=utcnow())
    delivery = Delivery(run=run, campaign=campaign, contact=contact, channel=Delivery.SMS)
    delivery.state = Delivery.SENT
    delivery.provider_sid = "SM" + "a" * 32
    db.session.add(delivery)
    db.session.commit()
    for status in ("delivered", "sent", "queued"):
        params = {"MessageSid": delivery.provider_sid, "MessageStatus": status}
        assert twilio_post(f"/sms/status?delivery={delivery.id}", params).status_code == 204
    db.session.expire_all()
    assert delivery.state == Delivery.DELIVERED
