"""One value's form in a real browser, by keyboard, on a phone and on a laptop."""

import pytest

from tests.browser.conftest import BASE_DIR
from tests.browser.test_journey import log_in, log_out

pytestmark = [pytest.mark.browser, pytest.mark.writes]

INDEX = "이공계 인재 유출입지수"


@pytest.mark.parametrize("width", [390, 1366])
def test_a_secretariat_corrects_a_refused_value_and_deletes_the_draft_by_keyboard(
    page, page_watch, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, page_watch, "bistep")
    page_watch.goto("/workspace/?year=2024")

    # From the year grid to the value's own form: the status cell links there.
    link = page.locator(".entry-grid tbody tr", has_text=INDEX).locator("a").first
    link.focus()
    with page.expect_navigation(wait_until="networkidle"):
        page.keyboard.press("Enter")
    assert "/workspace/kpis/" in page.url and page.url.endswith("/2024/")

    # A decimal comma is refused, said next to the field, and what was typed stays.
    value = page.locator("#id_value")
    value.focus()
    page.keyboard.type("0,27")
    with page.expect_navigation(wait_until="networkidle"):
        page.keyboard.press("Enter")  # the form's first button: save as draft
    assert page.locator("#id_value").get_attribute("aria-invalid") == "true"
    assert page.locator("#id_value").input_value() == "0,27"
    assert "모호합니다" in page.locator("#value-errors").inner_text()
    # Nothing sticks out of the page on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    shot = BASE_DIR / "var" / "screenshots" / f"value-form-refused-{width}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)

    value = page.locator("#id_value")
    value.fill("")
    value.focus()
    page.keyboard.type("0.27")
    with page.expect_navigation(wait_until="networkidle"):
        page.keyboard.press("Enter")
    assert page.locator(".wf-draft").count() >= 1
    assert page.locator("#id_value").input_value() == "0.27"

    # Delete the draft: back to the grid, where the value is missing again.
    delete = page.get_by_role("button", name="이 임시저장 값 삭제")
    delete.focus()
    with page.expect_navigation(wait_until="networkidle"):
        page.keyboard.press("Enter")
    assert page.url.endswith("/workspace/?year=2024")
    row = page.locator(".entry-grid tbody tr", has_text=INDEX)
    assert row.locator(".wf-missing").count() == 1
    log_out(page)
    page_watch.assert_clean()
