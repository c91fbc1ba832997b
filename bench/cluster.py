"""Several machines' roles on one box, for the scale-out benchmark (B11).

Two web instances behind a round-robin proxy, one worker process per role (audio, transcription,
campaigns, default: more campaign workers on request), PostgreSQL (a fresh database of its own), one
shared Redis, the S3-compatible store (moto's server) for audio, and the loopback Twilio-compatible
server that holds callers' recordings and takes the campaign's messages.
"""

import os
import secrets
from pathlib import Path

import boto3
import psycopg
from moto.server import ThreadedMotoServer

from bench.instance import ACCOUNT_SID, Instance, free_port
from bench.pipeline import model_path
from bench.proxy import RoundRobinProxy
from tests.twilio_loopback import LoopbackTwilio

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BUCKET = "chaupal-b11"
LANGUAGE = "hi"  # the callers' language; the bundled test model (Korean) is configured for it


class Cluster:
    """`with Cluster(extra_env) as cluster:` starts every role; everything is stopped and dropped after."""

    def __init__(self, extra_env: dict | None = None):
        self.database = f"chaupal_b11_{secrets.token_hex(4)}"
        self.twilio = LoopbackTwilio(ACCOUNT_SID, secrets.token_hex(16))
        self.s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
        self.extra_env = extra_env or {}
        self.workers: dict[str, list[int]] = {}

    def __enter__(self) -> "Cluster":
        self.twilio.start()
        self.s3.start()
        endpoint = self._bucket()
        _create_database(self.database)
        env = {
            "MEDIA_STORE": "s3",
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": endpoint,
            "S3_REGION": "us-east-1",
            "VOSK_MODELS": f"{LANGUAGE}={model_path()}",
            "VOSK_DEMO_MODEL": "off",
            **self.extra_env,
        }
        database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.database}"
        self.instance = Instance(database_url, self.twilio.base_url, self.twilio.auth_token, env)
        self.instance.__enter__()
        webs = [self.instance.start_web(workers=1) for _ in range(2)]
        self.proxy = RoundRobinProxy([("127.0.0.1", int(url.rsplit(":", 1)[1])) for url in webs]).start()
        return self

    def __exit__(self, *exc) -> None:
        self.proxy.stop()
        self.instance.__exit__(*exc)
        self.s3.stop()
        self.twilio.stop()
        _drop_database(self.database)

    def _bucket(self) -> str:
        # boto3 in every process reads its credentials from the environment (the fake server takes any).
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "b11")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "b11")
        host, port = self.s3.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
        return endpoint

    def start_worker(self, queue_name: str) -> int:
        """One more `chaupal worker QUEUE` process, at the priority `chaupal up` gives it."""
        from core.cli import worker_command

        number = len(self.workers.setdefault(queue_name, []))
        process = self.instance.spawn(worker_command(queue_name), f"worker-{queue_name}-{number}")
        self.workers[queue_name].append(process.pid)
        return process.pid

    def stored_keys(self) -> set[str]:
        """Every object in the audio bucket."""
        host, port = self.s3.get_host_and_port()
        client = boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1")
        keys: set[str] = set()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            keys |= {item["Key"] for item in page.get("Contents", [])}
        return keys

    @property
    def folder(self) -> Path:
        return self.instance.folder


def _create_database(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def _drop_database(name: str) -> None:
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
