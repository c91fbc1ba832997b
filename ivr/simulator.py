"""A caller that talks to the line exactly as Twilio does: signed webhooks, TwiML followed verb by verb."""

import contextvars
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from twilio.request_validator import RequestValidator

VOICE_PATH = "/ivr/voice"
STATUS_PATH = "/ivr/status"
MAX_REDIRECTS = 25  # a flow that redirects more than this without asking anything is stuck
SUPPORTED = {"Say", "Play", "Pause", "Gather", "Record", "Redirect", "Hangup", "Reject"}


class CallError(RuntimeError):
    """The line answered with an error or TwiML the simulator cannot follow."""


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


class SimulatedCall:
    """One phone call: start it, press keys, record, stay silent, hang up."""

    def __init__(
        self,
        transport,
        auth_token: str,
        public_base_url: str,
        caller: str,
        line: str = "+18005550100",
        account_sid: str = "AC" + "0" * 32,
        direction: str = "inbound",
    ):
        self.transport = transport
        self.validator = RequestValidator(auth_token)
        self.base = public_base_url.rstrip("/")
        self.call_sid = "CA" + secrets.token_hex(16)
        self.direction = direction
        self.common = {
            "CallSid": self.call_sid,
            "AccountSid": account_sid,
            "From": caller,
            "To": line,
            "Caller": caller,
            "Called": line,
            "Direction": direction,
            "ApiVersion": "2010-04-01",
        }
        self.current_url = ""
        self.pending: list[ET.Element] = []  # verbs after the one we are waiting on
        self.waiting_on: ET.Element | None = None
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
            common["Direction"],
        )
        call.common, call.call_sid = common, common["CallSid"]
        call.current_url, call.ended = state["current_url"], state["ended"]
        call.status_callback = state["status_callback"]
        call.pending = [ET.fromstring(v) for v in state["pending"]]
        call.waiting_on = ET.fromstring(state["waiting_on"]) if state["waiting_on"] else None
        return call

    # --- caller actions ---

    def start(self, url: str | None = None) -> Turn:
        """Ring the line (or answer an outbound call whose TwiML is at url)."""
        return self._fetch(
            url or self.base + VOICE_PATH, {"CallStatus": "ringing" if not url else "in-progress"}
        )

    def press(self, digits: str) -> Turn:
        """Key in digits at a Gather (the finishOnKey is not sent, as Twilio does)."""
        gather = self._expect("Gather")
        finish = gather.get("finishOnKey", "#")
        sent = digits[:-1] if finish and digits.endswith(finish) and len(digits) > 1 else digits
        return self._fetch(self._action(gather), {"CallStatus": "in-progress", "Digits": sent})

    def silence(self) -> Turn:
        """Say nothing at a Gather: the call continues after it (or posts empty Digits if asked to)."""
        gather = self._expect("Gather")
        if gather.get("actionOnEmptyResult") == "true":
            return self._fetch(self._action(gather), {"CallStatus": "in-progress", "Digits": ""})
        return self._continue(Turn())

    def record(self, recording_sid: str, recording_url: str, seconds: float, hang_up: bool = False) -> Turn:
        """Finish a Record with a recording (by # or by hanging up); then its status callback arrives."""
        record = self._expect("Record")
        params = {
            "CallStatus": "completed" if hang_up else "in-progress",
            "RecordingSid": recording_sid,
            "RecordingUrl": recording_url,
            "RecordingDuration": str(int(round(seconds))),
            "Digits": "hangup" if hang_up else "#",
        }
        turn = self._fetch(self._action(record), params)
        self._recording_callback(record, recording_sid, recording_url, seconds)
        if hang_up:
            return self.hang_up(turn)
        return turn

    def hang_up(self, turn: Turn | None = None, status: str = "completed") -> Turn:
        """Put the phone down: the status callback reports how the call ended."""
        turn = turn or Turn()
        if not self.ended:
            self.ended = True
            if self.status_callback:
                self._post(self.status_callback, {"CallStatus": status, "CallDuration": "60"})
        turn.waiting, turn.end_reason = "ended", turn.end_reason or "caller hung up"
        return turn

    # --- TwiML walking ---

    def _expect(self, verb: str) -> ET.Element:
        if self.waiting_on is None or self.waiting_on.tag != verb:
            now = self.waiting_on.tag if self.waiting_on is not None else "nothing (call ended)"
            raise CallError(f"the line is waiting for {now}, not a {verb}")
        return self.waiting_on

    def _action(self, verb: ET.Element) -> str:
        return urljoin(self.current_url, verb.get("action") or self.current_url)

    def _recording_callback(self, record: ET.Element, sid: str, url: str, seconds: float) -> None:
        callback = record.get("recordingStatusCallback")
        if callback:
            self._post(
                urljoin(self.current_url, callback),
                {
                    "RecordingSid": sid,
                    "RecordingUrl": url,
                    "RecordingStatus": "completed",
                    "RecordingDuration": str(int(round(seconds))),
                    "RecordingChannels": "1",
                    "RecordingSource": "RecordVerb",
                },
            )

    def _post(self, url: str, params: dict) -> str:
        params = {**self.common, **params}
        status, body = self.transport.post(url, params, self.validator.compute_signature(url, params))
        if status >= 400:
            raise CallError(
                f"{urlsplit(url).path} answered HTTP {status}: the caller would hear an application error"
            )
        return body

    def _fetch(self, url: str, params: dict, turn: Turn | None = None) -> Turn:
        turn = turn or Turn()
        if len(turn.documents) >= MAX_REDIRECTS:
            raise CallError(f"more than {MAX_REDIRECTS} redirects without asking the caller anything")
        body = self._post(url, params)
        turn.documents.append((url, body))
        self.current_url = url
        self.pending = list(self._parse(body))
        return self._continue(turn)

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

    def _continue(self, turn: Turn) -> Turn:
        self.waiting_on = None
        while self.pending:
            verb = self.pending.pop(0)
            if verb.tag in ("Gather", "Record"):
                turn.heard += [heard for child in verb if (heard := _hear(child))]
                self.waiting_on, turn.waiting, turn.options = verb, verb.tag.lower(), dict(verb.attrib)
                return turn
            if verb.tag == "Redirect":
                return self._fetch(
                    urljoin(self.current_url, verb.text.strip()), {"CallStatus": "in-progress"}, turn
                )
            if verb.tag == "Hangup":
                turn.end_reason = "the line hung up"
                return self.hang_up(turn)
            if verb.tag == "Reject":
                turn.end_reason = "the line rejected the call"
                return self.hang_up(turn, status="busy" if verb.get("reason") == "busy" else "no-answer")
            heard = _hear(verb)
            if heard:
                turn.heard.append(heard)
        turn.end_reason = "the TwiML ended without asking anything"
        return self.hang_up(turn)


