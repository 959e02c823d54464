"""One value's form in the workspace: enter, submit, delete a draft, withdraw a submission."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from indicators import services
from indicators.models import Indicator, Observation, WorkflowStatus


@pytest.fixture
def rnd(db):
    return Indicator.objects.get(plan__key="busan-2", key="rnd_to_grdp_pct")


def url(indicator, year, language="en"):
    with translation.override(language):
        return reverse("value_form", args=[indicator.pk, year])


def test_the_form_shows_the_kpi_its_target_and_an_empty_value(rnd, busan):
    html = busan.get(url(rnd, 2025)).content.decode()
    assert "R&amp;D investment as a share of GRDP · 2025" in html
    assert 'name="value" value=""' in html and "Missing" in html
    assert "2.3%" in html  # the target, with its unit


def test_saving_and_submitting_from_the_form(rnd, busan):
    response = busan.post(url(rnd, 2025), {"action": "save", "value": "2.05", "note": ""})
    assert response.status_code == 302 and response["Location"] == url(rnd, 2025)
    observation = Observation.objects.get(indicator=rnd, year=2025)
    assert observation.status == WorkflowStatus.DRAFT
    busan.post(
        url(rnd, 2025),
        {"action": "submit", "value": "2.05", "version": observation.version, "note": ""},
    )
    assert Observation.objects.get(pk=observation.pk).status == WorkflowStatus.SUBMITTED


def test_a_refused_value_keeps_what_was_typed_and_says_why_by_the_field(rnd, busan):
    response = busan.post(url(rnd, 2025), {"action": "save", "value": "2,05", "note": "메모"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in html and "is ambiguous" in html
    assert 'value="2,05"' in html and "메모" in html
    assert not Observation.objects.filter(indicator=rnd, year=2025).exists()


def test_a_draft_is_deleted_from_its_form_and_the_history_keeps_it(rnd, busan):
    observation = services.save_observation(indicator=rnd, year=2025, value="2", by=busan.user)
    html = busan.get(url(rnd, 2025)).content.decode()
    assert 'value="delete"' in html
    response = busan.post(url(rnd, 2025), {"action": "delete", "version": observation.version})
    assert response["Location"] == "/en/workspace/?year=2025"
    assert not Observation.objects.filter(pk=observation.pk).exists()
    html = busan.get(url(rnd, 2025)).content.decode()
    assert "Deleted" in html and "deleted" in html  # the history row: status and reason


def test_a_submission_is_withdrawn_from_its_form_back_to_draft(rnd, busan):
    observation = services.save_observation(indicator=rnd, year=2025, value="2", by=busan.user)
    observation = services.submit_observation(observation=observation, by=busan.user)
    html = busan.get(url(rnd, 2025)).content.decode()
    assert 'value="withdraw"' in html and 'name="value"' not in html  # no editing under review
    busan.post(url(rnd, 2025), {"action": "withdraw", "version": observation.version})
    assert Observation.objects.get(pk=observation.pk).status == WorkflowStatus.DRAFT


def test_a_stale_form_changes_nothing_and_says_so(rnd, busan):
    observation = services.save_observation(indicator=rnd, year=2025, value="2", by=busan.user)
    response = busan.post(url(rnd, 2025), {"action": "delete", "version": observation.version + 1})
    assert "changed by someone else" in response.content.decode()
    assert Observation.objects.filter(pk=observation.pk).exists()


def test_an_approved_value_has_no_form_and_no_delete(busan):
    rank = Indicator.objects.get(plan__key="busan-2", key="rcostii_rank")
    html = busan.get(url(rank, 2022)).content.decode()
    assert "Locked" in html and 'name="value"' not in html and 'value="delete"' not in html
    assert busan.post(url(rank, 2022), {"action": "delete"}).status_code == 200
    assert Observation.objects.filter(indicator=rank, year=2022).exists()


@pytest.mark.parametrize(
    ("year", "reason"),
    [(2027, "2027 has not come yet"), (2021, "2021 is outside this KPI's years (2022–2027).")],
)
def test_a_year_that_takes_no_value_has_the_reason_instead_of_a_form(rnd, busan, year, reason):
    response = busan.get(url(rnd, year))
    html = response.content.decode()
    assert response.status_code == 404
    assert reason.replace("'", "&#x27;") in html and 'name="value"' not in html
    assert busan.post(url(rnd, year), {"action": "save", "value": "2"}).status_code == 404
    assert not Observation.objects.filter(indicator=rnd, year=year).exists()


def test_another_region_and_the_ministry_have_no_form_for_busans_kpi(rnd, daejeon, ministry):
    assert daejeon.get(url(rnd, 2025)).status_code == 404
    assert ministry.get(url(rnd, 2025)).status_code == 404


def test_the_workspace_links_every_value_to_its_form(rnd, busan):
    html = busan.get("/en/workspace/?year=2025").content.decode()
    assert f'href="{url(rnd, 2025)}"' in html


def test_the_form_takes_the_same_number_of_queries_with_a_long_history(rnd, busan):
    def queries():
        with CaptureQueriesContext(connection) as context:
            assert busan.get(url(rnd, 2025)).status_code == 200
        return len(context.captured_queries)

    services.save_observation(indicator=rnd, year=2024, value="2", by=busan.user)
    few = queries()
    for year in (2022, 2023):
        services.save_observation(indicator=rnd, year=year, value="2", by=busan.user)
    assert queries() == few
