"""The public pages in a real browser: they load, stay on the site, raise no JS errors."""

import pytest

from tests.browser.conftest import BASE_DIR, wait_for_charts

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/en/",
    "/plans/busan-2/",
    "/regions/26/",
    "/plans/national-6/tasks/2-2/",
    "/dashboard/",
    "/en/dashboard/",
    "/dashboard/regions/26/",
    "/en/dashboard/regions/26/",
    "/plans/busan-2/kpis/rcostii_rank/",
    "/dashboard/compare/",
    "/en/dashboard/compare/?series=rcostii_score&year=2022",
    "/charts/map/?series=rcostii_rank&year=2022",
]

# How many charts each dashboard must draw (all of them, or the test fails).
CHART_COUNTS = {
    "/dashboard/": 4,
    "/dashboard/regions/26/": 3,
    "/plans/busan-2/kpis/rcostii_rank/": 1,
    "/dashboard/compare/": 2,
    "/charts/map/?series=rcostii_rank&year=2022": 1,
}


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly(page, page_watch, path):
    page_watch.goto(path)
    drawn = wait_for_charts(page)

    expected = CHART_COUNTS.get(path.removeprefix("/en"))
    if expected is not None:
        assert drawn == expected
    assert page.locator("html").get_attribute("lang") == ("en" if path.startswith("/en/") else "ko")
    page_watch.assert_clean()


def test_english_link_in_the_header_switches_language(page, page_watch, site_url):
    page_watch.goto("/plans/busan-2/")

    with page.expect_navigation(wait_until="networkidle") as navigation:
        page.locator("header").get_by_role("link", name="English", exact=True).click()

    assert navigation.value.status == 200
    assert page.url == f"{site_url}/en/plans/busan-2/"
    assert page.locator("html").get_attribute("lang") == "en"
    page_watch.assert_clean()


def test_screenshot_of_the_busan_plan(page, page_watch):
    target = BASE_DIR / "var" / "screenshots" / "busan-plan.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)

    page_watch.goto("/plans/busan-2/")
    wait_for_charts(page)
    page.screenshot(path=str(target), full_page=True)

    assert target.is_file()
    assert target.stat().st_size > 10 * 1024
    page_watch.assert_clean()


def test_the_busan_dashboard_shows_three_kpis_with_their_statuses(page, page_watch):
    target = BASE_DIR / "var" / "screenshots" / "busan-dashboard.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)

    page_watch.goto("/dashboard/regions/26/")
    assert wait_for_charts(page) == 3
    cards = page.locator(".kpi-card")
    assert cards.count() == 3
    assert "순조로운 진전" in cards.nth(0).inner_text()
    assert "자료 없음" in cards.nth(1).inner_text()
    assert "자료 없음" in cards.nth(2).inner_text()
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10 * 1024
    page_watch.assert_clean()


def test_the_map_draws_all_17_regions(page, page_watch):
    page_watch.goto("/dashboard/")
    wait_for_charts(page)
    fills = page.evaluate(
        """() => {
        const chart = document.querySelector('[data-chart^="chart-map"]');
        return chart.data.filter(t => t.fill === "toself").map(t => t.fillcolor);
    }"""
    )
    assert len(fills) == 17
    assert all(colour.startswith("#") for colour in fills)
    page_watch.assert_clean()
