"""Cached public dashboard data, made stale the moment public figures change.

Dashboards read only approved values and targets. Every cached entry carries the current
*data version*; approving, reopening or revising bumps the version when the transaction
commits, so the next request after the commit rebuilds (no stale figures, no waiting for a job),
and a background job warms the cache again. Local memory by default, Redis in production
(REDIS_URL), where every web process shares the version.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

VERSION_KEY = "public-data-version"
TIMEOUT = 24 * 3600


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        current = cache.get(VERSION_KEY, 1)
    return current


def cached(name: str, build, *parts):
    """`build()` cached under the current data version and language."""
    key = ":".join(["dash", str(version()), get_language() or "ko", name, *[str(p) for p in parts]])
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout=TIMEOUT)
    return value


def invalidate() -> None:
    """Make every cached dashboard stale (call from transaction.on_commit)."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def public_data_changed() -> None:
    """On commit: stale the cache now, and warm it again in the background."""
    from django.db import transaction

    def after_commit():
        invalidate()
        if settings.CELERY_TASK_ALWAYS_EAGER:
            return  # no worker: warming inline would only slow the request; pages rebuild
        from config.jobs import JobsUnavailable, enqueue
        from indicators.tasks import refresh_dashboard_cache

        try:
            enqueue(refresh_dashboard_cache)
        except JobsUnavailable:
            pass  # the cache is stale already; pages rebuild it on demand

    transaction.on_commit(after_commit)


CACHED_HEADERS = ("Content-Type", "Content-Disposition")


def public_page(view):
    """Serve an anonymous visitor's GET of a public page from the cache (per data version,
    language and full path). Signed-in users, and anyone with a session or a flash message
    waiting, always get a fresh page: it would show something of theirs."""
    import functools

    from django.conf import settings as django_settings
    from django.http import HttpResponse

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        personal = (
            request.method != "GET"
            or "messages" in request.COOKIES
            or django_settings.SESSION_COOKIE_NAME in request.COOKIES
        )
        if personal or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = ":".join(["page", str(version()), get_language() or "ko", request.get_full_path()])
        hit = cache.get(key)
        if hit is not None:
            content, headers = hit
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            if hasattr(response, "render"):
                response.render()
            headers = {name: response[name] for name in CACHED_HEADERS if name in response}
            cache.set(key, (response.content, headers), timeout=TIMEOUT)
        return response

    return wrapper
