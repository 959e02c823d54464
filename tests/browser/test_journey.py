"""The yearly return end to end, as people do it in the browser."""

import pytest

from tests.browser.conftest import BROWSER_PASSWORD, wait_for_charts

pytestmark = [pytest.mark.browser, pytest.mark.writes]


def log_in(page, page_watch, username: str, prefix: str = "") -> None:
    page_watch.goto(f"{prefix}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", BROWSER_PASSWORD)
    with page.expect_navigation(wait_until="networkidle"):
        page.locator("main form button[type=submit]").click()


def log_out(page) -> None:
    with page.expect_navigation(wait_until="networkidle"):
        page.locator("header form button[type=submit]").click()


@pytest.mark.parametrize(
    ("prefix", "year", "value"), [("", "2025", "2.05"), ("/en", "2026", "2.15")]
)
def test_a_value_goes_from_the_secretariat_through_review_to_the_public_dashboard(
    page, page_watch, prefix, year, value
):
    # The Busan secretariat enters the year's R&D/GRDP value and submits it.
    log_in(page, page_watch, "bistep", prefix)
    page_watch.goto(f"{prefix}/workspace/?year={year}")
    name = (
        "R&D investment as a share of GRDP"
        if prefix
        else "지역내총생산(GRDP) 대비 연구개발 투자 비중"
    )
    row = page.locator(".entry-grid tbody tr", has_text=name)
    row.locator("input[name^=value-]").fill(value)
    row.locator("input[name^=source-]").fill("https://www.bistep.re.kr/report")
    with page.expect_navigation(wait_until="networkidle"):
        row.get_by_role("button").click()
    assert row.locator(".wf-submitted").count() == 1
    log_out(page)

    # A ministry officer approves it.
    log_in(page, page_watch, "msit", prefix)
    page_watch.goto(f"{prefix}/review/?region=26&year={year}")
    review_row = page.locator("table.review tbody tr").first
    assert value in review_row.inner_text()
    with page.expect_navigation(wait_until="networkidle"):
        review_row.locator("button[name=approve]").click()
    assert page.locator("table.review").count() == 0
    log_out(page)

    # The public dashboard shows the value and the recomputed status.
    page_watch.goto(f"{prefix}/dashboard/regions/26/")
    wait_for_charts(page)
    card = page.locator("#kpi-rnd_to_grdp_pct")
    assert card.locator(".status-not_available").count() == 0
    # 2.05 in 2025 closes 44% of the gap in 67% of the period: pace 0.67, moderate progress.
    assert card.locator(".status-moderate_progress").count() == 1
    table = page.locator("#chart-kpi-busan-2-rnd_to_grdp_pct-block table").text_content()
    assert value in table and year in table
    page_watch.assert_clean()
