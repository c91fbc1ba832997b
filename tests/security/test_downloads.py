"""Recording downloads follow redirects only to the provider's own hosts over https, each hop checked.

Attack reproduced (issue 17, item 15): a recording download followed an https redirect to any host
and port; 169.254.169.254 (the cloud metadata service) and the Redis port were tried.
"""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from audio import fetch
from core import twilio

WAV = b"RIFF" + b"\0" * 40


class RedirectingTwilio(BaseHTTPRequestHandler):
    """The API host: /first redirects to `self.server.location`, /inside.wav answers the audio."""

    def do_GET(self):  # noqa: N802 - the http.server API
        self.server.paths.append(self.path)
        if self.path == "/inside.wav":
            self.send_response(200)
            self.send_header("Content-Length", str(len(WAV)))
            self.end_headers()
            self.wfile.write(WAV)
            return
        self.send_response(302)
        self.send_header("Location", self.server.locations.pop(0))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args):
        pass


@pytest.fixture
def api(app, monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), RedirectingTwilio)
    server.paths = []
    server.locations = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f"127.0.0.1:{server.server_port}"
    monkeypatch.setattr(twilio, "api_host", lambda: host)
    yield server
    server.shutdown()


@pytest.mark.parametrize(
    "location",
    [
        "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1:6379/",
        "https://localhost/x.wav",
        "https://api.twilio.com:6379/x.wav",
        "https://api.twilio.com.evil.example/x.wav",
        "https://evil.example/twilio.com/x.wav",
        "https://user@api.twilio.com/x.wav",
        "ftp://api.twilio.com/x.wav",
        "http://media.twiliocdn.com/x.wav",
    ],
)
def test_a_redirect_off_the_provider_is_refused_before_it_is_followed(api, tmp_path, location):
    api.locations = [location]
    with pytest.raises(fetch.DownloadRefusedError):
        fetch.download(f"http://{twilio.api_host()}/first", tmp_path / "x.wav", 10_000)
    assert api.paths == ["/first.wav"]


def test_every_hop_is_checked_and_one_inside_the_api_host_is_followed(api, tmp_path):
    api.locations = ["/second", "https://169.254.169.254/latest/meta-data/"]
    with pytest.raises(fetch.DownloadRefusedError):
        fetch.download(f"http://{twilio.api_host()}/first", tmp_path / "x.wav", 10_000)
    assert api.paths == ["/first.wav", "/second"]
    api.paths = []
    api.locations = ["/inside.wav"]
    fetch.download(f"http://{twilio.api_host()}/first", tmp_path / "y.wav", 10_000)
    assert (tmp_path / "y.wav").read_bytes() == WAV


def test_the_providers_own_hosts_over_https_are_allowed(app):
    origin = fetch.urlsplit("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.wav")
    for url in (
        "https://media.twiliocdn.com/RE1.wav",
        "https://api.twilio.com:443/x.wav",
        "https://twilio.com/x",
    ):
        fetch.check_redirect(url, origin)
