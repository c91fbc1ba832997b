"""Simulated callers walking the phone line over HTTP on loopback, signed and paced like Twilio.

Each caller dials, answers one menu about every 10 s (as a person listening to a prompt would),
listens to a lesson or records a story, hangs up, and calls again. Twilio's status callbacks
(answered, completed) and recording status callbacks are posted as Twilio posts them.
"""

import asyncio
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import aiohttp
from twilio.request_validator import RequestValidator

from bench.common import percentile
from ivr.simulator import CallError, SimulatedCall, Steps, Turn

TWILIO_DEADLINE_SECONDS = 15
LINE_NUMBER = "+18005550100"
MAX_TURNS = 30  # a call longer than this is stuck in a loop: it hangs up and counts as an error
HANG_UP = "hang up"


@dataclass
class Sample:
    """One webhook request as the caller saw it."""

    kind: str
    started: float
    seconds: float
    status: int  # 0 when no answer came (connection error or deadline)


@dataclass
class Load:
    """Where to send webhooks, how to sign them, and everything measured on the way."""

    web_url: str
    public_base: str
    auth_token: str
    account_sid: str
    recording_base: str = "http://127.0.0.1:9"
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    on_recording: Callable[[str, str], tuple[str, str, float]] | None = None

    def __post_init__(self):
        self.validator = RequestValidator(self.auth_token)

    def count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def recording(self, call_sid: str) -> tuple[str, str, float]:
        """(RecordingSid, RecordingUrl, seconds) for a take; on_recording may serve real audio."""
        if self.on_recording:
            return self.on_recording(call_sid, self.recording_base)
        sid = "RE" + secrets.token_hex(16)
        return sid, f"{self.recording_base}/2010-04-01/Accounts/{self.account_sid}/Recordings/{sid}", 20.0


def kind_of(path: str) -> str:
    """The webhook a path belongs to: voice, step, key, status or recording-status."""
    parts = path.split("?")[0].strip("/").split("/")
    return parts[1] if len(parts) > 1 and parts[0] == "ivr" else path


def choose_key(screen: str, args: dict, intent: str, done: bool) -> str | None:
    """What a caller with this intent (listen or record) does on a screen: a key, None (silence) or HANG_UP."""
    if screen == "menu":
        return HANG_UP if done else {"listen": "1", "record": "3"}[intent]
    if screen == "after":
        return HANG_UP if "rated" in args else "1"
    if screen == "play":
        return None  # listen to each segment to its end
    keys = {
        "language": "1",
        "home": "2",
        "topics": "1",
        "lessons": "1",
        "stories": "1",
        "consent": "1",
        "review": "1",
    }
    return keys.get(screen, "*")


class Caller:
    """One person calling again and again from the same number until the run ends.

    Each call is the app's own simulated caller (ivr.simulator), driven over aiohttp: the TwiML is
    walked in one place for the staff simulator, the tests' phone and these callers.
    """

    def __init__(
        self, load: Load, session: aiohttp.ClientSession, number: str, rng: random.Random, pace: float = 10.0
    ):
        self.load = load
        self.session = session
        self.number = number
        self.rng = rng
        self.pace = pace
        self.call = self.new_call()

    def new_call(self) -> SimulatedCall:
        load = self.load
        self.call = SimulatedCall(
            None, load.auth_token, load.public_base, self.number, LINE_NUMBER, load.account_sid
        )
        return self.call

    async def run(self, start_delay: float, stop_at: float) -> None:
        """Call, hang up, call again, until stop_at."""
        await asyncio.sleep(start_delay)
        while time.monotonic() < stop_at:
            await self.one_call(stop_at)
            await self.think()

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(0.8 * self.pace, 1.2 * self.pace))

    async def one_call(self, stop_at: float) -> None:
        call, started = self.new_call(), time.monotonic()
        intent, done = self.rng.choice(("listen", "listen", "record")), False
        turn = await self.step(call.starting())
        await self.step(call.reporting("in-progress"))
        for _ in range(MAX_TURNS):
            if turn.waiting == "ended" or time.monotonic() >= stop_at:
                break
            await self.think()
            turn, done = await self.act(turn, intent, done)
        else:
            self.load.errors.append(f"call did not end within {MAX_TURNS} turns")
        self.load.count(f"calls ({intent})" + (" completed" if done else ""))
        await self.step(call.hanging_up(seconds=int(time.monotonic() - started)))

    async def act(self, turn: Turn, intent: str, done: bool) -> tuple[Turn, bool]:
        if turn.waiting == "record":
            return await self.record(), done
        parts = urlsplit(self.call.action_url())
        screen, args = parts.path.rsplit("/", 1)[-1], parse_qs(parts.query)
        key = choose_key(screen, args, intent, done)
        done = done or (screen == "review" and key == "1") or (screen == "after" and "rated" not in args)
        if key == HANG_UP:
            return Turn(), done
        if key is None:
            return await self.step(self.call.staying_silent()), done
        return await self.step(self.call.pressing(key)), done

    async def record(self) -> Turn:
        sid, url, seconds = self.load.recording(self.call.call_sid)
        following = await self.step(self.call.recording(sid, url, seconds))
        self.load.count("recordings")
        return following

    async def step(self, steps: Steps) -> Turn:
        """Send an action's webhooks; a failed one ends the call (Turn() waits for nothing)."""
        try:
            return await self.call.run_async(steps, self.send)
        except CallError as error:
            if error.status is None:  # HTTP failures are already noted by signed_post
                self.load.errors.append(f"{kind_of(urlsplit(self.call.current_url).path)}: {error}")
            return Turn()

    async def send(self, url: str, params: dict, signature: str) -> tuple[int, str]:
        body = await signed_post(self.load, self.session, url, params, signature)
        return (0, "") if body is None else (200, body)


