"""A per-token request budget per minute, counted in Redis and expiring by itself."""

import logging
import time

from flask import current_app
from redis.exceptions import RedisError

from core.queue import redis_connection

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60


def seconds_to_wait(token_id: int, now: float | None = None) -> int:
    """0 if the token may make this request, else how many seconds until its budget refills."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    key = f"chaupal:api:rate:{token_id}:{window}"
    try:
        pipe = redis_connection().pipeline()
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS * 2)
        count = pipe.execute()[0]
    except RedisError as error:
        # Like the login throttle: an unreachable Redis must not take the API down with it.
        log.warning("API rate limit unavailable: %s", error)
        return 0
    if count <= current_app.config["API_RATE_LIMIT_PER_MINUTE"]:
        return 0
    return max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
