import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from regions.models import Membership, Role
from regions.services import create_account

STRONG = "a-long-and-unusual-passphrase"


def test_create_account_makes_a_busan_secretariat(db, monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", STRONG)
    call_command(
        "create_account",
        "bistep2",
        "--role",
        "secretariat",
        "--region",
        "26",
        "--password-env",
        "NEW_PASSWORD",
    )
    user = get_user_model().objects.get(username="bistep2")
    assert user.check_password(STRONG)
    assert (user.membership.role, user.membership.region_id) == ("secretariat", "26")
    assert not user.is_staff


def test_create_account_makes_a_ministry_officer_who_may_use_the_admin(db, monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", STRONG)
    call_command("create_account", "msit", "--role", "ministry", "--password-env", "NEW_PASSWORD")
    user = get_user_model().objects.get(username="msit")
    assert user.membership.role == Role.MINISTRY and user.membership.region is None
    assert user.is_staff


def test_create_account_prompts_for_the_password_twice(db, monkeypatch):
    answers = iter([STRONG, STRONG])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    call_command("create_account", "prompted", "--role", "ministry")
    assert get_user_model().objects.get(username="prompted").check_password(STRONG)


def test_create_account_refuses_two_different_passwords(db, monkeypatch):
    answers = iter([STRONG, STRONG + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="differ"):
        call_command("create_account", "prompted", "--role", "ministry")
    assert not get_user_model().objects.filter(username="prompted").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "secretariat"], "needs --region"),
        (["--role", "secretariat", "--region", "99"], "No region with code '99'"),
        (["--role", "ministry", "--region", "26"], "belongs to no region"),
    ],
)
def test_create_account_explains_what_is_wrong(db, monkeypatch, args, message):
    monkeypatch.setenv("NEW_PASSWORD", STRONG)
    with pytest.raises(CommandError, match=message):
        call_command("create_account", "someone", *args, "--password-env", "NEW_PASSWORD")
    assert not get_user_model().objects.filter(username="someone").exists()


def test_create_account_refuses_a_weak_password(db, monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "12345")
    with pytest.raises(CommandError, match="Password rejected"):
        call_command(
            "create_account", "weak", "--role", "ministry", "--password-env", "NEW_PASSWORD"
        )


def test_create_account_refuses_a_taken_username(db, ministry, monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", STRONG)
    with pytest.raises(CommandError, match="already taken"):
        call_command(
            "create_account", "officer", "--role", "ministry", "--password-env", "NEW_PASSWORD"
        )


def test_create_account_refuses_an_empty_password_variable(db):
    with pytest.raises(CommandError, match="UNSET_VAR is empty or unset"):
        call_command("create_account", "x", "--role", "ministry", "--password-env", "UNSET_VAR")


def test_the_database_refuses_a_secretariat_without_a_region(db, django_user_model):
    user = django_user_model.objects.create_user("loose")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.SECRETARIAT, region=None)


def test_membership_validation_explains_the_rule(db, django_user_model):
    user = django_user_model.objects.create_user("loose")
    with pytest.raises(ValidationError, match="한 지역에 속하고"):
        Membership(user=user, role=Role.MINISTRY, region_id="26").full_clean()


def test_demo_accounts_are_created_once_with_a_printed_password(db, capsys, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts")
    output = capsys.readouterr().out
    password = output.split("password: ")[1].split()[0]
    users = get_user_model().objects.filter(username__in=["ministry", "busan", "daejeon"])
    assert users.count() == 3
    assert all(user.check_password(password) for user in users)
    assert users.get(username="daejeon").membership.region_id == "30"
    call_command("create_demo_accounts")
    assert password not in capsys.readouterr().out


def test_demo_accounts_are_refused_outside_development(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("create_demo_accounts")
    assert not get_user_model().objects.filter(username="ministry").exists()


def test_no_migration_creates_accounts(db):
    # The session database is migrated and seeded; only fixtures create users.
    assert not get_user_model().objects.exists()


def test_a_user_can_log_in_and_out_with_the_pages(db, client):
    create_account(username="bistep3", password=STRONG, role="secretariat", region_code="26")
    response = client.post("/login/", {"username": "bistep3", "password": STRONG})
    assert response.status_code == 302 and response.url == "/"
    assert "bistep3" in client.get("/").content.decode()
    response = client.post("/logout/")
    assert response.status_code == 302
    assert "bistep3" not in client.get("/").content.decode()


def test_a_wrong_password_gets_a_clear_message_in_korean(db, client):
    create_account(username="bistep3", password=STRONG, role="secretariat", region_code="26")
    response = client.post("/login/", {"username": "bistep3", "password": "wrong"})
    assert response.status_code == 200
    assert "올바른" in response.content.decode()
