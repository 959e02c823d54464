"""Security headers and limits that Django does not set by itself.

- `ContentSecurityPolicyMiddleware`: every HTML response gets a Content-Security-Policy that
  lets a page load scripts, styles, images and fonts from this site only and run no inline
  script or event handler at all. Data for scripts travels in `<script type="application/json">`
  blocks (`json_script`), which a browser never runs; page behaviour lives in static/js/.
  What plotly.js needs beyond that is allowed by hash, not with 'unsafe-inline' (see
  `plotly_style_sources`). Pages that other sites may frame say so with Django's
  `@xframe_options_exempt`, which also opens `frame-ancestors`.
- `RequestSizeLimitMiddleware`: a request body larger than the biggest upload we accept is
  refused before anything reads it, so a huge POST is never spooled to a temporary file.
- `client_ip(request)`: the visitor's address, behind `NUM_PROXIES` trusted reverse proxies.
"""

import base64
import functools
import hashlib
import re

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.staticfiles import plotly_js

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",  # plus the hashes of plotly_style_sources(), see there
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HEADER = "Content-Security-Policy"


def source_hash(text: str) -> str:
    """A CSP hash source for an inline block or attribute with exactly this text."""
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# `var e=document.createElement("style");e.id="…",e.textContent='…'` in the minified bundle.
_BUNDLE_STYLE = re.compile(
    r"""createElement\("style"\)[^;]{0,40};[^;]{0,200}?\.textContent=(?P<q>['"])"""
    r"""(?P<text>(?:\\.|(?!(?P=q)).)*)(?P=q)""",
    re.DOTALL,
)


@functools.cache
def plotly_style_sources() -> tuple[str, ...]:
    """What plotly.js needs beyond 'self' in style-src, without 'unsafe-inline'.

    plotly.js styles its mode bar and hover labels by creating an empty `<style>` element and
    adding rules through the CSSOM (`sheet.insertRule`), which a policy does not govern; only
    the empty element itself needs allowing: the hash of "" (it cannot style anything). The
    colour bar clears a `style=""` attribute: the same hash, for attributes ('unsafe-hashes').
    The bundle also injects maplibre's stylesheet as a `<style>` with fixed text when it loads
    (we draw no maps with it): its hash is read from the installed bundle, so it follows
    plotly upgrades. tests/browser/test_csp.py fails if plotly ever needs more."""
    sources = ["'unsafe-hashes'", source_hash("")]
    try:
        bundle = plotly_js().read_text(encoding="utf-8")
    except OSError:
        return tuple(sources)
    for match in _BUNDLE_STYLE.finditer(bundle):
        text = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m[1], m[1]), match["text"])
        sources.append(source_hash(text))
    return tuple(sources)


def policy_header(**changes: str) -> str:
    """The policy as a header value, with some directives replaced (`frame_ancestors="*"`)."""
    directives = dict(POLICY)
    directives["style-src"] = " ".join([POLICY["style-src"], *plotly_style_sources()])
    for name, value in changes.items():
        directives[name.replace("_", "-")] = value
    return "; ".join(f"{name} {value}" for name, value in directives.items())


_STYLE_BLOCK = re.compile(rb"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


class ContentSecurityPolicyMiddleware:
    """Sets the policy on every HTML response that has none yet.

    - A view that lets other sites frame it (Django's `@xframe_options_exempt`, as on the
      embeddable charts) gets `frame-ancestors *`: one decorator states "embeddable" for both
      headers, so the two can never disagree.
    - The server-error pages (templates/500.html, 503.html) are self-contained static HTML
      with their own `<style>`: they must render when static files are what failed. Their
      style blocks are allowed by hash, only on 5xx responses.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if not content_type.startswith("text/html") or HEADER in response:
            return response
        changes = {}
        if getattr(response, "xframe_options_exempt", False):
            changes["frame_ancestors"] = "*"
        if response.status_code >= 500 and not response.streaming:
            hashes = [
                source_hash(block.decode(response.charset or "utf-8", "replace"))
                for block in _STYLE_BLOCK.findall(response.content)
            ]
            if hashes:
                changes["style_src"] = " ".join(
                    [POLICY["style-src"], *plotly_style_sources(), *hashes]
                )
        response[HEADER] = policy_header(**changes)
        return response


def max_request_bytes() -> int:
    """The largest request body accepted: an upload at its limit plus the form around it."""
    return max(settings.IMPORT_MAX_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE) + 256 * 1024


class RequestSizeLimitMiddleware:
    """Refuse an oversized body by its Content-Length, before CSRF checks parse the form.

    Without this, Django streams any multipart upload to a temporary file before the view can
    look at its size. A body without Content-Length is never read by Django at all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = max_request_bytes()
        if length > limit:
            megabytes = f"{settings.IMPORT_MAX_BYTES / (1024 * 1024):g}"
            message = _(
                "The upload is too large: files may be at most %(size)s MB. "
                "Split it into smaller files."
            ) % {"size": megabytes}
            # No request context: the middlewares that add the user have not run yet.
            body = render_to_string("too_large.html", {"message": message})
            return HttpResponse(body, status=413)
        return self.get_response(request)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the address our trusted proxies saw.

    With NUM_PROXIES = n, the n-th address from the right of X-Forwarded-For is the one the
    outermost trusted proxy received; everything left of it may be forged by the client."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]
