"""The Content-Security-Policy in a real browser, and planted markup that must stay text.

1. On the shared browser server: pages with charts, the KPI page and the Swagger UI load with
   no CSP violation (each one is reported as a console error and as a
   `securitypolicyviolation` event), the charts draw, and the behaviours moved out of inline
   handlers (static/js/site.js) still work.
2. On a server of its own, whose database holds tests/security/hostile.py's markup in every
   user-supplied text: no `alert` dialog ever opens, and the charts show the text as typed.
"""

import subprocess
import sys
import time

import pytest

from tests.browser.conftest import (
    BASE_DIR,
    BROWSER_PASSWORD,
    SERVER_START_TIMEOUT,
    PageWatch,
    _free_port,
    _healthy,
    _manage,
    _server_env,
    wait_for_charts,
)
from tests.security.hostile import KPI, PLAN, SHORT_PAYLOAD

pytestmark = pytest.mark.browser

# Records every violation in the page itself, including those of workers and iframes' parents.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""

PAGES = {
    "/": 0,
    "/dashboard/": 4,
    "/en/dashboard/regions/26/": 3,
    "/plans/busan-2/kpis/rcostii_rank/": 1,
    "/dashboard/compare/": 2,
    "/charts/map/?series=rcostii_rank&year=2022": 1,
}


def violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


@pytest.mark.parametrize(("path", "charts"), PAGES.items())
def test_pages_with_charts_break_no_rule_of_the_policy(page, page_watch, path, charts):
    page.add_init_script(RECORD_VIOLATIONS)
    response = page_watch.goto(path)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert wait_for_charts(page) == charts
    if charts:
        # plotly's own stylesheet (added through the CSSOM) is in force: the mode bar floats.
        position = page.evaluate("getComputedStyle(document.querySelector('.modebar')).position")
        assert position == "absolute"
    assert violations(page) == []
    page_watch.assert_clean()


def test_the_swagger_ui_works_under_the_policy(page, page_watch):
    page.add_init_script(RECORD_VIOLATIONS)
    page_watch.goto("/api/docs/")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() >= 10
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Regional S&T")
    assert violations(page) == []
    page_watch.assert_clean()


def test_changing_the_series_reloads_the_comparison_without_inline_handlers(page, page_watch):
    page.add_init_script(RECORD_VIOLATIONS)
    page_watch.goto("/dashboard/compare/?series=rcostii_rank&year=2022")
    with page.expect_navigation(wait_until="networkidle"):
        page.select_option("select[name=series]", "rcostii_score")
    # The year was emptied first (a year of one series may not exist in another).
    assert page.url.endswith("/dashboard/compare/?series=rcostii_score")
    wait_for_charts(page)
    assert violations(page) == []
    page_watch.assert_clean()


# --- Planted markup ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """A server of its own: its database holds the markup, the shared one stays clean."""
    tmp_dir = tmp_path_factory.mktemp("hostile-site")
    env = _server_env(tmp_dir)
    _manage(env, "migrate", "--noinput")
    _manage(env, "load_seed")
    with_password = {**env, "BROWSER_PASSWORD": BROWSER_PASSWORD}
    _manage(
        with_password,
        "create_account",
        "bistep",
        "--role",
        "secretariat",
        "--region",
        "26",
        "--password-env",
        "BROWSER_PASSWORD",
    )
    _manage(
        with_password,
        "create_account",
        "msit",
        "--role",
        "ministry",
        "--password-env",
        "BROWSER_PASSWORD",
    )
    planted = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from tests.security.hostile import plant_for_browser as p;"
            "print(p('bistep', 'msit').report_id)",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert planted.returncode == 0, planted.stderr
    report_id = int(planted.stdout.split()[-1])
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with open(tmp_dir / "runserver.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            assert server.poll() is None and time.monotonic() < deadline, "runserver failed"
            time.sleep(0.2)
        yield url, report_id
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def hover_over_charts(page) -> None:
    """Move the mouse across each chart, so plotly draws hover labels from the data too."""
    for chart in page.locator("[data-chart]").all():
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        for fx in (0.2, 0.35, 0.5, 0.65, 0.8):
            for fy in (0.25, 0.5, 0.75):
                page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])


def _log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", BROWSER_PASSWORD)
    with page.expect_navigation(wait_until="networkidle"):
        page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize(
    ("who", "paths"),
    [
        (
            None,
            [
                f"/plans/{PLAN}/",
                f"/plans/{PLAN}/kpis/{KPI}/",
                "/regions/26/",
                "/dashboard/",
                "/dashboard/regions/26/",
                "/en/dashboard/compare/?series=rcostii_rank&year=2022",
                f"/charts/kpi/?plan={PLAN}&kpi={KPI}",
                "/charts/alignment/",
                "/charts/map/?series=rcostii_rank&year=2022",
                "/report",
            ],
        ),
        ("bistep", ["/workspace/?year=2025", f"/en/plans/{PLAN}/kpis/{KPI}/"]),
        ("msit", ["/review/", "/en/review/"]),
    ],
)
def test_planted_markup_never_runs_and_charts_show_it_as_text(page, hostile_site, who, paths):
    url, report_id = hostile_site
    watch = PageWatch(page=page, site_url=url).attach()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.add_init_script(RECORD_VIOLATIONS)
    if who:
        _log_in(page, url, who)
    for path in paths:
        if path == "/report":
            path = f"/plans/{PLAN}/reports/{report_id}/"
        watch.goto(path)
        charts = wait_for_charts(page)
        hover_over_charts(page)
        assert dialogs == [], f"{path} opened a dialog"
        assert violations(page) == [], path
        if charts:
            drawn = page.locator("[data-chart] svg text").all_text_contents()
            planted = [text for text in drawn if "onclick" in text]
            if planted:  # a name from the data is drawn: exactly as typed, not as markup
                assert all(SHORT_PAYLOAD in text for text in planted), planted
        assert page.locator("[data-chart] svg b, main img[src=x], svg [onload]").count() == 0
    assert page.locator("script:not([src]):not([type='application/json'])").count() == 0
    watch.assert_clean()


def test_the_map_draws_a_planted_region_name_as_plain_text(page, hostile_site):
    url, _report_id = hostile_site
    page.goto(f"{url}/charts/map/?series=rcostii_rank&year=2022", wait_until="networkidle")
    wait_for_charts(page)
    labels = page.locator("[data-chart] .textpoint text").all_text_contents()
    assert SHORT_PAYLOAD in labels  # Busan's short name, as typed
