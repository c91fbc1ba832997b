"""No dead ends: every screen, every key and silence, in Hindi and English, leads to a menu or a goodbye."""

import xml.etree.ElementTree as ET
from collections import deque
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import select

from audio.models import Lesson
from core.db import db
from core.models import District, State
from ivr import prompts
from tests.helpers import PUBLIC_BASE_URL
from tests.ivr_fixtures import LINE_NUMBER, make_lesson, sid

KEYS = [*"0123456789*#", ""]  # "" is silence: Twilio follows the <Redirect> after the <Gather>
MAX_REQUESTS = 900


def library():
    make_lesson("Pit lining", position=0, segments=2)
    make_lesson("Soak pit", position=1, segments=2)
    make_lesson("Ramesh's story", topic=None, kind=Lesson.STORY, contributor_name="Ramesh", segments=1)
    make_lesson("Sunita's story", topic=None, kind=Lesson.STORY, segments=1)


ONE_OF_EACH = ("role", "state", "district", "consent", "take")  # every district (or take) is the same screen


def screen_of(url: str) -> tuple:
    """A step URL without its failure count: the same screen in the same state."""
    parts = urlsplit(url)
    args = [
        (k, "any" if k in ONE_OF_EACH else v) for k, v in parse_qsl(parts.query) if k not in ("try", "once")
    ]
    return parts.path, tuple(sorted(args))


class Crawler:
    def __init__(self, twilio_post, caller: str, language_key: str):
        self.post_signed = twilio_post
        self.caller = caller
        self.call_sid = sid("CA")
        self.language_key = language_key  # the language menu's other keys would change the crawl's language
        self.requests = 0
        self.problems = []
        self.hindi_said = []

    def post(self, url: str, **params) -> ET.Element:
        self.requests += 1
        form = {
            "CallSid": self.call_sid,
            "From": self.caller,
            "To": LINE_NUMBER,
            "Direction": "inbound",
            "CallStatus": "in-progress",
            **params,
        }
        response = self.post_signed(url.removeprefix(PUBLIC_BASE_URL), form)
        body = response.get_data(as_text=True)
        if response.status_code != 200:
            self.problems.append(f"{url} {params}: HTTP {response.status_code}")
            return ET.fromstring("<Response/>")
        twiml = ET.fromstring(body)
        self.hindi_said += [el.text or "" for el in twiml.iter("Say") if el.get("language") == "hi-IN"]
        return twiml

    def follow(self, twiml: ET.Element, came_from: str) -> ET.Element:
        """Follow bare Redirects as Twilio does, then check the document ends in a menu or a goodbye."""
        while {el.tag for el in twiml} <= {"Say", "Play", "Redirect"} and twiml.find("Redirect") is not None:
            twiml = self.post(twiml.find("Redirect").text)
        said = " ".join(el.text or "" for el in twiml.iter("Say"))
        apology = prompts.text("technical_problem", "en") in said
        goodbye = twiml.find("Hangup") is not None and said
        waiting = twiml.find("Gather") is not None or twiml.find("Record") is not None
        if apology or not (waiting or goodbye):
            self.problems.append(f"after {came_from}: {ET.tostring(twiml, encoding='unicode')[:300]}")
        return twiml

    def crawl(self) -> None:
        start = self.follow(self.post(PUBLIC_BASE_URL + "/ivr/voice", CallStatus="ringing"), "the call")
        first = self.follow(
            self.post(start.find("Gather").get("action"), Digits=self.language_key), "language"
        )
        todo, seen = deque([first]), set()
        while todo and self.requests < MAX_REQUESTS:
            self.visit(todo.popleft(), seen, todo)

    def visit(self, twiml: ET.Element, seen: set, todo: deque) -> None:
        gather, record = twiml.find("Gather"), twiml.find("Record")
        if record is not None:  # the caller says nothing: <Record> posts its action without a recording
            targets = [(record.get("action"), {"Digits": "#"})]
        elif gather is not None:
            keys = KEYS[:-1] if "/language" not in gather.get("action") else [self.language_key, "*", "7"]
            targets = [(gather.get("action"), {"Digits": key}) for key in keys]
            targets.append((twiml.find("Redirect").text, {}))
        else:
            return
        for url, params in targets:
            key = (screen_of(url), params.get("Digits"))
            if key in seen:
                continue
            seen.add(key)
            todo.append(self.follow(self.post(url, **params), f"{screen_of(url)} {params}"))


@pytest.mark.parametrize("language_key", ["1", "2"])
def test_every_screen_key_and_silence_ends_in_a_menu_or_a_goodbye(twilio_post, language_key):
    library()
    crawler = Crawler(twilio_post, "+919812388801", language_key)
    crawler.crawl()
    assert 150 < crawler.requests < MAX_REQUESTS  # it went everywhere, and came to an end
    assert not crawler.problems, "\n".join(crawler.problems[:10])
    if language_key == "1":
        latin = [
            place.name
            for model in (State, District)
            for place in db.session.scalars(select(model))
            if place.name_hi and place.name_hi != place.name
        ]
        spoken = " ".join(crawler.hindi_said)
        assert "आपने बताया" in spoken  # the registration was crawled to its end
        assert not [name for name in latin if name in spoken]
