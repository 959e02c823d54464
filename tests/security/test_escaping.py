"""Every user-supplied text is escaped on every page that shows it, chart figures included.

tests/security/hostile.py plants `<script>…<img onerror>"'&` (and shorter or URL-shaped
variants) in KPI names, definitions, notes, sources, values' notes and sources, a return comment,
a target revision reason, agency, region, strategy and task names and a unit symbol. Each page is
then fetched by whoever may see it; the raw markup must never appear, and the escaped text
must (so the test proves the data was on the page). Chart figures are JSON that plotly.js
draws, reading some HTML in it: their strings must hold the text escaped, never raw tags.
"""

import csv
import html
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import ImportBatch
from tests.security.hostile import (
    ESCAPED,
    KPI,
    PAYLOAD,
    PLAN,
    RAW,
    SHORT_PAYLOAD,
    URL_PAYLOAD,
    plant,
)

FIGURE = re.compile(r'<script id="([^"]+-figure)" type="application/json">(.*?)</script>', re.S)
CHARTS = [
    f"/charts/kpi/?plan={PLAN}&kpi={KPI}",
    "/charts/status/",
    "/charts/map/?series=rcostii_rank&year=2022",
    "/charts/alignment/",
    "/charts/compare-bars/?series=rcostii_rank&year=2022",
    "/charts/compare-lines/?series=rcostii_rank",
]


@pytest.fixture
def planted(busan, ministry):
    return plant(secretariat=busan.user, ministry=ministry.user)


def assert_escaped(response, path: str) -> str:
    assert response.status_code == 200, path
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    for raw in RAW:
        assert raw not in page, f"{path} shows {raw!r} unescaped"
    carried = any("&lt;" in text for text in figure_strings(page))
    assert any(escaped in page for escaped in ESCAPED) or carried, (
        f"{path} does not show the planted text at all: the test would prove nothing"
    )
    return page


def figure_strings(page: str) -> list[str]:
    strings = []

    def walk(node):
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for _figure_id, content in FIGURE.findall(page):
        walk(json.loads(content))
    return strings


def assert_figures_escaped(page: str, path: str) -> list[str]:
    """Every figure string is free of tags; returns those that carried planted text."""
    strings = figure_strings(page)
    assert strings, f"{path} has no chart figure"
    for text in strings:
        assert "<" not in text.replace("<br>", "").replace("<extra>", "").replace("</extra>", ""), (
            f"{path}: a figure string holds markup plotly would draw: {text!r}"
        )
    return [text for text in strings if "&lt;" in text]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/en/",
        f"/plans/{PLAN}/",
        f"/en/plans/{PLAN}/",
        f"/plans/{PLAN}/kpis/{KPI}/",
        f"/en/plans/{PLAN}/kpis/{KPI}/",
        "/regions/26/",
        "/dashboard/",
        "/dashboard/regions/26/",
        "/en/dashboard/regions/26/",
        "/dashboard/compare/?series=rcostii_rank&year=2022",
    ],
)
def test_public_pages_escape_the_planted_text(planted, anonymous, path):
    page = assert_escaped(anonymous.get(path), path)
    if FIGURE.search(page):
        assert_figures_escaped(page, path)


def test_the_task_page_escapes_its_names_and_notes(planted, anonymous):
    page = assert_escaped(anonymous.get(planted.task_path), planted.task_path)
    assert html.escape(PAYLOAD) in page


@pytest.mark.parametrize("path", CHARTS + [f"/en{path}" for path in CHARTS])
def test_chart_figures_hold_the_planted_text_escaped_for_plotly(planted, anonymous, path):
    page = assert_escaped(anonymous.get(path), path)
    carried = assert_figures_escaped(page, path)
    # The planted names did reach the figure, and plotly shows them as typed: it decodes
    # &lt; &gt; &amp; (and nothing more is needed: quotes are not special in its text).
    assert carried, f"{path}: no figure string carries the planted text"
    assert any(
        SHORT_PAYLOAD in html.unescape(text) or PAYLOAD in html.unescape(text) for text in carried
    )


def test_the_kpi_page_shows_the_whole_history_escaped_to_its_secretariat(planted, busan):
    path = f"/plans/{PLAN}/kpis/{KPI}/"
    page = assert_escaped(busan.get(path), path)
    escaped = html.escape(PAYLOAD)
    # name, definition, note, value notes, the return comment, the revision reason
    assert page.count(escaped) >= 5
    assert html.escape(URL_PAYLOAD) in page


def test_a_javascript_source_never_becomes_a_link(planted, anonymous):
    page = anonymous.get(f"/plans/{PLAN}/kpis/{KPI}/").content.decode()
    assert "javascript:alert(1)" in page  # shown as text…
    assert not re.search(r"href=\s*[\"']?\s*javascript:", page, re.I)  # …never as a link


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_workspace_escapes_values_notes_sources_and_comments(planted, busan, year):
    path = f"/workspace/?year={year}"
    page = assert_escaped(busan.get(path), path)
    assert html.escape(PAYLOAD) in page


@pytest.mark.parametrize("path", ["/review/", "/en/review/", "/review/board/"])
def test_the_review_pages_escape_what_secretariats_wrote(planted, ministry, path):
    assert_escaped(ministry.get(path), path)


def test_the_printable_report_escapes_the_planted_text(planted, anonymous):
    path = f"/plans/{PLAN}/reports/{planted.report_id}/"
    page = assert_escaped(anonymous.get(path), path)
    assert html.escape(PAYLOAD) in page


def test_the_import_preview_escapes_the_cells_of_the_file(planted, busan):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["plan", "kpi", "year", "value", "source", "note"])
    writer.writerow([PLAN, "rcostii_rank", "2024", "5", URL_PAYLOAD, PAYLOAD])
    writer.writerow([PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD, PAYLOAD])  # every problem
    upload = SimpleUploadedFile("hostile.csv", buffer.getvalue().encode())
    response = busan.post("/workspace/import/", {"file": upload})
    assert response.status_code == 302
    batch = ImportBatch.objects.get(user=busan.user)
    assert batch.state == ImportBatch.State.CHECKED
    page = assert_escaped(busan.get(response["Location"]), response["Location"])
    assert page.count(html.escape(PAYLOAD)) >= 2


def test_downloads_keep_the_text_exact_as_data_not_html(planted, anonymous):
    response = anonymous.get(f"/charts/kpi/data.csv?plan={PLAN}&kpi={KPI}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response  # not a page: nothing runs in it
