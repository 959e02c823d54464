"""The Content-Security-Policy (config/security.py) and pages that need nothing it forbids."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.test import RequestFactory

from core.security import (
    ContentSecurityPolicyMiddleware,
    plotly_style_sources,
    policy_header,
    source_hash,
)
from dashboard.charts import STATUS_STYLE
from plans.models import Plan
from reports.models import Report

PUBLIC = [
    "/",
    "/en/",
    "/plans/busan-2/",
    "/plans/busan-2/kpis/rcostii_rank/",
    "/regions/26/",
    "/plans/national-6/tasks/2-2/",
    "/dashboard/",
    "/dashboard/regions/26/",
    "/en/dashboard/compare/",
    "/login/",
    "/admin/login/",
    "/api/docs/",
]
SECRETARIAT = ["/workspace/", "/workspace/import/", "/account/"]
MINISTRY = ["/review/", "/review/board/", "/plans/busan-2/kpis/rcostii_rank/"]
ADMIN = ["/admin/", "/admin/indicators/indicator/", "/admin/auth/user/add/"]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


class InlineCode(HTMLParser):
    """Collects what a strict policy blocks: inline scripts, handlers, styles, js: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._script = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            if attributes.get("type") != "application/json":
                self._script = tag
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}={value!r}")
            if name == "style":
                self.found.append(f"{tag} style={value!r}")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"{tag} {name}={value!r}")

    def handle_data(self, data):
        if self._script and data.strip():
            self.found.append(f"inline script: {data.strip()[:60]!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def inline_code(response) -> list[str]:
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser.found


def assert_strict(response, path):
    assert response.status_code == 200, path
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    style = policy["style-src"]
    assert style[0] == "'self'" and set(style[1:]) == set(plotly_style_sources())
    header = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header
    assert inline_code(response) == [], path


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_have_the_strict_policy_and_no_inline_code(db, anonymous, path):
    response = anonymous.get(path)
    assert_strict(response, path)
    assert directives(response)["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", SECRETARIAT)
def test_data_entry_pages_have_no_inline_code(busan, path):
    assert_strict(busan.get(path), path)


@pytest.mark.parametrize("path", MINISTRY)
def test_review_pages_have_no_inline_code(ministry, path):
    assert_strict(ministry.get(path), path)


@pytest.mark.parametrize("path", ADMIN)
def test_admin_pages_have_the_strict_policy_and_no_inline_code(admin_client_user, path):
    assert_strict(admin_client_user.get(path), path)


def test_the_printable_report_has_no_inline_code(db, anonymous):
    report = Report.objects.create(plan=Plan.objects.get(key="busan-2"), year=2024)
    from reports import services as reports

    reports.build_report(report_id=report.pk)
    path = f"/plans/busan-2/reports/{report.pk}/"
    response = anonymous.get(path)
    assert_strict(response, path)
    assert "data-print" in response.content.decode()  # the print button, wired by site.js


@pytest.mark.parametrize(
    "path", ["/charts/map/?series=rcostii_rank&year=2022", "/en/charts/status/"]
)
def test_embeddable_charts_may_be_framed_by_any_site(db, anonymous, path):
    for attempt in ("built", "from the page cache"):
        response = anonymous.get(path)
        assert_strict(response, f"{path} ({attempt})")
        assert directives(response)["frame-ancestors"] == ["*"], attempt
        assert "X-Frame-Options" not in response, attempt


def test_the_swagger_ui_runs_from_files_not_inline(db, anonymous):
    response = anonymous.get("/api/docs/")
    assert_strict(response, "/api/docs/")
    page = response.content.decode()
    assert "css/swagger.css" in page
    script_url = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', page)[1]
    script = anonymous.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()
    assert "/api/schema/" in script.content.decode()


def test_non_html_responses_need_no_policy(db, anonymous):
    assert "Content-Security-Policy" not in anonymous.get("/api/v1/plans/")
    assert "Content-Security-Policy" not in anonymous.get("/healthz")


def test_the_server_error_pages_styles_are_allowed_by_hash_only_on_errors():
    page = render_to_string("500.html")
    blocks = re.findall(r"<style[^>]*>(.*?)</style>", page, re.S)
    assert blocks, "500.html has no <style> of its own"
    request = RequestFactory().get("/")
    error = ContentSecurityPolicyMiddleware(lambda r: HttpResponse(page, status=500))(request)
    style = directives(error)["style-src"]
    assert all(source_hash(block) in style for block in blocks)
    assert "'unsafe-inline'" not in error["Content-Security-Policy"]
    ok = ContentSecurityPolicyMiddleware(lambda r: HttpResponse(page))(request)
    assert not any(source_hash(block) in directives(ok)["style-src"] for block in blocks)


def test_plotly_needs_only_the_empty_style_and_its_bundled_stylesheets():
    sources = plotly_style_sources()
    assert sources[:2] == ("'unsafe-hashes'", source_hash(""))
    # plotly.js 3+ injects maplibre's CSS when it loads; the browser test proves the hash.
    assert len(sources) >= 3
    assert all(re.fullmatch(r"'sha256-[A-Za-z0-9+/]{43}='", source) for source in sources[1:])


def test_the_header_is_well_formed():
    header = policy_header(frame_ancestors="*")
    assert "frame-ancestors *" in header
    assert header.count(";") == header.count("-src") + 2  # base-uri, form-action, ancestors


def test_the_status_colours_of_the_stylesheet_are_those_of_the_charts():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
    for status, (colour, _icon) in STATUS_STYLE.items():
        assert f".status-{status} {{ --status: {colour}; }}" in css