def _hear(verb: ET.Element) -> Heard | None:
    if verb.tag == "Say":
        return Heard("say", text=(verb.text or "").strip(), language=verb.get("language", ""))
    if verb.tag == "Play":
        return Heard("play", url=(verb.text or "").strip())
    if verb.tag == "Pause":
        return Heard("pause", text=verb.get("length", "1"))
    return None


# --- scripted journeys (the terminal command and journey tests) ---


def audio_seconds(data: bytes) -> float:
    """Duration of a WAV file's audio (0 when it is not a readable WAV)."""
    import io
    import wave

    try:
        with wave.open(io.BytesIO(data)) as wav:
            return wav.getnframes() / float(wav.getframerate())
    except (wave.Error, EOFError):
        return 0.0


def run_script(
    call: SimulatedCall, steps: list, save_recording, say=print, base_dir: Path | None = None
) -> Turn:
    """Walk a journey (press, record, silence, hangup, expect) and say what the caller hears.

    save_recording(data, call_sid, seconds) -> (recording_sid, recording_url) keeps recorded audio
    where the line's download job can fetch it. Raises CallError on a dead end or a failed expectation.
    """
    turn = call.start()
    _tell(turn, say)
    for number, step in enumerate(steps, start=1):
        action, value = (step, None) if isinstance(step, str) else next(iter(step.items()))
        if action == "expect":
            _check_heard(turn, str(value), number)
            continue
        if turn.waiting == "ended":
            raise CallError(f"dead end: the call ended ({turn.end_reason}) before step {number} ({action})")
        turn = _perform(call, action, value, save_recording, base_dir or Path.cwd())
        say(f"> {action} {value if value is not None else ''}".rstrip())
        _tell(turn, say)
    return turn


def _perform(call: SimulatedCall, action: str, value, save_recording, base_dir: Path) -> Turn:
    if action == "press":
        return call.press(str(value))
    if action == "silence":
        return call.silence()
    if action == "hangup":
        return call.hang_up()
    if action in ("record", "hangup_while_recording"):
        data = (base_dir / value).read_bytes()
        seconds = audio_seconds(data)
        sid, url = save_recording(data, call.call_sid, seconds)
        return call.record(sid, url, seconds, hang_up=action == "hangup_while_recording")
    raise CallError(
        f"unknown step '{action}' (use press, record, silence, hangup, hangup_while_recording, expect)"
    )


def _check_heard(turn: Turn, text: str, number: int) -> None:
    spoken = " ".join(h.text for h in turn.heard if h.kind == "say")
    if text not in spoken:
        raise CallError(f"step {number}: expected to hear “{text}”, heard: {spoken or 'nothing spoken'}")


def _tell(turn: Turn, say) -> None:
    for heard in turn.heard:
        say(f"  {heard.describe()}")
    if turn.waiting == "ended":
        say(f"  [call ended: {turn.end_reason}]")
    else:
        say(f"  [waiting for {'keys' if turn.waiting == 'gather' else 'a recording'}]")
