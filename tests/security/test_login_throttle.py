"""Log-in throttling (regions/login_throttle.py) on the site's and the admin's log-in pages."""

import logging
import time

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from core.security import client_ip
from tests.conftest import PASSWORD

WRONG = "not-the-password"


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_IP_FAILURE_LIMIT = 6
    settings.LOGIN_LOCKOUT_SECONDS = 600


def log_in(username, password, *, ip="10.0.0.1", path="/login/", client=None):
    client = client or Client(REMOTE_ADDR=ip)
    response = client.post(path, {"username": username, "password": password})
    return client, response


def error_code(response) -> str:
    return response.context["form"].errors["__all__"].as_data()[0].code


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_three_wrong_passwords_lock_the_account_even_for_the_right_one(busan):
    for _ in range(2):
        _client, response = log_in("bistep", WRONG)
        assert error_code(response) == "invalid_login"
    _client, response = log_in("bistep", WRONG)
    assert error_code(response) == "locked"  # the failure that locks says so at once
    client, response = log_in("bistep", PASSWORD)
    assert response.status_code == 200  # the form again, not the redirect of a log-in
    assert not logged_in(client)
    assert error_code(response) == "locked"


def test_the_lock_message_says_when_to_try_again_in_english(busan):
    for _ in range(3):
        log_in("bistep", WRONG, path="/en/login/")
    _client, response = log_in("bistep", PASSWORD, path="/en/login/")
    html = response.content.decode()
    assert "Too many failed log-in attempts" in html
    assert "try again in 10 minutes" in html
    until = time.strftime("%H:%M", time.gmtime(time.time() + 9 * 3600 + 600))  # Asia/Seoul
    assert f"locked until {until}" in html


def test_a_locked_username_is_locked_from_every_address(busan):
    for _ in range(3):
        log_in("bistep", WRONG, ip="10.0.0.1")
    client, _response = log_in("bistep", PASSWORD, ip="192.0.2.99")
    assert not logged_in(client)


def test_other_users_can_still_log_in_while_one_is_locked(busan, daejeon):
    for _ in range(3):
        log_in("bistep", WRONG, ip="10.0.0.1")
    client, response = log_in("distep", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 302
    assert logged_in(client)


def test_the_account_opens_again_after_the_lockout(busan, settings):
    settings.LOGIN_LOCKOUT_SECONDS = 1
    for _ in range(3):
        log_in("bistep", WRONG)
    client, _response = log_in("bistep", PASSWORD)
    assert not logged_in(client)
    time.sleep(1.2)
    client, response = log_in("bistep", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_a_successful_log_in_clears_the_count(busan):
    for _ in range(2):
        log_in("bistep", WRONG)
    client, _response = log_in("bistep", PASSWORD)
    assert logged_in(client)
    for _ in range(2):
        log_in("bistep", WRONG)
    client, _response = log_in("bistep", PASSWORD)
    assert logged_in(client)  # 4 failures in all, but never 3 in a row


def test_a_username_is_locked_whatever_its_letter_case(busan):
    for username in ("bistep", "BISTEP", "Bistep"):
        log_in(username, WRONG)
    client, _response = log_in("bistep", PASSWORD)
    assert not logged_in(client)


def test_many_usernames_from_one_address_lock_that_address(busan):
    for number in range(6):
        log_in(f"guess{number}", WRONG, ip="10.0.0.66")
    client, response = log_in("bistep", PASSWORD, ip="10.0.0.66")
    assert not logged_in(client)
    assert error_code(response) == "locked"
    # Another address is not affected, and bistep itself was never guessed.
    client, _response = log_in("bistep", PASSWORD, ip="10.0.0.67")
    assert logged_in(client)


def test_the_admin_log_in_shares_the_counts_and_the_lock(admin_client_user):
    for _ in range(2):
        _client, response = log_in("root", WRONG, path="/admin/login/")
        assert response.status_code == 200
    # The third failure, on the site's page, locks the admin's too.
    log_in("root", WRONG)
    client, response = log_in("root", PASSWORD, path="/admin/login/?next=/admin/")
    assert response.status_code == 200
    assert error_code(response) == "locked"
    assert (
        "Too many failed log-in attempts"
        in log_in("root", PASSWORD, path="/en/login/")[1].content.decode()
    )
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_the_admin_log_in_works_without_failures(admin_client_user):
    client, response = log_in("root", PASSWORD, path="/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_right_password_of_a_non_staff_user_on_the_admin_does_not_count(busan):
    for _ in range(3):
        _client, response = log_in("bistep", PASSWORD, path="/admin/login/")
        assert response.status_code == 200  # refused: not staff
    client, _response = log_in("bistep", PASSWORD)
    assert logged_in(client)


def test_failures_and_lockouts_are_logged(busan, caplog):
    with caplog.at_level(logging.INFO, logger="regions.login_throttle"):
        for _ in range(3):
            log_in("bistep", WRONG, ip="10.0.0.5")
        log_in("bistep", PASSWORD, ip="10.0.0.5")
    messages = [record.getMessage() for record in caplog.records]
    assert messages.count("Failed log-in for 'bistep' from 10.0.0.5") == 3
    assert any("Log-in locked for username 'bistep'" in message for message in messages)
    assert any(message.startswith("Log-in refused for 'bistep'") for message in messages)
    assert all(PASSWORD not in message and WRONG not in message for message in messages)


def test_an_unknown_username_is_locked_like_a_real_one(db):
    # Same answers whether the account exists or not: the lock reveals no usernames.
    for _ in range(3):
        log_in("nobody-here", WRONG)
    _client, response = log_in("nobody-here", WRONG)
    assert error_code(response) == "locked"
    assert not get_user_model().objects.filter(username="nobody-here").exists()


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy: the header is the client's own claim
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the left part may be forged
        (2, "198.51.100.1, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (1, "", "10.0.0.1"),
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(
    rf, settings, proxies, forwarded, expected
):
    settings.NUM_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_behind_a_proxy_the_forwarded_address_is_what_gets_locked(busan, settings):
    settings.NUM_PROXIES = 1
    for number in range(6):
        Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.7").post(
            "/login/", {"username": f"guess{number}", "password": WRONG}
        )
    locked = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.7")
    locked.post("/login/", {"username": "bistep", "password": PASSWORD})
    assert not logged_in(locked)
    # The proxy's own address is shared by everyone: another client behind it gets in.
    other = Client(REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.8")
    other.post("/login/", {"username": "bistep", "password": PASSWORD})
    assert logged_in(other)
