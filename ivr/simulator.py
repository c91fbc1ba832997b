"""A caller that talks to the line exactly as Twilio does: signed webhooks, TwiML followed verb by verb."""

import contextvars
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Generator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from twilio.request_validator import RequestValidator

VOICE_PATH = "/ivr/voice"
STATUS_PATH = "/ivr/status"
MAX_REDIRECTS = 25  # a flow that redirects more than this without asking anything is stuck
SUPPORTED = {"Say", "Play", "Pause", "Gather", "Record", "Redirect", "Hangup", "Reject"}


class CallError(RuntimeError):
    """The line answered with an error or TwiML the simulator cannot follow (the message is for developers)."""

    ENDED = "ended"  # nothing is waiting for the caller any more
    NOT_WAITING = "not_waiting"  # the line waits for something else (keys, a recording)
    LINE_FAULT = "line_fault"  # an HTTP error or TwiML no phone could follow

    def __init__(self, message: str, status: int | None = None, kind: str = LINE_FAULT):
        super().__init__(message)
        self.status = status  # the HTTP status (0: no answer) when the line answered with an error
        self.kind = kind


@dataclass
class Heard:
    """One thing the caller hears: spoken text, an audio URL or a pause."""

    kind: str
    text: str = ""
    url: str = ""
    language: str = ""

    def describe(self) -> str:
        return {"say": f"“{self.text}”", "play": f"♪ {self.url}", "pause": f"(pause {self.text} s)"}[
            self.kind
        ]


@dataclass
class Turn:
    """What happened since the caller's last action, and what the line waits for now."""

    heard: list[Heard] = field(default_factory=list)
    waiting: str = "ended"  # gather | record | ended
    options: dict = field(default_factory=dict)  # the Gather/Record attributes
    documents: list[tuple[str, str]] = field(default_factory=list)  # (url, TwiML) fetched this turn
    end_reason: str = ""


class FlaskTransport:
    """Sends webhooks into an app in the same process (the web simulator, the terminal command)."""

    def __init__(self, app):
        self.client = app.test_client()

    def post(self, url: str, params: dict, signature: str) -> tuple[int, str]:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"X-Twilio-Signature": signature}
        # A fresh context: the webhook must not share the calling request's session or `g`.
        response = contextvars.Context().run(self.client.post, path, data=params, headers=headers)
        return response.status_code, response.get_data(as_text=True)


class HttpTransport:
    """Sends webhooks over HTTP to a running server, as Twilio would."""

    def post(self, url: str, params: dict, signature: str) -> tuple[int, str]:
        import requests

        response = requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=15)
        return response.status_code, response.text


Steps = Generator[tuple[str, dict, str], tuple[int, str], Turn]
"""An action as the webhook requests it sends: yields (url, params, signature), is sent (status, body)."""


