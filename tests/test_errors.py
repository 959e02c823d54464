"""Error pages: a database outage is a plain 503 (never a traceback), readiness checks the DB.

`make chaos` proves the same against a real PostgreSQL that is restarted under load; these
tests keep the handler's behaviour from drifting.
"""

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import get_resolver, path

from core.error_pages import server_error


def _database_gone(request):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')


def _bug(request):
    raise ValueError("a bug, not an outage")


# This module doubles as the URLconf of the tests that need views that fail.
urlpatterns = [
    path("page/", _database_gone),
    path("bug/", _bug),
    path("api/v1/thing/", _database_gone),
    path("api/v1/bug/", _bug),
]
handler500 = "core.error_pages.server_error"


@pytest.fixture
def visitor():
    # As a real server does: the exception becomes the error page instead of failing the test.
    return Client(raise_request_exception=False)


def test_the_site_uses_the_plain_error_handler():
    assert get_resolver("config.urls").resolve_error_handler(500) is server_error


@pytest.mark.urls(__name__)
def test_a_lost_database_is_a_plain_bilingual_503_page_that_says_try_again(visitor):
    response = visitor.get("/page/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    body = response.content.decode()
    assert 'data-error-page="503"' in body
    assert "잠시 이용할 수 없습니다" in body and "Temporarily unavailable" in body
    assert "Traceback" not in body and "5432" not in body


@pytest.mark.urls(__name__)
def test_a_bug_is_a_plain_500_page_without_details(visitor):
    response = visitor.get("/bug/")
    assert response.status_code == 500
    assert not response.has_header("Retry-After")
    body = response.content.decode()
    assert 'data-error-page="500"' in body
    assert "요청을 처리하지 못했습니다" in body and "Something went wrong" in body
    assert "ValueError" not in body and "a bug" not in body


@pytest.mark.urls(__name__)
def test_the_api_answers_an_outage_in_its_own_error_shape(visitor):
    response = visitor.get("/api/v1/thing/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "unavailable"
    assert response["Retry-After"] == "10"
    bug = visitor.get("/api/v1/bug/")
    assert bug.status_code == 500
    assert bug.json()["error"]["code"] == "server_error"


@pytest.mark.django_db
def test_readyz_is_ok_while_the_database_answers(anonymous):
    response = anonymous.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_does_not_answer(anonymous, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = anonymous.get("/readyz")
    assert response.status_code == 503
    assert response.content == b"database unavailable"


def test_healthz_does_not_touch_the_database(anonymous):
    # No django_db mark: any query here would fail the test.
    assert anonymous.get("/healthz").status_code == 200
