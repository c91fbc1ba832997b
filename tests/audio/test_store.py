"""The media store: the same behaviour from a local folder and from an S3-compatible server."""

import wave

import boto3
import pytest
from moto.server import ThreadedMotoServer

from audio import (
    playback,
    recording_pipeline,
    store,
)
from audio.models import Recording
from core.db import db
from tests.helpers import free_port

BUCKET = "chaupal-media"


@pytest.fixture(scope="session")
def s3_server():
    """A local S3-compatible server (moto's server mode) for the run."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["local", "s3"])
def media_store(request, app, monkeypatch):
    """The app's store switched to each backend in turn."""
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_server")
        for name, value in (("AWS_ACCESS_KEY_ID", "test"), ("AWS_SECRET_ACCESS_KEY", "test")):
            monkeypatch.setenv(name, value)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            s3.delete_object(Bucket=BUCKET, Key=item["Key"])
        settings = {"MEDIA_STORE": "s3", "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": endpoint}
        settings |= {"S3_REGION": "us-east-1", "S3_PREFIX": "chaupal"}
        for name, value in settings.items():
            monkeypatch.setitem(app.config, name, value)
    app.extensions.pop("chaupal.store", None)
    yield request.param
    app.extensions.pop("chaupal.store", None)


def test_write_read_list_delete(media_store, tmp_path):
    store.write_bytes("lessons/1/a.wav", b"one")
    source = tmp_path / "b.wav"
    source.write_bytes(b"two")
    store.write_file("lessons/1/b.wav", source)
    store.write_bytes("prompts/hi/c.wav", b"three")
    store.write_bytes("lessons/1/a.wav", b"replaced")
    assert store.read_bytes("lessons/1/a.wav") == b"replaced"
    assert store.keys("lessons/") == ["lessons/1/a.wav", "lessons/1/b.wav"]
    assert store.keys() == ["lessons/1/a.wav", "lessons/1/b.wav", "prompts/hi/c.wav"]
    with store.local_file("lessons/1/b.wav") as path:
        assert path.read_bytes() == b"two"
    store.delete("lessons/1/a.wav")
    store.delete("lessons/1/a.wav")  # already gone: no error
    assert not store.exists("lessons/1/a.wav") and store.exists("lessons/1/b.wav")


def test_missing_and_malformed_keys(media_store):
    with pytest.raises(store.StoreError):
        store.read_bytes("lessons/none.wav")
    with pytest.raises(store.StoreError), store.local_file("lessons/none.wav"):
        pass
    for bad in ("", "/etc/passwd", "a/../../b", "a\\b"):
        with pytest.raises(store.StoreError):
            store.exists(bad)


def test_recording_pipeline_and_serving_on_each_store(media_store, client, work, twilio_server, audio_files):
    url = twilio_server.add_recording("RE" + "d" * 32, (200, audio_files.speech_wav.read_bytes()))
    recording, _ = recording_pipeline.register_recording("RE" + "d" * 32, source_url=url)
    work("audio")
    db.session.expire_all()
    recording = db.session.get(Recording, recording.id)
    assert recording.status == Recording.READY
    with store.local_file(recording.recognition_key) as path, wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (16000, 1)
    media = playback.signed_media_url(recording.playback_key).removeprefix("https://chaupal.example.org")
    response = client.get(media)
    assert response.status_code == 200 and response.data == store.read_bytes(recording.playback_key)


def test_unknown_store_kind_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_STORE", "ftp")
    app.extensions.pop("chaupal.store", None)
    with pytest.raises(store.StoreError, match="MEDIA_STORE"):
        store.exists("x")
    app.extensions.pop("chaupal.store", None)
