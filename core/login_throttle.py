"""Login throttling: guessing is slowed down, and nobody can lock staff out of their own accounts.

- One account from one address: LOGIN_MAX_FAILURES_PER_ACCOUNT failures lock that account from that
  address only, for LOGIN_FAILURE_WINDOW_SECONDS (the office next door still logs in).
- One account from anywhere, and one address over any account: past their limits each further try
  waits a delay doubling from 1 s to LOGIN_MAX_DELAY_SECONDS after the last failure, so an attacked
  account or a shared office is slowed, never locked out.
- The address is `request.remote_addr`, which ProxyFix sets from X-Forwarded-For only for the
  TRUSTED_PROXY_COUNT proxies configured (none by default): a client cannot choose its own address.
- Counts live in Redis and expire by themselves; an admin can unlock an account at once.
"""

import logging
import time

from flask import current_app, request
from redis.exceptions import RedisError

from core.queue import redis_connection

log = logging.getLogger(__name__)
PREFIX = "chaupal:login:"


def now() -> float:
    """The clock throttling reads (tests move it)."""
    return time.time()


def _name(username: str) -> str:
    return username.strip().lower()


def _keys(username: str) -> dict[str, str]:
    address = request.remote_addr or "unknown"
    return {
        "pair": f"{PREFIX}pair:{_name(username)}:{address}",
        "account": f"{PREFIX}user:{_name(username)}",
        "address": f"{PREFIX}ip:{address}",
    }


def wait_seconds(username: str) -> int:
    """Seconds before this account may be tried from this address again (0: now)."""
    config, keys = current_app.config, _keys(username)
    try:
        redis = redis_connection()
        if int(redis.get(keys["pair"]) or 0) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]:
            return max(int(redis.ttl(keys["pair"])), 1)
        account = _delay_left(redis.hgetall(keys["account"]), config["LOGIN_MAX_FAILURES_PER_ACCOUNT"])
        address = _delay_left(redis.hgetall(keys["address"]), config["LOGIN_MAX_FAILURES_PER_IP"])
        return max(account, address)
    except RedisError as error:
        log.warning("login throttle unavailable: %s", error)
        return 0


def _delay_left(counts: dict, limit: int) -> int:
    failures = int(counts.get(b"n", 0))
    if failures < limit:
        return 0
    delay = min(2 ** (failures - limit), int(current_app.config["LOGIN_MAX_DELAY_SECONDS"]))
    left = float(counts.get(b"last", 0)) + delay - now()
    return max(int(left + 0.999), 0)


def record_failure(username: str) -> None:
    """Count a failed login against the account from this address, the account and the address."""
    window, keys = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"], _keys(username)
    try:
        pipe = redis_connection().pipeline()
        pipe.incr(keys["pair"])
        pipe.expire(keys["pair"], window)
        for key in (keys["account"], keys["address"]):
            pipe.hincrby(key, "n", 1)
            pipe.hset(key, "last", now())
            pipe.expire(key, window)
        pipe.execute()
    except RedisError as error:
        log.warning("login throttle unavailable: %s", error)


def clear_failures(username: str) -> None:
    """Forget the account's failures from this address after a successful login."""
    keys = _keys(username)
    try:
        redis_connection().delete(keys["pair"], keys["account"])
    except RedisError as error:
        log.warning("login throttle unavailable: %s", error)


def unlock(username: str) -> int:
    """An admin's unlock: forget every failure counted against the account; how many keys went."""
    redis = redis_connection()
    keys = [f"{PREFIX}user:{_name(username)}", *redis.scan_iter(f"{PREFIX}pair:{_name(username)}:*")]
    return redis.delete(*keys)


def throttled_accounts() -> dict[str, int]:
    """Accounts with failures counted in the window: {username: failures from anywhere}."""
    redis = redis_connection()
    names = {}
    for key in redis.scan_iter(f"{PREFIX}user:*"):
        names[key.decode().removeprefix(f"{PREFIX}user:")] = int(redis.hget(key, "n") or 0)
    return dict(sorted(names.items()))
