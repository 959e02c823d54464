"""Every write × every persona: anonymous, another region's secretariat, the region's own
secretariat and a ministry officer."""

import pytest

from indicators import services
from indicators.models import Indicator, Observation

PERSONAS = ["anonymous", "daejeon", "busan", "ministry"]

# What each persona gets for each write on Busan's KPI values.
EXPECTED = {
    "create": {"anonymous": 401, "daejeon": 403, "busan": 201, "ministry": 403},
    "patch_draft": {"anonymous": 401, "daejeon": 404, "busan": 200, "ministry": 403},
    "submit_draft": {"anonymous": 401, "daejeon": 404, "busan": 200, "ministry": 403},
    "approve_submitted": {"anonymous": 401, "daejeon": 404, "busan": 403, "ministry": 200},
    "return_submitted": {"anonymous": 401, "daejeon": 404, "busan": 403, "ministry": 200},
    "reopen_approved": {"anonymous": 401, "daejeon": 403, "busan": 403, "ministry": 200},
    "patch_approved": {"anonymous": 401, "daejeon": 403, "busan": 409, "ministry": 403},
}


@pytest.fixture
def clients(api, busan_api, daejeon_api, ministry_api):
    return {"anonymous": api, "busan": busan_api, "daejeon": daejeon_api, "ministry": ministry_api}


@pytest.fixture
def values(busan):
    """A draft, a submitted and an approved value of Busan's KPIs."""
    rnd = Indicator.objects.get(plan__key="busan-2", key="rnd_to_grdp_pct")
    talent = Indicator.objects.get(plan__key="busan-2", key="se_talent_flow_index")
    draft = services.save_observation(indicator=rnd, year=2024, value="2", by=busan.user)
    submitted = services.save_observation(indicator=talent, year=2024, value="0.27", by=busan.user)
    services.submit_observation(observation=submitted, by=busan.user)
    approved = Observation.objects.get(
        indicator__plan__key="busan-2", indicator__key="rcostii_rank", year=2022
    )
    return {"rnd": rnd, "draft": draft, "submitted": submitted, "approved": approved}


def act(client, write, values):
    if write == "create":
        return client.post(
            "/api/v1/observations/",
            {"indicator": values["rnd"].pk, "year": 2025, "value": "2.05"},
            format="json",
        )
    target = {
        "draft": values["draft"],
        "submitted": values["submitted"],
        "approved": values["approved"],
    }[write.rsplit("_", 1)[1]]
    target.refresh_from_db()
    url = f"/api/v1/observations/{target.pk}/"
    verb = write.split("_")[0]
    if verb == "patch":
        return client.patch(url, {"value": "3", "version": target.version}, format="json")
    body = {"comment": "확인 필요", "reason": "정정"}
    return client.post(f"{url}{verb}/", body, format="json")


@pytest.mark.parametrize("write", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_may_do_exactly_what_the_workflow_allows(clients, values, write, persona):
    before = {o.pk: (o.status, o.value, o.version) for o in Observation.objects.all()}
    response = act(clients[persona], write, values)
    expected = EXPECTED[write][persona]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) == {"error"}
        after = {o.pk: (o.status, o.value, o.version) for o in Observation.objects.all()}
        assert after == before  # a refused write changes nothing


def test_anonymous_callers_see_approved_values_only(api, values):
    statuses = {
        r["status"] for r in api.get("/api/v1/observations/?page_size=1000").json()["results"]
    }
    assert statuses == {"approved"}
    assert api.get(f"/api/v1/observations/{values['draft'].pk}/").status_code == 404


def test_a_secretariat_sees_its_own_regions_drafts_but_not_anothers(busan_api, daejeon_api, values):
    assert busan_api.get(f"/api/v1/observations/{values['draft'].pk}/").status_code == 200
    assert daejeon_api.get(f"/api/v1/observations/{values['draft'].pk}/").status_code == 404
    mine = busan_api.get("/api/v1/observations/?status=draft").json()
    assert [r["id"] for r in mine["results"]] == [values["draft"].pk]
    assert daejeon_api.get("/api/v1/observations/?status=draft").json()["count"] == 0


def test_ministry_officers_see_everything(ministry_api, values):
    statuses = {
        r["status"]
        for r in ministry_api.get("/api/v1/observations/?page_size=1000").json()["results"]
    }
    assert {"draft", "submitted", "approved"} <= statuses


def test_a_revoked_token_stops_working(busan, values):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    busan.post("/account/", {"action": "create"})
    key = Token.objects.get(user=busan.user).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/observations/?status=draft").json()["count"] == 1
    busan.post("/account/", {"action": "revoke"})
    assert client.get("/api/v1/observations/").status_code == 401


def test_the_account_page_shows_a_new_token_once(busan):
    html = busan.post("/account/", {"action": "create"}).content.decode()
    from rest_framework.authtoken.models import Token

    key = Token.objects.get(user=busan.user).key
    assert key in html
    assert key not in busan.get("/account/").content.decode()


def test_anonymous_callers_are_throttled(api, settings):
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    cache.clear()
    original = AnonRateThrottle.THROTTLE_RATES
    AnonRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    try:
        # Distinct pages: a repeated request is served from the cache and costs nothing.
        codes = [api.get(f"/api/v1/regions/?page_size={n}").status_code for n in range(1, 5)]
    finally:
        AnonRateThrottle.THROTTLE_RATES = original
        cache.clear()
    assert codes == [200, 200, 200, 429]
