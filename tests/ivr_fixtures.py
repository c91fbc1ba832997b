"""A test telephone that walks the line's TwiML as Twilio does, and lesson factories."""

import io
import itertools
import wave
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

from sqlalchemy import select

from audio import store
from audio.models import Lesson, LessonSegment, LessonTrack
from core.db import db
from core.models import Topic
from tests.helpers import ACCOUNT_SID, PUBLIC_BASE_URL

LINE_NUMBER = "+18005550100"
_sids = itertools.count(1)


def sid(prefix: str) -> str:
    """A unique Twilio-shaped SID."""
    return f"{prefix}{next(_sids):032x}"


class Phone:
    """One call: dial, press keys, stay silent, record, hang up; each step follows the TwiML's URLs."""

    def __init__(self, twilio_post, caller: str = "+919811122233", direction: str = "inbound", call_sid=None):
        self.post_signed = twilio_post
        self.caller, self.direction = caller, direction
        self.call_sid = call_sid or sid("CA")
        self.twiml: ET.Element | None = None
        self.last_record: ET.Element | None = None
        self.transcript: list[str] = []  # everything said or played, in order, over the whole call

    def params(self, **extra) -> dict:
        outbound = self.direction != "inbound"
        return {
            "AccountSid": ACCOUNT_SID,
            "CallSid": self.call_sid,
            "From": LINE_NUMBER if outbound else self.caller,
            "To": self.caller if outbound else LINE_NUMBER,
            "Direction": self.direction,
            "CallStatus": "in-progress",
            **extra,
        }

    def post(self, url: str, follow: bool = True, **params) -> "Phone":
        """POST to a URL from the TwiML exactly as Twilio would, and parse the answer."""
        assert url.startswith(PUBLIC_BASE_URL), url
        response = self.post_signed(url.removeprefix(PUBLIC_BASE_URL), self.params(**params))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/xml"
        self.twiml = ET.fromstring(response.get_data())
        assert self.twiml.tag == "Response"
        self.transcript += self.said_and_played
        if self.twiml.find("Record") is not None:
            self.last_record = self.twiml.find("Record")
        verbs = {child.tag for child in self.twiml}
        if follow and verbs <= {"Say", "Play", "Redirect"} and "Redirect" in verbs:
            return self.post(self.twiml.find("Redirect").text)
        return self

    def dial(self) -> "Phone":
        return self.post(PUBLIC_BASE_URL + "/ivr/voice", CallStatus="ringing")

    def press(self, key: str) -> "Phone":
        gather = self.twiml.find("Gather")
        assert gather is not None, f"nothing is listening for keys: {self.xml}"
        return self.post(gather.get("action"), Digits=key)

    def stay_silent(self) -> "Phone":
        """Press nothing: the <Gather> times out and Twilio follows the <Redirect> after it."""
        assert self.twiml.find("Gather") is not None
        return self.post(self.twiml.find("Redirect").text, follow=False)

    def record(self, recording_sid: str, seconds: int = 14, hung_up: bool = False) -> "Phone":
        """Speak into <Record> and press # (or hang up): Twilio posts the recording to the action URL."""
        record = self.twiml.find("Record")
        assert record is not None, f"not recording: {self.xml}"
        fields = self.recording_fields(recording_sid, seconds)
        extra = {"CallStatus": "completed"} if hung_up else {"Digits": "#"}
        return self.post(record.get("action"), **fields, **extra)

    def recording_fields(self, recording_sid: str, seconds: int) -> dict:
        url = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording_sid}"
        return {"RecordingSid": recording_sid, "RecordingUrl": url, "RecordingDuration": str(seconds)}

    def recording_status(self, recording_sid: str, status: str = "completed", seconds: int = 14):
        """Twilio's recordingStatusCallback for a take of the last <Record>."""
        callback = self.last_record.get("recordingStatusCallback")
        fields = {**self.recording_fields(recording_sid, seconds), "RecordingStatus": status}
        path = callback.removeprefix(PUBLIC_BASE_URL)
        response = self.post_signed(
            path, self.params(**fields, RecordingChannels="1", RecordingSource="RecordVerb")
        )
        assert response.status_code == 200
        return response

    def hang_up(self, seconds: int = 95):
        """The call ends: Twilio's status callback."""
        params = self.params(CallStatus="completed", CallDuration=str(seconds))
        response = self.post_signed("/ivr/status", params)
        assert response.status_code == 200
        return response

    @property
    def said_and_played(self) -> list[str]:
        return [el.text or "" for el in self.twiml.iter() if el.tag in ("Say", "Play")]

    @property
    def said(self) -> str:
        return " ".join(el.text or "" for el in self.twiml.iter("Say"))

    @property
    def played(self) -> list[str]:
        return [el.text for el in self.twiml.iter("Play")]

    @property
    def hung_up(self) -> bool:
        return self.twiml.find("Hangup") is not None

    @property
    def xml(self) -> str:
        return ET.tostring(self.twiml, encoding="unicode")


def tiny_wav(seconds: float = 0.2) -> bytes:
    """A short silent 8 kHz mono WAV, like a phone copy."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(8000)
        file.writeframes(b"\0\0" * int(8000 * seconds))
    return buffer.getvalue()


def make_lesson(
    title: str = "Curing the pit lining",
    topic: str | None = "twin-pit",
    segments: int = 3,
    kind: str = Lesson.LESSON,
    languages=("hi", "en"),
    allows_back: bool = True,
    position: int = 0,
    contributor_name: str = "",
) -> Lesson:
    """A published lesson (or story) with a track per language, each cut into stored segments."""
    topic_row = db.session.scalar(select(Topic).filter_by(slug=topic)) if topic else None
    lesson = Lesson(
        kind=kind,
        topic=topic_row,
        status=Lesson.PUBLISHED,
        published_at=datetime.now(UTC),
        position=position,
        contributor_name=contributor_name,
    )
    db.session.add(lesson)
    db.session.flush()
    for code in languages:
        track = LessonTrack(lesson=lesson, language_code=code, title=f"{title} ({code})")
        for n in range(segments):
            key = f"lessons/{lesson.id}/{code}/segment-{n}.wav"
            store.write_bytes(key, tiny_wav())
            track.segments.append(
                LessonSegment(
                    position=n,
                    start_ms=n * 30000,
                    end_ms=(n + 1) * 30000,
                    playback_key=key,
                    allows_back=allows_back,
                )
            )
        db.session.add(track)
    db.session.commit()
    return lesson
