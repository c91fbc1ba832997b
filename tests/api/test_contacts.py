"""Contacts through the API: filters, district walls on every list, get and write, If-Match, bulk upsert."""

from sqlalchemy import select

from api.models import ApiAuditEntry
from core.db import db
from core.models import Contact, SuppressionEvent
from tests.factories import district, make_contact


def test_a_district_token_never_sees_or_touches_another_districts_contacts(api, make_token):
    ours = make_contact(name="Asha", district="Sitapur")
    theirs = make_contact(name="Bina", district="Lucknow")
    secret = make_token("write", districts=["Sitapur"])
    assert [c["name"] for c in api("GET", "/contacts", secret).json["results"]] == ["Asha"]
    assert api("GET", f"/contacts/{theirs.id}", secret).status_code == 404
    assert api("GET", f"/contacts?district_id={district('Lucknow').id}", secret).json["results"] == []
    patch = api("PATCH", f"/contacts/{theirs.id}", secret, json={"name": "x"}, headers={"If-Match": "*"})
    assert patch.status_code == 404
    assert api("POST", f"/contacts/{theirs.id}/opt-out", secret, json={"opted_out": True}).status_code == 404
    moved = api(
        "POST", "/contacts", secret, json={"phone": "+919812345670", "district_id": district("Lucknow").id}
    )
    assert moved.status_code == 400 and moved.json["error"]["field"] == "district_id"
    upsert = api("POST", "/contacts/bulk", secret, json={"contacts": [{"phone": theirs.phone, "name": "y"}]})
    assert upsert.status_code == 400 and upsert.json["error"]["rows"][0]["code"] == "not_allowed"
    db.session.refresh(theirs)
    assert theirs.name == "Bina" and theirs.opted_out_at is None
    assert api("GET", f"/contacts/{ours.id}", secret).status_code == 200


def test_phone_numbers_only_for_tokens_allowed_to_see_them(api, make_token):
    person = make_contact(phone="+919876543210", district="Sitapur")
    masked = api("GET", f"/contacts/{person.id}", make_token()).json
    full = api("GET", f"/contacts/{person.id}", make_token(sees_phones=True)).json
    assert full["phone"] == "+919876543210" and "9876543210" not in masked["phone"]
    assert api("GET", "/contacts?phone=09876543210", make_token()).status_code == 403
    found = api("GET", "/contacts?phone=09876543210", make_token(sees_phones=True)).json["results"]
    assert [c["id"] for c in found] == [person.id]


def test_create_then_update_with_if_match_and_every_write_is_audited(api, make_token):
    secret = make_token("write", districts=["Sitapur"], sees_phones=True)
    body = {
        "phone": "098123 45678",
        "name": "Chanda",
        "role": "mason",
        "language": "hi",
        "district_id": district("Sitapur").id,
        "topics": ["handwashing"],
    }
    created = api("POST", "/contacts", secret, json=body)
    assert created.status_code == 201, created.json
    contact = created.json
    assert contact["phone"] == "+919812345678" and contact["topics"] == ["handwashing"]
    assert contact["created_at"].endswith("Z")
    assert api("POST", "/contacts", secret, json=body).status_code == 409
    path = f"/contacts/{contact['id']}"
    assert api("PATCH", path, secret, json={"name": "C"}).status_code == 428
    assert api("PATCH", path, secret, json={"name": "C"}, headers={"If-Match": '"stale"'}).status_code == 412
    etag = api("GET", path, secret).headers["ETag"]
    updated = api("PATCH", path, secret, json={"name": "Chanda Devi"}, headers={"If-Match": etag})
    assert updated.status_code == 200 and updated.json["name"] == "Chanda Devi"
    again = api("PATCH", path, secret, json={"name": "Someone else"}, headers={"If-Match": etag})
    assert again.status_code == 412  # the first update changed the ETag
    audited = [
        (e.method, e.status_code)
        for e in db.session.scalars(select(ApiAuditEntry).order_by(ApiAuditEntry.id))
    ]
    assert audited == [
        ("POST", 201),
        ("POST", 409),
        ("PATCH", 428),
        ("PATCH", 412),
        ("PATCH", 200),
        ("PATCH", 412),
    ]


