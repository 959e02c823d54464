"""A signed-in session lasts SESSION_COOKIE_AGE (a working day) and ends with the browser."""

import datetime

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD


def signed_in_client() -> Client:
    client = Client()
    response = client.post("/login/", {"username": "bistep", "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_the_session_cookie_lives_only_as_long_as_the_browser(busan):
    client = signed_in_client()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_server_ends_a_session_a_working_day_after_log_in(busan):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    before = timezone.now()
    client = signed_in_client()
    session = Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
    lifetime = session.expire_date - before
    assert datetime.timedelta(hours=8) <= lifetime < datetime.timedelta(hours=8, seconds=30)


def test_a_session_older_than_a_working_day_must_log_in_again(busan, monkeypatch):
    client = signed_in_client()
    assert client.get("/workspace/").status_code == 200
    start = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(hours=7, minutes=50))
    assert client.get("/workspace/").status_code == 200
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(hours=8, minutes=1))
    response = client.get("/workspace/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_csrf_cookie_is_out_of_reach_of_scripts(db):
    client = Client()
    client.get("/login/")
    assert client.cookies[settings.CSRF_COOKIE_NAME]["httponly"] is True