class SimulatedCall:
    """One phone call: start it, press keys, record, stay silent, hang up.

    Each action exists twice: `press` sends its webhooks through the call's transport and returns the
    Turn; `pressing` is the same action as Steps, for a caller with its own (async) transport
    (`run_async`, used by the bench's callers).
    """

    def __init__(
        self,
        transport,
        auth_token: str,
        public_base_url: str,
        caller: str,
        line: str = "+18005550100",
        account_sid: str = "AC" + "0" * 32,
        direction: str = "inbound",
        call_sid: str = "",
    ):
        self.transport = transport
        self.validator = RequestValidator(auth_token)
        self.base = public_base_url.rstrip("/")
        self.call_sid = call_sid or "CA" + secrets.token_hex(16)
        self.direction = direction
        # Twilio names the calling party From: the caller inbound, the line on calls it places.
        calling, called = (caller, line) if direction == "inbound" else (line, caller)
        self.common = {
            "CallSid": self.call_sid,
            "AccountSid": account_sid,
            "From": calling,
            "To": called,
            "Caller": calling,
            "Called": called,
            "Direction": direction,
            "ApiVersion": "2010-04-01",
        }
        self.current_url = ""
        self.pending: list[ET.Element] = []  # verbs after the one we are waiting on
        self.waiting_on: ET.Element | None = None
        self.last_record: ET.Element | None = None
        self.ended = False
        self.status_callback = self.base + STATUS_PATH

    def state(self) -> dict:
        """Everything needed to carry on this call in another request (JSON-safe)."""
        verbs = [ET.tostring(v, encoding="unicode") for v in self.pending]
        waiting = ET.tostring(self.waiting_on, encoding="unicode") if self.waiting_on is not None else ""
        return {
            "common": self.common,
            "current_url": self.current_url,
            "pending": verbs,
            "waiting_on": waiting,
            "ended": self.ended,
            "base": self.base,
            "status_callback": self.status_callback,
        }

    @classmethod
    def resume(cls, transport, auth_token: str, state: dict) -> "SimulatedCall":
        """A call object carrying on from state()."""
        common = state["common"]
        call = cls(
            transport,
            auth_token,
            state["base"],
            common["From"],
            common["To"],
            common["AccountSid"],
            call_sid=common["CallSid"],
        )
        call.common = common
        call.direction = common["Direction"]
        call.current_url = state["current_url"]
        call.ended = state["ended"]
        call.status_callback = state["status_callback"]
        call.pending = [ET.fromstring(v) for v in state["pending"]]
        call.waiting_on = ET.fromstring(state["waiting_on"]) if state["waiting_on"] else None
        return call

    def run(self, steps: Steps) -> Turn:
        """Send an action's webhooks through this call's transport; the Turn it ends in."""
        try:
            request = next(steps)
            while True:
                request = steps.send(self.transport.post(*request))
        except StopIteration as done:
            return done.value

    async def run_async(self, steps: Steps, post) -> Turn:
        """The same with an async post(url, params, signature) -> (status, body)."""
        try:
            request = next(steps)
            while True:
                request = steps.send(await post(*request))
        except StopIteration as done:
            return done.value

    def start(self, url: str | None = None) -> Turn:
        return self.run(self.starting(url))

    def press(self, digits: str) -> Turn:
        return self.run(self.pressing(digits))

    def silence(self) -> Turn:
        return self.run(self.staying_silent())

    def record(self, recording_sid: str, recording_url: str, seconds: float, hang_up: bool = False) -> Turn:
        return self.run(self.recording(recording_sid, recording_url, seconds, hang_up))

    def hang_up(self, turn: Turn | None = None, status: str = "completed", seconds: int = 60) -> Turn:
        return self.run(self.hanging_up(turn, status, seconds))

    def request(self, url: str, params: dict) -> Turn:
        return self.run(self.requesting(url, params))

    def starting(self, url: str | None = None) -> Steps:
        """Ring the line (or answer an outbound call whose TwiML is at url)."""
        status = "ringing" if not url else "in-progress"
        return self.requesting(url or self.base + VOICE_PATH, {"CallStatus": status})

    def pressing(self, digits: str) -> Steps:
        """Key in digits at a Gather (the finishOnKey is not sent, as Twilio does)."""
        gather = self._expect("Gather")
        finish = gather.get("finishOnKey", "#")
        sent = digits[:-1] if finish and digits.endswith(finish) and len(digits) > 1 else digits
        return self.requesting(self.action_url(), {"CallStatus": "in-progress", "Digits": sent})

    def staying_silent(self) -> Steps:
        """Say nothing at a Gather: the call continues after it (or posts empty Digits if asked to)."""
        gather = self._expect("Gather")
        if gather.get("actionOnEmptyResult") == "true":
            return self.requesting(self.action_url(), {"CallStatus": "in-progress", "Digits": ""})
        return self._continue(Turn())

    def recording(
        self, recording_sid: str, recording_url: str, seconds: float, hang_up: bool = False
    ) -> Steps:
        """Finish a Record with a recording (by # or by hanging up); then its status callback arrives."""
        turn = yield from self.finishing_recording(recording_sid, recording_url, seconds, hang_up)
        yield from self.reporting_recording(recording_sid, recording_url, seconds)
        if hang_up:
            return (yield from self.hanging_up(turn))
        return turn

    def finishing_recording(
        self, recording_sid: str, recording_url: str, seconds: float, hang_up: bool
    ) -> Steps:
        """Only the Record's action request (the status callbacks are left to the caller)."""
        # The Record being answered names the recording's status callback, also on a call resumed
        # from state() in another request (the phone simulator page), where no TwiML was parsed.
        self.last_record = self._expect("Record")
        params = {
            "CallStatus": "completed" if hang_up else "in-progress",
            "RecordingSid": recording_sid,
            "RecordingUrl": recording_url,
            "RecordingDuration": str(int(round(seconds))),
            "Digits": "hangup" if hang_up else "#",
        }
        return self.requesting(self.action_url(), params)

    def reporting_recording(
        self, recording_sid: str, recording_url: str, seconds: float, status: str = "completed"
    ) -> Steps:
        """The last Record's recordingStatusCallback for a take (none when it asked for none)."""
        callback = self.last_record.get("recordingStatusCallback") if self.last_record is not None else None
        if callback:
            params = {
                "RecordingSid": recording_sid,
                "RecordingUrl": recording_url,
                "RecordingStatus": status,
                "RecordingDuration": str(int(round(seconds))),
                "RecordingChannels": "1",
                "RecordingSource": "RecordVerb",
            }
            yield from self._post(urljoin(self.current_url, callback), params)
        return Turn()

    def hanging_up(self, turn: Turn | None = None, status: str = "completed", seconds: int = 60) -> Steps:
        """Put the phone down: the status callback reports how the call ended."""
        turn = turn or Turn()
        if not self.ended:
            self.ended = True
            yield from self.reporting(status, CallDuration=str(seconds))
        turn.waiting = "ended"
        turn.end_reason = turn.end_reason or "caller hung up"
        return turn

    def reporting(self, status: str, **params) -> Steps:
        """A call status callback (ringing, in-progress, completed...) as Twilio posts it."""
        if self.status_callback:
            yield from self._post(self.status_callback, {"CallStatus": status, **params})
        return Turn()

    def requesting(self, url: str, params: dict, turn: Turn | None = None) -> Steps:
        """POST to a TwiML URL (an action, a Redirect, Twilio's retry of either) and walk the answer."""
        turn = turn or Turn()
        if len(turn.documents) >= MAX_REDIRECTS:
            raise CallError(f"more than {MAX_REDIRECTS} redirects without asking the caller anything")
        body = yield from self._post(url, params)
        turn.documents.append((url, body))
        self.current_url = url
        self.pending = list(self._parse(body))
        return (yield from self._continue(turn))

    def action_url(self) -> str:
        """Where the verb the line waits on sends the caller's answer."""
        verb = self.waiting_on
        if verb is None:
            raise CallError("the call has ended: nothing is waiting for the caller", kind=CallError.ENDED)
        return urljoin(self.current_url, verb.get("action") or self.current_url)

    def _expect(self, verb: str) -> ET.Element:
        if self.waiting_on is None or self.ended:  # a hung-up call keeps the verb it was hung up on
            raise CallError(
                f"the line is waiting for nothing (call ended), not a {verb}", kind=CallError.ENDED
            )
        if self.waiting_on.tag != verb:
            message = f"the line is waiting for {self.waiting_on.tag}, not a {verb}"
            raise CallError(message, kind=CallError.NOT_WAITING)
        return self.waiting_on

    def _post(self, url: str, params: dict) -> Generator[tuple[str, dict, str], tuple[int, str], str]:
        params = {**self.common, **params}
        status, body = yield url, params, self.validator.compute_signature(url, params)
        if status >= 400 or status == 0:
            raise CallError(
                f"{urlsplit(url).path} answered HTTP {status}: the caller would hear an application error",
                status,
            )
        return body

    def _parse(self, body: str) -> ET.Element:
        try:
            root = ET.fromstring(body)
        except ET.ParseError as error:
            raise CallError(f"TwiML is not XML: {error}") from None
        if root.tag != "Response":
            raise CallError(f"TwiML root is <{root.tag}>, not <Response>")
        unknown = {verb.tag for verb in root} - SUPPORTED
        if unknown:
            raise CallError(f"unsupported TwiML verb(s): {', '.join(sorted(unknown))}")
        return root

    def _continue(self, turn: Turn) -> Steps:
        self.waiting_on = None
        while self.pending:
            verb = self.pending.pop(0)
            if verb.tag in ("Gather", "Record"):
                turn.heard += [heard for child in verb if (heard := _hear(child))]
                self.waiting_on = verb
                self.last_record = verb if verb.tag == "Record" else self.last_record
                turn.waiting = verb.tag.lower()
                turn.options = dict(verb.attrib)
                return turn
            if verb.tag == "Redirect":
                url = urljoin(self.current_url, (verb.text or "").strip())
                return (yield from self.requesting(url, {"CallStatus": "in-progress"}, turn))
            if verb.tag == "Hangup":
                turn.end_reason = "the line hung up"
                return (yield from self.hanging_up(turn))
            if verb.tag == "Reject":
                turn.end_reason = "the line rejected the call"
                status = "busy" if verb.get("reason") == "busy" else "no-answer"
                return (yield from self.hanging_up(turn, status=status))
            heard = _hear(verb)
            if heard:
                turn.heard.append(heard)
        turn.end_reason = "the TwiML ended without asking anything"
        return (yield from self.hanging_up(turn))


def _hear(verb: ET.Element) -> Heard | None:
    if verb.tag == "Say":
        return Heard("say", text=(verb.text or "").strip(), language=verb.get("language", ""))
    if verb.tag == "Play":
        return Heard("play", url=(verb.text or "").strip())
    if verb.tag == "Pause":
        return Heard("pause", text=verb.get("length", "1"))
    return None


def audio_seconds(data: bytes) -> float:
    """Duration of a WAV file's audio (0 when it is not a readable WAV)."""
    import io
    import wave

    try:
        with wave.open(io.BytesIO(data)) as wav:
            return wav.getnframes() / float(wav.getframerate())
    except (wave.Error, EOFError):
        return 0.0
