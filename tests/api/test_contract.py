"""The API contract of issue 5: paths, field names and shapes other tools rely on."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from indicators.models import Indicator, Observation
from tests.api.conftest import token_client


def test_regions_list_the_17_with_their_names(api):
    body = api.get("/api/v1/regions/").json()
    assert body["count"] == 17
    assert body["results"][1] == {
        "code": "26",
        "name_ko": "부산광역시",
        "name_en": "Busan Metropolitan City",
        "short_ko": "부산",
        "short_en": "Busan",
    }


def test_plans_list_has_the_contract_fields_and_filters(api):
    body = api.get("/api/v1/plans/?level=regional&region=26").json()
    assert [p["key"] for p in body["results"]] == ["busan-2"]
    assert body["results"][0] == {
        "key": "busan-2",
        "level": "regional",
        "region": "26",
        "implements": "national-6",
        "name_ko": "제2차 부산과학기술진흥종합계획",
        "name_en": "2nd Busan Comprehensive Plan for S&T Promotion",
        "start_year": 2023,
        "end_year": 2027,
        "provisional": False,
        "url": "/plans/busan-2/",
    }
    national = api.get("/api/v1/plans/?level=national").json()["results"]
    assert [p["key"] for p in national] == ["national-6"] and national[0]["region"] is None


def test_a_plans_detail_nests_strategies_tasks_alignment_and_kpis(api):
    plan = api.get("/api/v1/plans/busan-2/").json()
    assert plan["vision_ko"] == "과학기술로 앞서가는 혁신 허브 도시 부산"
    assert len(plan["strategies"]) == 4
    governance = plan["strategies"][1]["tasks"][3]
    assert governance["code"] == "2-4" and governance["number"] == 4
    assert governance["aligns_with"] == ["national-6:1-2", "national-6:1-3"]
    assert {"name_ko", "name_en", "provisional"} <= set(governance)
    assert [i["key"] for i in plan["indicators"]] == [
        "rcostii_rank",
        "rnd_to_grdp_pct",
        "se_talent_flow_index",
    ]


def test_an_indicator_carries_baseline_target_and_assessment_as_decimal_strings(api):
    rank = Indicator.objects.get(plan__key="busan-2", key="rcostii_rank")
    body = api.get(f"/api/v1/indicators/{rank.pk}/").json()
    assert body == {
        "id": rank.pk,
        "plan": "busan-2",
        "key": "rcostii_rank",
        "name_ko": "지역혁신역량지수 순위",
        "name_en": "Regional S&T innovation capability rank (R-COSTII)",
        "unit": "rank",
        "direction": "decrease",
        "method": "linear",
        "baseline": {"year": 2021, "value": "9"},
        "target": {"year": 2027, "value": "5"},
        "provisional": False,
        "url": "/plans/busan-2/kpis/rcostii_rank/",
        "assessment": {
            "status": "substantial_progress",
            "progress": "0.75",
            "expected": "0.166667",
            "pace": "4.5",
            "latest_year": 2022,
            "latest_value": "6",
            "forecast_value": "-9",
            "forecast_year_reached": 2023,
        },
    }


def test_indicators_filter_by_plan_region_and_status(api):
    assert api.get("/api/v1/indicators/?plan=busan-2").json()["count"] == 3
    assert api.get("/api/v1/indicators/?region=48").json()["count"] == 2
    achieving = api.get("/api/v1/indicators/?status=substantial_progress").json()
    assert [i["key"] for i in achieving["results"]] == ["rcostii_rank"]
    bad = api.get("/api/v1/indicators/?status=great")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


def test_observations_have_the_contract_fields_and_filters(api):
    body = api.get("/api/v1/observations/?plan=busan-2&year=2022").json()
    (row,) = body["results"]
    assert set(row) == {
        "id",
        "indicator",
        "year",
        "value",
        "status",
        "source",
        "note",
        "version",
        "updated_at",
    }
    assert row["value"] == "6" and row["status"] == "approved"
    assert api.get("/api/v1/observations/?region=26").json()["count"] == 7
    assert api.get("/api/v1/observations/?status=draft").json()["count"] == 0


def test_budgets_and_series(api):
    budgets = api.get("/api/v1/budgets/?plan=national-6").json()["results"]
    assert budgets[0] == {
        "plan": "national-6",
        "year": 2023,
        "basis": "plan",
        "task": None,
        "total": 41492,
        "central": 27286,
        "local": 13436,
        "private": 770,
        "sources": budgets[0]["sources"],
    }
    assert {"task": "2-2", "total": 21075}.items() <= next(
        b for b in budgets if b["task"] == "2-2"
    ).items()
    series = api.get("/api/v1/series/?series=rcostii_rank&year=2022").json()
    assert series["count"] == 11
    national = api.get("/api/v1/series/?series=rnd_to_grdp_pct&region=00").json()["results"]
    assert [(r["year"], r["value"], r["region"]) for r in national] == [
        (2020, "4.81", "00"),
        (2021, "4.96", "00"),
    ]


def test_pages_go_up_to_1000_items(api):
    assert api.get("/api/v1/series/?page_size=5").json()["results"].__len__() == 5
    assert len(api.get("/api/v1/series/?page_size=1000").json()["results"]) == 98
    too_many = api.get("/api/v1/series/?page_size=5000")
    assert too_many.status_code == 400 and "page_size" in too_many.json()["error"]["fields"]


def test_lists_come_as_csv_too(api):
    response = api.get("/api/v1/indicators/?plan=busan-2&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8").lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,plan,key,name_ko,name_en,unit,direction,method,baseline.year")
    assert "assessment.status" in lines[0] and len(lines) == 4


def test_errors_have_one_shape(api):
    for response in (
        api.get("/api/v1/plans/nope/"),
        api.post("/api/v1/observations/", {}),
        api.get("/api/v1/indicators/?status=x"),
    ):
        assert set(response.json()) == {"error"}
        assert {"code", "message"} <= set(response.json()["error"])


def test_create_account_can_print_a_token_that_works(db, monkeypatch, capsys):
    monkeypatch.setenv("PW", "a-long-enough-passphrase")
    call_command(
        "create_account",
        "feeder",
        "--role",
        "secretariat",
        "--region",
        "26",
        "--password-env",
        "PW",
        "--print-token",
    )
    key = capsys.readouterr().out.split("API token (shown only once): ")[1].split()[0]
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    indicator = Indicator.objects.get(plan__key="busan-2", key="rnd_to_grdp_pct")
    response = client.post(
        "/api/v1/observations/",
        {"indicator": indicator.pk, "year": 2025, "value": "2.05"},
        format="json",
    )
    assert response.status_code == 201


def test_a_regional_agency_enters_and_submits_a_year_with_only_a_token(
    busan_api, ministry_api, api
):
    ids = {}
    for kpi, value in (
        ("rcostii_rank", "7"),
        ("rnd_to_grdp_pct", "2.05"),
        ("se_talent_flow_index", "0.27"),
    ):
        indicator = Indicator.objects.get(plan__key="busan-2", key=kpi)
        response = busan_api.post(
            "/api/v1/observations/",
            {
                "indicator": indicator.pk,
                "year": 2025,
                "value": value,
                "source": "https://www.bistep.re.kr/2025",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "draft" and response.json()["value"] == value
        ids[kpi] = response.json()
    fixed = busan_api.patch(
        f"/api/v1/observations/{ids['rnd_to_grdp_pct']['id']}/",
        {"value": "2.06", "version": 1},
        format="json",
    )
    assert fixed.status_code == 200 and fixed.json()["version"] == 2
    for row in ids.values():
        response = busan_api.post(f"/api/v1/observations/{row['id']}/submit/", {}, format="json")
        assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert api.get("/api/v1/observations/?year=2025").json()["count"] == 0  # not yet public
    for row in ids.values():
        assert ministry_api.post(f"/api/v1/observations/{row['id']}/approve/").status_code == 200
    public = api.get("/api/v1/observations/?year=2025&region=26").json()
    assert {r["value"] for r in public["results"]} == {"7", "2.06", "0.27"}
    rnd = api.get(f"/api/v1/indicators/{ids['rnd_to_grdp_pct']['indicator']}/").json()
    assert rnd["assessment"]["latest_value"] == "2.06"
    assert rnd["assessment"]["status"] == "moderate_progress"


def test_posting_a_duplicate_year_or_a_bad_value_is_400(busan_api):
    indicator = Indicator.objects.get(plan__key="busan-2", key="rcostii_rank")
    duplicate = busan_api.post(
        "/api/v1/observations/",
        {"indicator": indicator.pk, "year": 2022, "value": "6"},
        format="json",
    )
    assert duplicate.status_code == 400 and "year" in duplicate.json()["error"]["fields"]
    for body in (
        {"value": "six", "year": 2025},
        {"value": 6.5, "year": 2025},
        {"value": "6", "year": 2040},
    ):
        response = busan_api.post(
            "/api/v1/observations/", {"indicator": indicator.pk, **body}, format="json"
        )
        assert response.status_code == 400, body
        assert response.json()["error"]["message"]


def test_a_stale_version_is_409_and_an_approved_value_is_refused(busan_api):
    indicator = Indicator.objects.get(plan__key="busan-2", key="rnd_to_grdp_pct")
    created = busan_api.post(
        "/api/v1/observations/",
        {"indicator": indicator.pk, "year": 2025, "value": "2.05"},
        format="json",
    ).json()
    busan_api.patch(
        f"/api/v1/observations/{created['id']}/", {"value": "2.1", "version": 1}, format="json"
    )
    stale = busan_api.patch(
        f"/api/v1/observations/{created['id']}/", {"value": "2.2", "version": 1}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    assert Observation.objects.get(pk=created["id"]).value == Decimal("2.1")
    approved = Observation.objects.get(
        indicator__plan__key="busan-2", indicator__key="rcostii_rank", year=2022
    )
    locked = busan_api.patch(
        f"/api/v1/observations/{approved.pk}/",
        {"value": "5", "version": approved.version},
        format="json",
    )
    assert locked.status_code == 409 and locked.json()["error"]["code"] == "invalid_state"


def test_return_needs_a_comment_and_reopen_a_reason(busan_api, ministry_api):
    indicator = Indicator.objects.get(plan__key="busan-2", key="rnd_to_grdp_pct")
    created = busan_api.post(
        "/api/v1/observations/",
        {"indicator": indicator.pk, "year": 2025, "value": "2.05"},
        format="json",
    ).json()
    busan_api.post(f"/api/v1/observations/{created['id']}/submit/")
    assert (
        ministry_api.post(
            f"/api/v1/observations/{created['id']}/return/", {}, format="json"
        ).status_code
        == 400
    )
    returned = ministry_api.post(
        f"/api/v1/observations/{created['id']}/return/", {"comment": "출처 확인"}, format="json"
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    approved = Observation.objects.get(
        indicator__plan__key="busan-2", indicator__key="rcostii_rank", year=2022
    )
    assert (
        ministry_api.post(
            f"/api/v1/observations/{approved.pk}/reopen/", {}, format="json"
        ).status_code
        == 400
    )
    reopened = ministry_api.post(
        f"/api/v1/observations/{approved.pk}/reopen/", {"reason": "정정"}, format="json"
    )
    assert reopened.status_code == 200 and reopened.json()["status"] == "returned"


def test_the_schema_and_its_docs_are_served_without_a_cdn(api):
    schema = api.get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/regions/",
        "/api/v1/plans/{key}/",
        "/api/v1/indicators/{id}/",
        "/api/v1/observations/{id}/submit/",
        "/api/v1/observations/{id}/return/",
        "/api/v1/budgets/",
        "/api/v1/series/",
    ):
        assert path in paths
    patch = paths["/api/v1/observations/{id}/"]["patch"]["responses"]
    assert {"200", "400", "401", "403", "404", "409", "429"} <= set(patch)
    docs = api.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    assert "cdn" not in docs.lower()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/regions/",
        "/api/v1/plans/",
        "/api/v1/indicators/",
        "/api/v1/observations/",
        "/api/v1/budgets/",
        "/api/v1/series/",
    ],
)
def test_list_endpoints_run_a_fixed_number_of_queries(
    api, path, ministry, django_assert_max_num_queries
):
    from tests.dashboard.test_views import grow_to_national_scale

    with django_assert_max_num_queries(6):
        api.get(path)
    client = token_client(ministry.user)
    grow_to_national_scale(years=3, kpis_per_plan=5)
    with django_assert_max_num_queries(8):
        assert client.get(path + "?page_size=1000").status_code == 200


def test_anonymous_reads_are_cached_and_a_token_caller_gets_fresh_data(
    api, busan_api, ministry_api, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    first = api.get("/api/v1/observations/?year=2025").json()
    with django_assert_max_num_queries(0):
        assert api.get("/api/v1/observations/?year=2025").json() == first
    indicator = Indicator.objects.get(plan__key="busan-2", key="rnd_to_grdp_pct")
    created = busan_api.post(
        "/api/v1/observations/",
        {"indicator": indicator.pk, "year": 2025, "value": "2.05"},
        format="json",
    ).json()
    assert busan_api.get("/api/v1/observations/?year=2025").json()["count"] == 1  # fresh
    with django_capture_on_commit_callbacks(execute=True):
        busan_api.post(f"/api/v1/observations/{created['id']}/submit/")
        ministry_api.post(f"/api/v1/observations/{created['id']}/approve/")
    assert api.get("/api/v1/observations/?year=2025").json()["count"] == 1  # next request


@pytest.mark.parametrize(
    "indicator", ["-1.7976931348623155e+308", "99999999999999999999", "9223372036854775808"]
)
def test_a_kpi_filter_beyond_the_id_range_is_refused_not_a_server_error(api, indicator):
    # Found by schemathesis: SQLite cannot compare such a number with an id column and raised
    # OverflowError (a 500); PostgreSQL answered an empty list. Now both refuse it the same way.
    response = api.get("/api/v1/observations/", {"indicator": indicator})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["indicator"]
    largest = api.get("/api/v1/observations/", {"indicator": "9223372036854775807"})
    assert largest.status_code == 200 and largest.json()["count"] == 0
