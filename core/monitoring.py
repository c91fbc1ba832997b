"""Prometheus metrics at /metrics, behind METRICS_TOKEN: webhook latency, queues, job failures, package gauges.

Webhook latency is measured in the web processes (with PROMETHEUS_MULTIPROC_DIR set, as `chaupal up`
does, every gunicorn worker's samples are merged); queue depths, job failures and the packages' own
gauges (sends per status, recordings per status) are read from Redis and the database at scrape time.
"""

import contextlib
import hmac
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError
from rq.registry import FailedJobRegistry
from sqlalchemy.exc import SQLAlchemyError

from core import queue
from core.db import in_webhook

bp = Blueprint("monitoring", __name__)

FAILURES_KEY = "chaupal:metrics:job-failures"  # a Redis hash: queue -> failed attempts, all workers together
# Twilio gives up at 15 s; the buckets show how far inside that the line answers.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 15)
WEBHOOK_SECONDS = Histogram(
    "chaupal_webhook_seconds", "Time to answer a signed Twilio webhook", ["route"], buckets=LATENCY_BUCKETS
)
WEBHOOK_ANSWERS = Counter("chaupal_webhook_answers", "Signed Twilio webhooks answered", ["route", "status"])


@dataclass(frozen=True)
class Gauge:
    """A package's gauge read at scrape time: read() gives {(label values...): value}."""

    name: str
    documentation: str
    labels: tuple[str, ...]
    read: Callable[[], dict[tuple, float]]


def init_app(app: Flask) -> None:
    """Time every webhook and serve /metrics; packages add gauges with add_gauge from their init_app."""
    app.extensions["chaupal.gauges"] = []
    app.before_request(_start_clock)
    app.after_request(_observe_webhook)
    app.register_blueprint(bp)


def add_gauge(app: Flask, gauge: Gauge) -> None:
    """A package's own numbers on /metrics (called from its init_app)."""
    app.extensions["chaupal.gauges"].append(gauge)


def _start_clock() -> None:
    g.chaupal_started = time.perf_counter()


def _observe_webhook(response):
    started = g.get("chaupal_started")
    if started is not None and in_webhook():
        route = request.url_rule.rule if request.url_rule else "unknown"
        WEBHOOK_SECONDS.labels(route).observe(time.perf_counter() - started)
        WEBHOOK_ANSWERS.labels(route, str(response.status_code)).inc()
    return response


def count_job_failure(job, exc_type, exc_value, traceback) -> bool:
    """RQ exception handler: count the failed attempt per queue in Redis; True lets RQ's own handling go on."""
    # Redis down: the count is lost, not the job (RQ records the failure itself when Redis is back).
    with contextlib.suppress(RedisError):
        queue.redis_connection().hincrby(FAILURES_KEY, job.origin, 1)
    return True


@bp.get("/metrics")
def metrics():
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        abort(404)  # off unless an operator set a token
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(offered.encode(), token.encode()):
        abort(401)
    registry = _registry()
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def _registry():
    from prometheus_client import REGISTRY

    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    scrape = CollectorRegistry()
    scrape.register(_Merged(registry, ScrapeTimeCollector(current_app.extensions["chaupal.gauges"])))
    return scrape


class _Merged:
    """The process's (or all processes') webhook samples followed by the numbers read now."""

    def __init__(self, registry, scrape_time):
        self.registry = registry
        self.scrape_time = scrape_time

    def collect(self):
        yield from self.registry.collect()
        yield from self.scrape_time.collect()


class ScrapeTimeCollector:
    """Queue depths, failed jobs and job failures from Redis; the packages' gauges from the database."""

    def __init__(self, gauges: list[Gauge]):
        self.gauges = gauges

    def collect(self):
        yield from _queue_metrics()
        for gauge in self.gauges:
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=list(gauge.labels))
            try:
                values = gauge.read()
            except SQLAlchemyError:
                continue  # a database outage leaves the gauge out rather than failing the scrape
            for labels, value in sorted(values.items()):
                family.add_metric([str(v) for v in labels], value)
            yield family


def _queue_metrics():
    depth = GaugeMetricFamily("chaupal_queue_depth", "Jobs waiting in each queue", labels=["queue"])
    failed = GaugeMetricFamily(
        "chaupal_queue_failed_jobs", "Jobs in each queue's failed registry", labels=["queue"]
    )
    failures = CounterMetricFamily("chaupal_job_failures", "Failed job attempts per queue", labels=["queue"])
    try:
        connection = queue.redis_connection()
        counted = {k.decode(): int(v) for k, v in connection.hgetall(FAILURES_KEY).items()}
        for name in queue.QUEUES:
            rq_queue = queue.get_queue(name, connection)
            depth.add_metric([name], rq_queue.count)
            failed.add_metric([name], FailedJobRegistry(queue=rq_queue).count)
            failures.add_metric([name], counted.get(name, 0))
    except RedisError:
        return  # Redis down: the scrape still answers, without queue numbers
    yield from (depth, failed, failures)
