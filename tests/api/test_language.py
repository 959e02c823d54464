"""The API answers in the caller's language (Accept-Language), Korean by default."""

from django.utils import translation
from rest_framework.test import APIClient

from indicators.models import Indicator


def post_refused(client, **headers):
    kpi = Indicator.objects.get(plan__key="busan-2", key="rnd_to_grdp_pct")
    return client.post(
        "/api/v1/observations/",
        {"indicator": kpi.pk, "year": 2025, "value": "2,05"},
        format="json",
        **headers,
    )


def test_api_messages_are_korean_by_default_and_english_when_asked(busan):
    client = APIClient()
    client.force_authenticate(busan.user)
    korean = post_refused(client)
    english = post_refused(client, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert korean.status_code == english.status_code == 400
    assert "모호" in korean.json()["error"]["message"]
    assert "is ambiguous" in english.json()["error"]["message"]
    assert (korean["Content-Language"], english["Content-Language"]) == ("ko", "en")
    assert "Accept-Language" in english["Vary"]


def test_a_cached_public_answer_is_kept_per_language(db):
    client = APIClient()
    assert client.get("/api/v1/regions/26/", HTTP_ACCEPT_LANGUAGE="en")["Content-Language"] == "en"
    assert client.get("/api/v1/regions/26/")["Content-Language"] == "ko"
    # The English call's language does not stay behind for what runs next.
    assert translation.get_language() in (None, "ko")
