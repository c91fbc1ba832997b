"""A loopback HTTP server that speaks Twilio's REST wire format, for tests and benchmarks.

It accepts form-encoded POSTs to /2010-04-01/Accounts/{sid}/Calls.json and Messages.json with
basic auth, answers 201 with JSON like Twilio's, serves recordings registered with it, and can
inject faults (error codes, 429/5xx, a read timeout after accepting) and enforce a rate limit.
A recording can be served slowly (trickle_seconds), like a congested link.
"""

import base64
import contextlib
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/(?P<rest>.+)$")


@dataclass
class Fault:
    status: int
    code: int | None = None
    message: str = "injected fault"
    hang_after_accepting: float = 0.0  # seconds to sleep after recording the request


@dataclass
class LoopbackTwilio:
    account_sid: str
    auth_token: str
    requests: list = field(default_factory=list)
    recordings: dict = field(default_factory=dict)  # sid -> deque of (status, bytes) answers
    faults: deque = field(default_factory=deque)
    invalid_numbers: set = field(default_factory=set)
    unsubscribed_numbers: set = field(default_factory=set)
    rate_limit_per_second: int | None = None
    trickle: dict = field(default_factory=dict)  # recording sid -> seconds to spread its body over
    downloads: list = field(default_factory=list)  # recording sids in the order their download began
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _window: deque = field(default_factory=deque)

    def start(self) -> "LoopbackTwilio":
        handler = type("Handler", (_Handler,), {"twilio": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.recordings.clear()
            self.faults.clear()
            self.invalid_numbers.clear()
            self.unsubscribed_numbers.clear()
            self.rate_limit_per_second = None
            self._window.clear()
            self.trickle.clear()
            self.downloads.clear()

    def add_recording(self, sid: str, *answers: tuple[int, bytes], trickle_seconds: float = 0.0) -> str:
        """Serve these (status, body) answers in turn for the recording; the last one repeats.

        With trickle_seconds, each 200 body is sent in small pieces spread over that many seconds.
        """
        self.recordings[sid] = deque(answers)
        if trickle_seconds:
            self.trickle[sid] = trickle_seconds
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Recordings/{sid}"

    def created(self, kind: str) -> list[dict]:
        """The accepted create requests of a kind ('Calls' or 'Messages')."""
        return [r for r in self.requests if r["kind"] == kind and r["status"] == 201]

    def next_sid(self, prefix: str) -> str:
        # Random like Twilio's: counted SIDs matched the test phones' own counted ones (tests.ivr_fixtures.sid),
        # so a test run alone could answer a call back with the missed call it returns.
        return f"{prefix}{secrets.token_hex(16)}"

    def over_rate(self) -> bool:
        if not self.rate_limit_per_second:
            return False
        now = time.monotonic()
        with self._lock:
            while self._window and now - self._window[0] >= 1.0:
                self._window.popleft()
            if len(self._window) >= self.rate_limit_per_second:
                return True
            self._window.append(now)
        return False


class _Handler(BaseHTTPRequestHandler):
    twilio: LoopbackTwilio
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args) -> None:
        pass

    def _authorised(self) -> bool:
        expected = f"{self.twilio.account_sid}:{self.twilio.auth_token}".encode()
        return self.headers.get("Authorization", "") == "Basic " + base64.b64encode(expected).decode()

    def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, code: int | None, message: str) -> None:
        body = {
            "code": code,
            "message": message,
            "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
        }
        self._reply(status, json.dumps(body).encode())

    def _route(self):
        match = ACCOUNT_PATH.match(self.path.split("?")[0])
        if not match or not self._authorised() or match["account"] != self.twilio.account_sid:
            self._error(401, 20003, "Authentication Error - invalid username")
            return None
        return match["rest"]

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        rest = self._route()
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if rest is None:
            return
        kind = rest.removesuffix(".json")
        if kind not in ("Calls", "Messages"):
            self._error(404, 20404, "The requested resource was not found")
            return
        self._create(kind, form)

    def _create(self, kind: str, form: dict) -> None:
        twilio = self.twilio
        record = {
            "kind": kind,
            "form": form,
            "time": time.time(),
            "status": 201,
            "sid": None,
            "connection": self.client_address,
        }
        with twilio._lock:
            twilio.requests.append(record)
        fault = twilio.faults.popleft() if twilio.faults else None
        if twilio.over_rate():
            record["status"] = 429
            self._error(429, 20429, "Too Many Requests")
        elif fault and not fault.hang_after_accepting:
            record["status"] = fault.status
            self._error(fault.status, fault.code, fault.message)
        elif form.get("To") in twilio.invalid_numbers:
            record["status"] = 400
            self._error(400, 21211, f"The 'To' number {form.get('To')} is not a valid phone number.")
        elif kind == "Messages" and form.get("To") in twilio.unsubscribed_numbers:
            record["status"] = 400
            self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        else:
            record["sid"] = twilio.next_sid("CA" if kind == "Calls" else "SM")
            record["resource"] = self._resource(kind, record["sid"], form)
            if fault:  # accepted, then the client never hears back in time
                time.sleep(fault.hang_after_accepting)
            self._reply(201, json.dumps(record["resource"]).encode())

    def _resource(self, kind: str, sid: str, form: dict) -> dict:
        account = self.twilio.account_sid
        return {
            "sid": sid,
            "account_sid": account,
            "to": form.get("To"),
            "from": form.get("From"),
            "status": "queued",
            "body": form.get("Body"),
            "direction": "outbound-api",
            "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
            "uri": f"/2010-04-01/Accounts/{account}/{kind}/{sid}.json",
            "num_segments": "1",
            "price": None,
            "error_code": None,
            "error_message": None,
        }

    def do_GET(self) -> None:  # noqa: N802
        rest = self._route()
        if rest is None:
            return
        if rest in ("Calls.json", "Messages.json"):
            self._list(rest.removesuffix(".json"))
            return
        match = re.match(r"^Recordings/(RE\w+?)(\.wav|\.mp3|\.json)?$", rest)
        answers = self.twilio.recordings.get(match[1]) if match else None
        if not answers:
            self._error(404, 20404, "The requested resource was not found")
            return
        status, body = answers.popleft() if len(answers) > 1 else answers[0]
        if status != 200:
            self._error(status, 20404 if status == 404 else None, "recording not available")
            return
        with self.twilio._lock:
            self.twilio.downloads.append(match[1])
        if match[1] in self.twilio.trickle:
            self._trickle(body, self.twilio.trickle[match[1]])
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client stopped at its byte cap
            self._reply(200, body, "audio/x-wav")

    def _trickle(self, body: bytes, seconds: float, pieces: int = 50) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "audio/x-wav")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        step = -(-len(body) // pieces)
        try:
            for start in range(0, len(body), step):
                self.wfile.write(body[start : start + step])
                self.wfile.flush()
                time.sleep(seconds / pieces)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (a killed worker)

    def _list(self, kind: str) -> None:
        """Calls or Messages created so far, newest first, filtered by To and From like Twilio's list."""
        query = {k: v[0] for k, v in parse_qs(self.path.partition("?")[2]).items()}
        with self.twilio._lock:
            resources = [
                r["resource"] for r in self.twilio.requests if r["kind"] == kind and r.get("resource")
            ]
        for name in ("To", "From"):
            if name in query:
                resources = [r for r in resources if r[name.lower()] == query[name]]
        size = int(query.get("PageSize", 50))
        uri = f"/2010-04-01/Accounts/{self.twilio.account_sid}/{kind}.json"
        page = {"page": 0, "page_size": size, "uri": uri, "next_page_uri": None, "first_page_uri": uri}
        self._reply(200, json.dumps({kind.lower(): resources[::-1][:size], **page}).encode())

    def do_DELETE(self) -> None:  # noqa: N802
        rest = self._route()
        if rest is None:
            return
        match = re.match(r"^Recordings/(RE\w+?)(\.json)?$", rest)
        sid = match[1] if match else None
        with self.twilio._lock:
            self.twilio.requests.append({"kind": "DeleteRecording", "sid": sid, "status": 204})
        if sid in self.twilio.recordings:
            del self.twilio.recordings[sid]
            self._reply(204, b"")
        else:
            self._error(404, 20404, "The requested resource was not found")
