"""Download a Twilio recording to disk: only from the Twilio API host, streamed, timed out and capped."""

import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from flask import current_app
from urllib3.exceptions import HTTPError

from core import twilio

CONNECT_TIMEOUT, READ_TIMEOUT = 5, 60
# A trickling body resets the read timeout with every byte; the whole download gets this long, so that
# with a last stalled read it still ends before RQ's 180 s job timeout kills the job without a reason.
DOWNLOAD_SECONDS = 90
MAX_REDIRECTS = 3
CHUNK_BYTES = 64 * 1024


class DownloadRefusedError(ValueError):
    """The URL points somewhere recordings never come from."""


class DownloadPermanentError(RuntimeError):
    """Twilio refused the download (401/403...): trying again cannot help."""


class DownloadNotReadyError(RuntimeError):
    """Not there yet or not reachable now (404, 5xx, timeout, cut-off body): try again later."""


def recording_media_url(source_url: str) -> str:
    """The .wav URL of a RecordingUrl, refused unless it is on the configured Twilio API host."""
    parts = urlsplit(source_url or "")
    if parts.scheme not in ("http", "https") or parts.netloc != twilio.api_host() or parts.username:
        raise DownloadRefusedError(f"recording URL is not on {twilio.api_host()}")
    if parts.query or parts.fragment:
        raise DownloadRefusedError("recording URL carries a query or fragment")
    return source_url if parts.path.endswith(".wav") else source_url + ".wav"


def download(source_url: str, target: Path, max_bytes: int) -> bool:
    """Stream the recording's WAV into target; True if it was cut off at max_bytes."""
    url = recording_media_url(source_url)
    try:
        with _open(url) as response:
            return _save(response, target, max_bytes)
    except (requests.RequestException, HTTPError) as error:
        raise DownloadNotReadyError(f"download interrupted: {type(error).__name__}") from error


def _open(url: str) -> requests.Response:
    """GET with credentials for the API host only; redirects followed by hand, each hop checked first."""
    origin = urlsplit(url)
    for _ in range(MAX_REDIRECTS + 1):
        auth = twilio.basic_auth() if urlsplit(url)[:2] == origin[:2] else None
        response = requests.get(
            url, auth=auth, stream=True, allow_redirects=False, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)
        )
        if not response.is_redirect:
            _check_status(response)
            return response
        response.close()
        url = urljoin(url, response.headers["Location"])
        check_redirect(url, origin)
    raise DownloadNotReadyError("too many redirects")


def check_redirect(url: str, origin) -> None:
    """Refuse a redirect anywhere but the API host itself or the provider's own hosts over https.

    Checked before each hop is requested: a redirect must not reach the metadata service, Redis or
    any other address on our side of the firewall (default https port only, no user part).
    """
    parts = urlsplit(url)
    if parts[:2] == origin[:2]:
        return
    host = (parts.hostname or "").lower()
    domains = [
        d.strip().lower() for d in current_app.config["RECORDING_DOWNLOAD_HOSTS"].split(",") if d.strip()
    ]
    provider = any(host == domain or host.endswith("." + domain) for domain in domains)
    if parts.scheme != "https" or _port(parts) not in (None, 443) or "@" in parts.netloc or not provider:
        raise DownloadRefusedError(
            f"recording redirect to {parts.scheme}://{host}:{parts.port or ''} refused"
        )


def _port(parts) -> int | None:
    try:
        return parts.port
    except ValueError:  # not a number, or out of range
        return -1


def _check_status(response: requests.Response) -> None:
    if response.status_code == 200:
        return
    response.close()
    if response.status_code in (401, 403):
        raise DownloadPermanentError(f"Twilio refused the download (HTTP {response.status_code})")
    if response.status_code == 404 or response.status_code == 429 or response.status_code >= 500:
        raise DownloadNotReadyError(f"recording not available yet (HTTP {response.status_code})")
    raise DownloadPermanentError(f"unexpected answer to the download (HTTP {response.status_code})")


def _save(response: requests.Response, target: Path, max_bytes: int) -> bool:
    received, capped, deadline = 0, False, time.monotonic() + DOWNLOAD_SECONDS
    with target.open("wb") as output:
        # read1 returns whatever has arrived, so the deadline is checked even while the body trickles.
        while chunk := response.raw.read1(CHUNK_BYTES, decode_content=True):
            if time.monotonic() > deadline:
                raise DownloadNotReadyError(f"download too slow: {received} bytes in {DOWNLOAD_SECONDS:g} s")
            keep = chunk[: max_bytes - received]
            output.write(keep)
            received += len(keep)
            if received >= max_bytes:
                capped = True
                break
    expected = response.headers.get("Content-Length", "")
    if not capped and expected.isdigit() and received < int(expected):
        raise DownloadNotReadyError(f"download cut off after {received} of {expected} bytes")
    return capped
