"""CPU per phone-line webhook, in-process, against a floor measured in the same run.

The floor is the least any Twilio webhook can cost in this stack: a bare Flask handler that checks
Twilio's signature with the official validator, commits one SQLite write (WAL, synchronous=NORMAL)
and returns TwiML built with twilio-python. The app's side is a scripted call (dial, status,
language and menu keys, a lesson heard to its end, a rating, hang-up) driven through Flask's test
client, so no HTTP server or load generator shares the measurement: both sides are CPU time of this
process (time.process_time), which depends far less on what else the machine runs than latency does.

Run alone (`python -m bench.webhook_cpu`) it also prints the cProfile of the scripted calls.
"""

import cProfile
import io
import pstats
import secrets
import sqlite3
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

from bench import callers
from bench.instance import ACCOUNT_SID, PUBLIC_BASE_URL, Instance
from ivr.simulator import SimulatedCall

TARGET_RATIO = 3  # CPU per webhook against the floor's
CALLER_PARAMS = {
    "AccountSid": ACCOUNT_SID,
    "To": callers.LINE_NUMBER,
    "Called": callers.LINE_NUMBER,
    "Direction": "inbound",
    "ApiVersion": "2010-04-01",
}


def floor_app(auth_token: str, db_path: Path) -> Flask:
    """The floor: signature check, one committed SQLite write, TwiML."""
    app = Flask("floor")
    validator = RequestValidator(auth_token)
    connection = sqlite3.connect(db_path, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("CREATE TABLE IF NOT EXISTS hits (call_sid TEXT, digits TEXT, at REAL)")

    @app.post("/ivr/<path:_rest>")
    def webhook(_rest):
        url = PUBLIC_BASE_URL + request.full_path.rstrip("?")
        if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature", "")):
            return Response(status=403)
        with connection:
            connection.execute(
                "INSERT INTO hits VALUES (?, ?, ?)",
                (request.form.get("CallSid"), request.form.get("Digits"), time.time()),
            )
        reply = VoiceResponse()
        gather = reply.gather(action="/ivr/key/menu", num_digits=1)
        gather.say("Press 1 to listen.")
        return Response(str(reply), mimetype="text/xml")

    return app


class SignedClient:
    """Flask's test client posting as Twilio posts: form-encoded, signed for the public URL."""

    def __init__(self, app: Flask, auth_token: str):
        self.client = app.test_client()
        self.validator = RequestValidator(auth_token)
        self.auth_token = auth_token
        self.cpu: list[float] = []  # CPU seconds of each request, signing excluded

    def post(self, url: str, params: dict) -> str:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, params)}
        started = time.process_time()
        response = self.client.post(path, data=params, headers=headers)
        self.cpu.append(time.process_time() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.get_data(as_text=True)[:200]}")
        return response.get_data(as_text=True)


class SignedTransport:
    """The simulator's transport over a SignedClient (which signs again, the same way)."""

    def __init__(self, client: SignedClient):
        self.client = client

    def post(self, url: str, params: dict, _signature: str) -> tuple[int, str]:
        return 200, self.client.post(url, params)


def scripted_call(client: SignedClient, number: str) -> None:
    """One caller listens to a lesson to its end and rates it, on the app's simulated caller."""
    call = SimulatedCall(
        SignedTransport(client),
        client.auth_token,
        PUBLIC_BASE_URL,
        number,
        CALLER_PARAMS["To"],
        CALLER_PARAMS["AccountSid"],
    )
    turn, done = call.start(), False
    call.run(call.reporting("in-progress"))
    for _ in range(callers.MAX_TURNS):
        if turn.waiting != "gather":
            break
        parts = urlsplit(call.action_url())
        screen, args = parts.path.rsplit("/", 1)[-1], parse_qs(parts.query)
        key = callers.choose_key(screen, args, "listen", done)
        done = done or (screen == "after" and "rated" not in args)
        if key == callers.HANG_UP:
            break
        turn = call.silence() if key is None else call.press(key)
    call.hang_up(seconds=60)


def floor_call(client: SignedClient, number: str, requests: int) -> None:
    sid = "CA" + secrets.token_hex(16)
    for n in range(requests):
        client.post(
            PUBLIC_BASE_URL + "/ivr/key/menu",
            {**CALLER_PARAMS, "CallSid": sid, "From": number, "Digits": str(n % 10)},
        )


def measure(
    inst: Instance, calls: int = 40, warm_up: int = 5, profile: cProfile.Profile | None = None
) -> dict:
    """CPU ms per request for the app's scripted calls and for the floor, from one process and run."""
    app_client = SignedClient(inst.app(), inst.auth_token)
    floor = SignedClient(floor_app(inst.auth_token, inst.folder / "floor.db"), inst.auth_token)
    numbers = callers.caller_numbers(calls + warm_up)
    for number in numbers[:warm_up]:  # first calls build caches and register the callers
        scripted_call(app_client, number)
        floor_call(floor, number, 10)
    app_client.cpu.clear()
    floor.cpu.clear()
    # Interleaved call by call, so both sides see the same machine (a neighbour's burst hits both).
    for number in numbers[warm_up:]:
        done = len(app_client.cpu)
        if profile:
            profile.enable()
        scripted_call(app_client, number)
        if profile:
            profile.disable()
        floor_call(floor, number, len(app_client.cpu) - done)
    app_ms = 1000 * sum(app_client.cpu) / len(app_client.cpu)
    floor_ms = 1000 * sum(floor.cpu) / len(floor.cpu)
    return {
        "calls": calls,
        "requests": len(app_client.cpu),
        "app_cpu_ms_per_request": round(app_ms, 2),
        "floor_cpu_ms_per_request": round(floor_ms, 2),
        "ratio": round(app_ms / floor_ms, 2),
    }


def top_items(profile: cProfile.Profile, count: int = 25, sort: str = "cumulative") -> str:
    """The profile's top functions as pstats prints them."""
    out = io.StringIO()
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats(sort).print_stats(count)
    return out.getvalue()


def main() -> None:
    profile = cProfile.Profile()
    with Instance() as inst:
        figures = measure(inst, profile=profile)
    print(top_items(profile, 40, "cumulative"))
    print(top_items(profile, 30, "tottime"))
    print(figures)


if __name__ == "__main__":
    main()
