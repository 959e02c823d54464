"""The server-error handler: a plain page that needs nothing, and 503 when the database is away.

Django calls `handler500` for every exception nobody handled, wherever it was raised (a view,
the session loaded by a middleware, a template). Mapping database outages here, rather than in
a middleware's `process_exception` (which only sees exceptions raised by views), covers every
path. A lost database is not a bug in the code: it is answered 503 with `Retry-After`, so load
balancers, monitoring and API clients know to try again shortly; anything else stays a 500.
Both pages are static HTML in both languages: they must render with the database, the cache and
the translations all unavailable.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

# Seconds a client should wait before trying again: a database restart takes a few.
RETRY_AFTER = 10

FALLBACK = '<!doctype html><meta charset="utf-8"><title>{status}</title><h1>{status}</h1>'


def database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` means the database cannot be reached (or went away mid-request)."""
    return isinstance(error, OperationalError | InterfaceError)


def server_error(request, *args, **kwargs):
    """`handler500`: 503 with the "try again" page for a database outage, else the 500 page."""
    unavailable = database_unavailable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        # The API's one error shape (core/api.py), also when the database is away.
        if unavailable:
            code = "unavailable"
            message = _("The service is unavailable for a moment. Try again in a few seconds.")
        else:
            code, message = "server_error", _("Internal server error.")
        response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    else:
        try:
            content = loader.get_template(f"{status}.html").render()
        except Exception:  # an error page must not fail in turn
            content = FALLBACK.format(status=status)
        response = HttpResponse(content, status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER)
    return response
