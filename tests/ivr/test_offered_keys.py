"""A menu's keys are answered by what the caller heard offered, carried in the signed key URL (ivr.offered_keys)."""

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.ivr_fixtures import Phone, make_lesson


def on_the_main_menu(twilio_post) -> Phone:
    phone = Phone(twilio_post, caller="+919800070021").dial()
    phone.press("2")  # English: the main menu, its key 1 the next lesson
    assert "/ivr/key/menu" in phone.twiml.find("Gather").get("action")
    return phone


def played_lesson(phone: Phone) -> str:
    action = phone.twiml.find("Gather").get("action")
    assert "/ivr/key/play" in action
    return parse_qs(urlsplit(action).query)["lesson"][0]


def test_key_1_plays_the_lesson_offered_though_another_came_first_since(twilio_post):
    offered = make_lesson("Pit lining", position=1)
    phone = on_the_main_menu(twilio_post)
    make_lesson("Soak pit", position=0)  # published while the caller listens to the menu: now the next one
    assert played_lesson(phone.press("1")) == str(offered.id)


def test_a_key_url_that_carries_no_offered_keys_builds_the_screen_to_answer(twilio_post):
    lesson = make_lesson("Pit lining")
    phone = on_the_main_menu(twilio_post)
    action = urlsplit(phone.twiml.find("Gather").get("action"))
    args = {k: v[0] for k, v in parse_qs(action.query).items() if k != "keys"}
    assert "keys" in parse_qs(action.query)
    phone.post(action._replace(query=urlencode(args)).geturl(), Digits="1")
    assert played_lesson(phone) == str(lesson.id)


def test_the_offered_keys_travel_in_characters_no_client_or_proxy_re_encodes(twilio_post):
    make_lesson("Pit lining")
    phone = on_the_main_menu(twilio_post)
    raw_query = urlsplit(phone.twiml.find("Gather").get("action")).query
    carried = next(part.split("=", 1)[1] for part in raw_query.split("&") if part.startswith("keys="))
    # Percent-encoded JSON is decoded back by HTTP clients that normalise URLs (aiohttp did, and the
    # signature over the URL Twilio signed then fails): only unreserved characters may travel.
    assert re.fullmatch(r"[A-Za-z0-9_-]+", carried), carried
