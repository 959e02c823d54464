"""`manage.py check --deploy` under production settings, and the headers production sends."""

import os
import subprocess
import sys

from django.conf import settings

# 50 characters, many distinct: what Django's security.W009 asks of a real key.
PRODUCTION_KEY = "k3J9x2mQ7vR8pL0wZ4tY6uN1bC5dF-hGsAeIoUyTrEwQaZ_xS9"

# Variables of the developer's or CI's shell that would change what production means.
_STRIPPED = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
}


def production_env(**extra) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _STRIPPED}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="example.org",
        **extra,
    )
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_finds_nothing_to_warn_about_in_production():
    assert len(PRODUCTION_KEY) == 50
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_the_deploy_check_still_warns_when_production_is_misconfigured():
    # The twin: the check above would also pass if --deploy checked nothing at all.
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0"),
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr  # SECURE_SSL_REDIRECT
    assert "security.W004" in result.stderr  # SECURE_HSTS_SECONDS


def test_production_settings_harden_cookies_sessions_and_headers():
    code = (
        "import config.settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.CSRF_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
        " s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY, s.SECURE_CONTENT_TYPE_NOSNIFF,"
        " s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "31536000",
        "DENY",
        "same-origin",
        "True",
        "28800",
        "True",
    ]


def test_session_length_and_lockout_come_from_the_environment():
    code = (
        "import config.settings as s;"
        "print(s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.LOGIN_FAILURE_LIMIT,"
        " s.LOGIN_IP_FAILURE_LIMIT, s.LOGIN_LOCKOUT_SECONDS, s.IMPORT_MAX_BYTES,"
        " s.FILE_UPLOAD_MAX_MEMORY_SIZE, s.NUM_PROXIES)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=production_env(
            SESSION_COOKIE_AGE="3600",
            SESSION_EXPIRE_AT_BROWSER_CLOSE="false",
            LOGIN_FAILURE_LIMIT="3",
            LOGIN_IP_FAILURE_LIMIT="30",
            LOGIN_LOCKOUT_SECONDS="600",
            IMPORT_MAX_BYTES="1048576",
            NUM_PROXIES="1",
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3600", "False", "3", "30", "600", "1048576", "1310720", "1"]


def test_pages_carry_the_security_headers(db, anonymous):
    response = anonymous.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
