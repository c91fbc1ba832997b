"""Audio over HTTP: signed expiring URLs for Twilio, logged-in access for staff."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest

from audio import (
    playback,
    store,
)

KEY = "lessons/1/hi/segment-1-abc.wav"
DATA = b"RIFF" + b"\x00" * 200


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture
def stored(app):
    store.write_bytes(KEY, DATA)
    return KEY


def test_signed_url_serves_the_audio_with_type_and_caching(app, client, stored):
    url = playback.signed_media_url(stored)
    assert url.startswith("https://chaupal.example.org/media/")
    response = client.get(path_of(url))
    assert response.status_code == 200 and response.data == DATA
    assert response.mimetype == "audio/wav"
    cache = response.headers["Cache-Control"]
    assert cache.startswith("public, max-age=") and 0 < int(cache.split("=")[1]) <= 24 * 3600
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_range_requests_work_for_players(app, client, stored):
    response = client.get(path_of(playback.signed_media_url(stored)), headers={"Range": "bytes=0-3"})
    assert response.status_code == 206 and response.data == b"RIFF"


def test_expired_url_is_refused(app, client, stored):
    url = playback.signed_media_url(stored, seconds=60, now=time.time() - 3600)
    assert client.get(path_of(url)).status_code == 403


def test_url_still_valid_until_it_expires(app, stored):
    query = parse_qs(urlsplit(playback.signed_media_url(stored, seconds=60)).query)
    expires, signature = query["e"][0], query["s"][0]
    assert playback.media_signature_is_valid(stored, expires, signature)
    assert not playback.media_signature_is_valid(stored, expires, signature, now=int(expires) + 1)


def test_tampered_or_missing_signatures_are_refused(app, client, stored):
    query = parse_qs(urlsplit(playback.signed_media_url(stored)).query)
    expires, signature = query["e"][0], query["s"][0]
    assert client.get(f"/media/{stored}").status_code == 403
    assert client.get(f"/media/{stored}?e={expires}&s={'0' * 64}").status_code == 403
    assert client.get(f"/media/{stored}?e={int(expires) + 10}&s={signature}").status_code == 403
    other = "lessons/1/hi/segment-2-abc.wav"
    store.write_bytes(other, DATA)
    assert client.get(f"/media/{other}?e={expires}&s={signature}").status_code == 403


def test_signed_but_missing_audio_is_404(app, client):
    assert client.get(path_of(playback.signed_media_url("lessons/9/hi/gone.wav"))).status_code == 404


def test_malformed_keys_never_reach_the_disk(app, client):
    assert client.get(path_of(playback.signed_media_url("../secret_key"))).status_code in (403, 404)
    assert client.get(path_of(playback.signed_media_url("lessons/../../secret_key"))).status_code == 404


def test_staff_hear_audio_only_when_logged_in_with_the_role(app, client, login, stored):
    assert client.get(f"/audio/files/{stored}").status_code == 302  # to the login page
    login("officer")
    assert client.get(f"/audio/files/{stored}").status_code == 403


def test_curators_hear_audio_privately_cached(app, client, login, stored):
    login("curator")
    response = client.get(f"/audio/files/{stored}")
    assert response.status_code == 200 and response.data == DATA
    assert response.headers["Cache-Control"].startswith("private")
    assert client.get("/audio/files/secret_key").status_code == 404
    assert client.get("/audio/files/recordings/77/original.wav").status_code == 404
