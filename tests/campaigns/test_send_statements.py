"""A send reads its delivery, contact, campaign and run with one statement after each commit, not four."""

from sqlalchemy import event, select

from campaigns import campaign_runs, sending
from campaigns.models import Delivery
from core.db import db
from tests.campaigns_fixtures import make_campaign, monday
from tests.factories import make_contact


def test_one_send_reads_its_rows_in_few_statements_and_sends_once(clock, twilio_server):
    clock(monday(11))
    make_contact(district="Sitapur", name="Person 1")
    campaign = make_campaign()
    campaign_runs.schedule_campaign(campaign, "now")
    run = campaign_runs.start_run(campaign.id)
    row_id = db.session.scalar(select(Delivery.id).filter_by(run_id=run.id))
    db.session.commit()
    db.session.expire_all()
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement.lstrip().split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        sending.send(row_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert db.session.get(Delivery, row_id).state == Delivery.SENT
    # 9 SELECTs when each commit's expired rows were read one by one; 8 statements while a fresh claim
    # was refreshed again before the REST call
    assert seen.count("SELECT") <= 3
    assert seen.count("UPDATE") == 2 and len(seen) <= 5  # the claim, then the SID