async def signed_post(
    load: Load, session: aiohttp.ClientSession, url: str, params: dict, signature: str = ""
) -> str | None:
    """POST params to the public URL's path on the loopback server, signed as Twilio signs it."""
    parts = urlsplit(url)
    target = load.web_url + parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"X-Twilio-Signature": signature or load.validator.compute_signature(url, params)}
    kind, started = kind_of(parts.path), time.monotonic()
    status, body = 0, None
    try:
        async with session.post(target, data=params, headers=headers) as response:
            status, body = response.status, await response.text()
    except (aiohttp.ClientError, TimeoutError) as error:
        load.errors.append(f"{kind}: {type(error).__name__} {error}".strip())
    load.samples.append(Sample(kind, started, time.monotonic() - started, status))
    if status >= 400:
        load.errors.append(f"{kind}: HTTP {status}")
        return None
    return body


def new_session(connections: int = 512, keep_alive: bool = False) -> aiohttp.ClientSession:
    """An HTTP client with Twilio's 15 s deadline; a new connection per webhook unless keep_alive.

    Kept-alive connections are closed after 1 s idle, before gunicorn's 2 s, so a request never
    races the server closing its connection.
    """
    timeout = aiohttp.ClientTimeout(total=TWILIO_DEADLINE_SECONDS)
    reuse = {"keepalive_timeout": 1.0} if keep_alive else {"force_close": True}
    connector = aiohttp.TCPConnector(limit=connections, **reuse)
    return aiohttp.ClientSession(timeout=timeout, connector=connector)


def caller_numbers(count: int, first: int = 0) -> list[str]:
    """Distinct Indian mobile numbers, stable between runs."""
    return [f"+9198{first + n:08d}" for n in range(count)]


async def run_callers(
    load: Load, callers: int, ramp: float, steady: float, pace: float = 10.0, seed: int = 1
) -> tuple[float, float]:
    """Run callers (started evenly over `ramp` s) for ramp + steady s; returns the steady window."""
    rng = random.Random(seed)
    start = time.monotonic()
    window = (start + ramp, start + ramp + steady)
    async with new_session() as session:
        tasks = [
            Caller(load, session, number, random.Random(rng.random()), pace).run(
                ramp * n / callers, window[1]
            )
            for n, number in enumerate(caller_numbers(callers))
        ]
        await asyncio.gather(*tasks)
    return window


async def saturate(load: Load, path: str, concurrency: int, seconds: float, numbers: int = 1000) -> float:
    """Closed loop: `concurrency` clients POST to path back to back for `seconds`; returns the window start."""
    stop_at = time.monotonic() + seconds
    pool = caller_numbers(numbers)

    async def client(n: int, session: aiohttp.ClientSession) -> None:
        while time.monotonic() < stop_at:
            params = {
                "AccountSid": load.account_sid,
                "CallSid": "CA" + secrets.token_hex(16),
                "From": pool[n % len(pool)],
                "To": LINE_NUMBER,
                "Direction": "inbound",
                "CallStatus": "ringing",
                "ApiVersion": "2010-04-01",
            }
            await signed_post(load, session, load.public_base + path, params)
            n += concurrency

    started = time.monotonic()
    async with new_session(concurrency, keep_alive=True) as session:
        await asyncio.gather(*(client(n, session) for n in range(concurrency)))
    return started


def summary(samples: list[Sample], window: tuple[float, float]) -> dict:
    """Count, errors and latency percentiles (ms) of the samples started inside the window."""
    inside = [s for s in samples if window[0] <= s.started < window[1]]
    millis = [s.seconds * 1000 for s in inside]
    return {
        "requests": len(inside),
        "errors": sum(1 for s in inside if not 200 <= s.status < 400),
        "rate": round(len(inside) / (window[1] - window[0]), 1),
        "p50_ms": round(percentile(millis, 50), 1),
        "p99_ms": round(percentile(millis, 99), 1),
        "max_ms": round(max(millis, default=0.0), 1),
    }
