"""The audience filter: each criterion, engagement from existing data, and the uploaded list."""

from datetime import timedelta

from sqlalchemy import select

from audio.models import Recording
from campaigns import audience
from campaigns.models import CampaignListMember, CampaignRun, Delivery
from core.db import db, utcnow
from core.models import Topic
from tests.campaigns_fixtures import make_campaign
from tests.factories import district, make_contact


def reached(filters: dict, scope=None, campaign_id=None) -> set[int]:
    return {c.id for c in db.session.scalars(audience.contact_query(filters, scope, campaign_id))}


def test_role_language_geography_and_topic_filters():
    topic = db.session.scalar(select(Topic).filter_by(slug="twin-pit"))
    mason = make_contact(district="Sitapur", role="mason", language_code="hi")
    mason.topics.append(topic)
    db.session.commit()
    english = make_contact(district="Sitapur", role="mason", language_code="en")
    motivator = make_contact(district="Lucknow", role="motivator")
    assert reached({"roles": ["mason"]}) == {mason.id, english.id}
    assert reached({"roles": ["mason"], "languages": ["hi"]}) == {mason.id}
    assert reached({"district_ids": [district("Lucknow").id]}) == {motivator.id}
    assert reached({"topic_ids": [topic.id]}) == {mason.id}
    assert reached({}, scope={district("Sitapur").id}) == {mason.id, english.id}
    assert reached({}, scope=set()) == set()  # an officer without districts reaches no one


def test_not_called_in_n_days_uses_answered_broadcasts_and_recordings():
    quiet, answered, recorded = (make_contact(district="Sitapur") for _ in range(3))
    campaign = make_campaign()
    run = CampaignRun(campaign=campaign, scheduled_for=utcnow())
    old = utcnow() - timedelta(days=45)
    db.session.add(run)
    db.session.add_all(
        [
            Delivery(run=run, campaign=campaign, contact=answered, channel="voice", answered_at=utcnow()),
            Delivery(run=run, campaign=campaign, contact=quiet, channel="voice", answered_at=old, attempt=2),
            Recording(recording_sid="RE1", contact_id=recorded.id, created_at=utcnow()),
        ]
    )
    db.session.commit()
    assert reached({"not_called_days": 30}) == {quiet.id}


def test_did_not_finish_lesson_and_uploaded_list():
    heard, missed = make_contact(district="Sitapur"), make_contact(district="Sitapur")
    campaign = make_campaign()
    run = CampaignRun(campaign=campaign, scheduled_for=utcnow())
    db.session.add(Delivery(run=run, campaign=campaign, contact=heard, channel="voice", listened_at=utcnow()))
    db.session.add(CampaignListMember(campaign_id=campaign.id, contact_id=heard.id))
    db.session.commit()
    assert reached({"not_finished_lesson_id": campaign.lesson_id}) == {missed.id}
    assert reached({"use_list": True}, campaign_id=campaign.id) == {heard.id}


def test_opted_out_contacts_are_never_reached():
    make_contact(district="Sitapur", opted_out_at=utcnow())
    assert reached({}) == set()
