"""Log-in throttling: a lockout after repeated wrong passwords, per username and per address.

Failures are counted in the cache, which is Redis in production, so every gunicorn worker and
every server sees the same counts. After `LOGIN_FAILURE_LIMIT` failures for one username
within `LOGIN_LOCKOUT_SECONDS`, that username is locked for `LOGIN_LOCKOUT_SECONDS`, whatever
the address: guessing one account's password from many machines does not help. After
`LOGIN_IP_FAILURE_LIMIT` failures from one address (higher, because an office may share one
address), every log-in from that address is locked the same way: trying many usernames from
one machine does not help either. While locked, even the right password is refused, so a
guess that happens to be right tells the guesser nothing.

A successful log-in clears the username's count. The address's count is left to expire: an
attacker who owns one account must not be able to wipe it by logging in between guesses.
A locked username can be unlocked early by clearing the cache key (`unlock(username=...)`).

The cost: anyone can lock a known username for a while by failing on purpose. For an officers'
tool with a handful of accounts that is the right trade; the lockout is short and logged.
When the cache is down (core.redis_cache.ResilientRedisCache), nothing is counted: log-in keeps
working, without throttling.
"""

import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lock:
    until: float  # Unix time

    @property
    def seconds_left(self) -> int:
        return max(0, round(self.until - time.time()))


def _name_key(username: str) -> str:
    # Hashed: a username may hold any character, and keys should be short and plain.
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return f"user:{digest}"


def _ip_key(ip: str) -> str:
    return f"ip:{ip or 'unknown'}"


def _lock_of(subject: str) -> Lock | None:
    until = cache.get(f"login-lock:{subject}")
    if until is not None and until > time.time():
        return Lock(until=until)
    return None


def current_lock(*, username: str, ip: str) -> Lock | None:
    """The lock that refuses this log-in now, if any (the later one when both are locked)."""
    locks = [lock for lock in (_lock_of(_name_key(username)), _lock_of(_ip_key(ip))) if lock]
    return max(locks, key=lambda lock: lock.until) if locks else None


def _count_failure(subject: str, limit: int) -> Lock | None:
    window = settings.LOGIN_LOCKOUT_SECONDS
    key = f"login-failures:{subject}"
    # add + incr: atomic in Redis, so concurrent failures on several workers all count. The
    # window starts at the first failure (incr keeps the key's expiry).
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    if count < limit:
        return None
    lock = Lock(until=time.time() + window)
    cache.set(f"login-lock:{subject}", lock.until, timeout=window)
    cache.delete(key)
    return lock


def record_failure(*, username: str, ip: str) -> Lock | None:
    """Count a wrong password; return the lock it caused, if it was the last one allowed."""
    log.info("Failed log-in for %r from %s", username, ip)
    locks = []
    name_lock = _count_failure(_name_key(username), settings.LOGIN_FAILURE_LIMIT)
    if name_lock:
        log.warning(
            "Log-in locked for username %r for %d s after %d failures (last from %s)",
            username,
            settings.LOGIN_LOCKOUT_SECONDS,
            settings.LOGIN_FAILURE_LIMIT,
            ip,
        )
        locks.append(name_lock)
    ip_lock = _count_failure(_ip_key(ip), settings.LOGIN_IP_FAILURE_LIMIT)
    if ip_lock:
        log.warning(
            "Log-in locked for address %s for %d s after %d failures (last for %r)",
            ip,
            settings.LOGIN_LOCKOUT_SECONDS,
            settings.LOGIN_IP_FAILURE_LIMIT,
            username,
        )
        locks.append(ip_lock)
    return max(locks, key=lambda lock: lock.until) if locks else None


def record_refusal(*, username: str, ip: str, lock: Lock) -> None:
    """Log an attempt refused because of a lock (not counted: the lock does not grow)."""
    log.warning(
        "Log-in refused for %r from %s: locked for %d more s", username, ip, lock.seconds_left
    )


def record_success(*, username: str) -> None:
    """Clear the username's failures after a successful log-in."""
    cache.delete(f"login-failures:{_name_key(username)}")


def unlock(*, username: str = "", ip: str = "") -> None:
    """Lift a lock and its count early (for an administrator, from `manage.py shell`)."""
    subjects = ([_name_key(username)] if username else []) + ([_ip_key(ip)] if ip else [])
    cache.delete_many(
        [f"login-{kind}:{subject}" for subject in subjects for kind in ("lock", "failures")]
    )
