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
from ivr.simulator import STATUS_PATH, Heard, SimulatedCall, Turn
from tests.helpers import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL

LINE_NUMBER = "+18005550100"
_sids = itertools.count(1)


def sid(prefix: str) -> str:
    """A unique Twilio-shaped SID."""
    return f"{prefix}{next(_sids):032x}"


class FlaskTestTransport:
    """The line in the test app, reached through twilio_post: every answer must be HTTP 200."""

    def __init__(self, twilio_post):
        self.twilio_post = twilio_post
        self.responses: list = []  # every response, in order

    def post(self, url: str, params: dict, signature: str) -> tuple[int, str]:
        assert url.startswith(PUBLIC_BASE_URL), url
        response = self.twilio_post(url.removeprefix(PUBLIC_BASE_URL), params, signature=signature)
        assert response.status_code == 200, response.get_data(as_text=True)
        self.responses.append(response)
        return response.status_code, response.get_data(as_text=True)


class Phone:
    """One call: dial, press keys, stay silent, record, hang up, on the app's own simulated caller
    (ivr.simulator), which follows the TwiML as Twilio does. Status callbacks are left to the test:
    `hang_up` and `recording_status` post them when the test says so.
    """

    def __init__(self, twilio_post, caller: str = "+919811122233", direction: str = "inbound", call_sid=None):
        self.post_signed = twilio_post
        self.caller = caller
        self.direction = direction
        self.transport = FlaskTestTransport(twilio_post)
        self.call = SimulatedCall(
            self.transport,
            AUTH_TOKEN,
            PUBLIC_BASE_URL,
            caller,
            line=LINE_NUMBER,
            account_sid=ACCOUNT_SID,
            direction=direction,
            call_sid=call_sid or sid("CA"),
        )
        self.call.status_callback = ""  # the test posts the call's status callbacks itself
        self.call_sid = self.call.call_sid
        self.turn = Turn()
        self.twiml: ET.Element | None = None  # the last TwiML document the line answered
        self.transcript: list[str] = []  # everything said or played, in order, over the whole call

    def params(self, **extra) -> dict:
        return {**self.call.common, "CallStatus": "in-progress", **extra}

    def post(self, url: str, **params) -> "Phone":
        """POST to a URL from the TwiML (or again, as Twilio retries) and follow the answer."""
        return self._walk(self.call.requesting(url, {"CallStatus": "in-progress", **params}))

    def dial(self) -> "Phone":
        return self._walk(self.call.starting())

    def press(self, key: str) -> "Phone":
        assert self.call.waiting_on is not None, f"nothing is listening for keys: {self.xml}"
        return self._walk(self.call.pressing(key))

    def stay_silent(self) -> "Phone":
        """Press nothing: the <Gather> times out and the call carries on after it."""
        return self._walk(self.call.staying_silent())

    def record(self, recording_sid: str, seconds: int = 14, hung_up: bool = False) -> "Phone":
        """Speak into <Record> and press # (or hang up): Twilio posts the recording to the action URL."""
        steps = self.call.finishing_recording(
            recording_sid, self.recording_url(recording_sid), seconds, hung_up
        )
        return self._walk(steps)

    def recording_url(self, recording_sid: str) -> str:
        return f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{recording_sid}"

    def recording_fields(self, recording_sid: str, seconds: int) -> dict:
        url = self.recording_url(recording_sid)
        return {"RecordingSid": recording_sid, "RecordingUrl": url, "RecordingDuration": str(seconds)}

    def recording_status(self, recording_sid: str, status: str = "completed", seconds: int = 14):
        """Twilio's recordingStatusCallback for a take of the last <Record>."""
        url = self.recording_url(recording_sid)
        self.call.run(self.call.reporting_recording(recording_sid, url, seconds, status))
        return self.transport.responses[-1]

    def hang_up(self, seconds: int = 95):
        """The call ends: Twilio's status callback (posted again if the test hangs up again)."""
        self.call.status_callback = PUBLIC_BASE_URL + STATUS_PATH
        self.call.run(self.call.reporting("completed", CallDuration=str(seconds)))
        self.call.status_callback = ""
        self.call.ended = True
        return self.transport.responses[-1]

    def _walk(self, steps) -> "Phone":
        self.turn = self.call.run(steps)
        for _url, body in self.turn.documents:
            self.twiml = ET.fromstring(body)
            self.transcript += self.said_and_played
        assert self.transport.responses[-1].mimetype == "text/xml"
        return self

    @property
    def heard(self) -> list[Heard]:
        """What the caller heard since their last action, as the simulator walked it."""
        return self.turn.heard

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
    def last_record(self) -> ET.Element | None:
        return self.call.last_record

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
