import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from regions import login_throttle
from regions.models import Role

DEMO = ["ministry", "busan", "daejeon"]


def printed_password(capsys):
    output = capsys.readouterr().out
    return output.split("password: ")[1].split()[0]


def test_reset_password_gives_the_demo_accounts_a_new_password(db, capsys, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts")
    old = printed_password(capsys)
    call_command("create_demo_accounts", "--reset-password")
    new = printed_password(capsys)
    assert new != old
    for username in DEMO:
        assert authenticate(username=username, password=old) is None
        assert authenticate(username=username, password=new) is not None


def test_reset_password_creates_the_demo_accounts_that_are_missing(db, capsys, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts", "--reset-password")
    password = printed_password(capsys)
    users = get_user_model().objects.filter(username__in=DEMO)
    assert users.count() == 3
    assert all(user.check_password(password) for user in users)
    assert users.get(username="ministry").membership.role == Role.MINISTRY
    assert users.get(username="busan").membership.region_id == "26"


def test_the_password_is_framed_in_korean_and_english(db, capsys, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts", "--reset-password")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == lines[-1] == "=" * 72
    assert any("비밀번호 / password: " in line for line in lines)
    assert "make demo-password" in lines[-2]


def test_existing_accounts_point_to_make_demo_password(db, capsys, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts")
    capsys.readouterr()
    call_command("create_demo_accounts")
    output = capsys.readouterr().out
    assert "exist already" in output and "make demo-password" in output
    assert "password: " not in output


def test_reset_password_is_refused_outside_development(db, capsys, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts")
    old = printed_password(capsys)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("create_demo_accounts", "--reset-password")
    assert authenticate(username="busan", password=old) is not None


def test_reset_password_creates_nothing_outside_development(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("create_demo_accounts", "--reset-password")
    assert not get_user_model().objects.filter(username__in=DEMO).exists()


def test_reset_password_lifts_a_lock_out_from_wrong_guesses(db, capsys, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts")
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login_throttle.record_failure(username="busan", ip="10.0.0.1")
    assert login_throttle.current_lock(username="busan", ip="10.0.0.2")
    call_command("create_demo_accounts", "--reset-password")
    assert login_throttle.current_lock(username="busan", ip="10.0.0.2") is None