def test_a_read_only_token_is_refused_on_every_write(api, make_token):
    person = make_contact(district="Sitapur")
    secret = make_token("read")
    writes = [
        ("POST", "/contacts", {"phone": "+919812345671"}),
        ("PATCH", f"/contacts/{person.id}", {"name": "x"}),
        ("POST", f"/contacts/{person.id}/opt-out", {"opted_out": True}),
        ("POST", "/contacts/bulk", {"contacts": [{"phone": "+919812345672"}]}),
    ]
    for method, path, body in writes:
        response = api(method, path, secret, json=body, headers={"If-Match": "*"})
        assert response.status_code == 403, path
        assert response.json["error"]["code"] == "read_only_token"
    assert db.session.scalar(select(Contact).filter_by(phone="+919812345671")) is None


def test_opt_out_is_changed_only_through_its_endpoint(api, make_token):
    person = make_contact(district="Sitapur")
    secret = make_token("write")
    etag = api("GET", f"/contacts/{person.id}", secret).headers["ETag"]
    sneaky = api(
        "PATCH", f"/contacts/{person.id}", secret, json={"opted_out": True}, headers={"If-Match": etag}
    )
    assert sneaky.status_code == 400 and "opted_out" in sneaky.json["error"]["message"]
    out = api("POST", f"/contacts/{person.id}/opt-out", secret, json={"opted_out": True})
    assert out.status_code == 200 and out.json["opted_out"] is True
    event = db.session.scalar(select(SuppressionEvent).filter_by(contact_id=person.id))
    assert (event.action, event.source) == ("opt_out", "api")
    assert [c["id"] for c in api("GET", "/contacts?opted_out=true", secret).json["results"]] == [person.id]
    back = api("POST", f"/contacts/{person.id}/opt-out", secret, json={"opted_out": False})
    assert back.json["opted_out"] is False


def test_bulk_upsert_with_bad_rows_writes_nothing_and_names_each_row(api, make_token):
    existing = make_contact(phone="+919800000001", name="Old", district="Sitapur")
    secret = make_token("write", districts=["Sitapur"])
    sitapur = district("Sitapur").id
    rows = [
        {"phone": "+919800000001", "name": "New", "district_id": sitapur},
        {"phone": "not a number", "district_id": sitapur},
        {"phone": "+919800000002", "role": "astronaut", "district_id": sitapur},
        {"phone": "+919800000003", "district_id": sitapur, "topics": ["no-such-topic"]},
        {"phone": "+919800000001", "district_id": sitapur},
        {"phone": "+919800000004", "district_id": sitapur},
    ]
    response = api("POST", "/contacts/bulk", secret, json={"contacts": rows})
    assert response.status_code == 400
    bad = {(e["row"], e["code"]) for e in response.json["error"]["rows"]}
    assert bad == {(1, "invalid_phone"), (2, "invalid"), (3, "unknown_topic"), (4, "duplicate")}
    db.session.refresh(existing)
    assert (
        existing.name == "Old" and db.session.scalar(select(Contact).filter_by(phone="+919800000004")) is None
    )
    partial = api("POST", "/contacts/bulk", secret, json={"contacts": rows, "all_or_nothing": False}).json
    assert (partial["created"], partial["updated"], len(partial["errors"])) == (1, 1, 4)
    db.session.refresh(existing)
    assert existing.name == "New"


def test_bulk_upsert_takes_a_thousand_rows_and_no_more(api, make_token):
    secret = make_token("write")
    rows = [{"phone": f"+9198{n:08d}"} for n in range(1000)]
    assert api("POST", "/contacts/bulk", secret, json={"contacts": rows}).json["created"] == 1000
    too_many = api("POST", "/contacts/bulk", secret, json={"contacts": [*rows, {"phone": "+919911111111"}]})
    assert too_many.status_code == 400 and too_many.json["error"]["field"] == "contacts"
