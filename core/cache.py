"""Cached public dashboard data, made stale the moment public figures change.

Dashboards read only approved values and targets. Every cached entry carries the current
*data version*; approving, reopening or revising bumps the version when the transaction
commits, so the next request after the commit rebuilds (no stale figures, no waiting for a job),
and a background job warms the cache again. Local memory by default, Redis in production
(REDIS_URL), where every web process shares the version.
"""

import functools
import hashlib
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import get_language

from core.jobs import JobsUnavailable, enqueue_named

VERSION_KEY = "public-data-version"
TIMEOUT = 24 * 3600


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        # Start from the clock, not 1: after a Redis restart the new version must differ from
        # every old one, or a process's local copies of old pages would count as current.
        cache.add(VERSION_KEY, int(time.time() * 1000), timeout=None)
        current = cache.get(VERSION_KEY) or int(time.time() * 1000)
    return current


class _LocalCopies:
    """A small per-process copy of what this process last read from the shared cache.

    Keys carry the data version, which is always read from the shared cache, so a local copy
    is only ever used while it is current; it saves moving a large page out of Redis for
    every request."""

    def __init__(self, size: int = 128):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


local_copies = _LocalCopies()


def _read(key):
    value = local_copies.get(key)
    if value is None:
        value = cache.get(key)
        if value is not None:
            local_copies.put(key, value)
    return value


def _write(key, value) -> None:
    cache.set(key, value, timeout=TIMEOUT)
    local_copies.put(key, value)


def cached(name: str, build, *parts):
    """`build()` cached under the current data version and language."""
    key = ":".join(["dash", str(version()), get_language() or "ko", name, *[str(p) for p in parts]])
    value = _read(key)
    if value is None:
        value = build()
        _write(key, value)
    return value


def invalidate() -> None:
    """Make every cached dashboard stale (call from transaction.on_commit)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, int(time.time() * 1000), timeout=None)


def public_data_changed() -> None:
    """On commit: stale the cache now, and queue the jobs that warm it again.

    This module knows no page: the jobs are named by `settings.PUBLIC_DATA_CHANGED_JOBS`
    (the dashboards' refresh job), so the layers above react without being imported here."""

    def after_commit():
        invalidate()
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return  # no worker: warming inline would only slow the request; pages rebuild
        for name in settings.PUBLIC_DATA_CHANGED_JOBS:
            try:
                enqueue_named(name)
            except JobsUnavailable:
                pass  # the cache is stale already; pages rebuild it on demand

    transaction.on_commit(after_commit)


CACHED_HEADERS = ("Content-Type", "Content-Disposition")


def _key(kind: str, *parts: str) -> str:
    # Hashed: a path may be long and hold any character; cache keys should be short and plain.
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"{kind}:{version()}:{get_language() or 'ko'}:{digest}"


def _replay(hit) -> HttpResponse:
    """A cached (content, headers) pair as a response."""
    content, headers = hit
    response = HttpResponse(content)
    for name, value in headers.items():
        response[name] = value
    return response


def public_page(view):
    """Serve an anonymous visitor's GET of a public page from the cache (per data version,
    language and full path). Signed-in users, and anyone with a session or a flash message
    waiting, always get a fresh page: it would show something of theirs."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        personal = (
            request.method != "GET"
            or "messages" in request.COOKIES
            or settings.SESSION_COOKIE_NAME in request.COOKIES
        )
        if personal or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = _key("page", request.get_full_path())
        hit = _read(key)
        if hit is not None:
            return _replay(hit)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            if hasattr(response, "render"):
                response.render()
            headers = {name: response[name] for name in CACHED_HEADERS if name in response}
            _write(key, (response.content, headers))
        return response

    return wrapper


class PublicAPICacheMiddleware:
    """Serve anonymous GETs of the read API from the cache, like the public pages.

    Only requests with no credentials at all (no Authorization header, no session cookie):
    what a caller sees depends on who they are, and anonymous callers all see the same
    approved values. The key holds the data version, the full path and the Accept header
    (JSON, CSV or the browsable HTML)."""

    PREFIX = "/api/v1/"

    def __init__(self, get_response):
        self.get_response = get_response
        self.session_cookie = settings.SESSION_COOKIE_NAME

    def __call__(self, request):
        if (
            request.method != "GET"
            or not request.path.startswith(self.PREFIX)
            or "HTTP_AUTHORIZATION" in request.META
            or self.session_cookie in request.COOKIES
        ):
            return self.get_response(request)
        key = _key("api", request.META.get("HTTP_ACCEPT", ""), request.get_full_path())
        hit = _read(key)
        if hit is not None:
            return _replay(hit)
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming:
            headers = {
                name: response[name]
                for name in (*CACHED_HEADERS, "Vary", "Allow")
                if name in response
            }
            _write(key, (response.content, headers))
        return response
