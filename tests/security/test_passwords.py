"""Every way to set a password applies Django's validators (settings.AUTH_PASSWORD_VALIDATORS)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from regions.models import Membership
from regions.services import create_account
from tests.conftest import PASSWORD

STRONG = "a-long-and-unusual-passphrase"
# One per validator: too short, too common, all digits, too like the username.
WEAK = ["short1", "password1234", "8264019375", "bistep-new-2024"]


@pytest.mark.parametrize("password", WEAK)
def test_create_account_refuses_each_kind_of_weak_password(db, password):
    with pytest.raises(ValidationError):
        create_account(username="bistep-new", password=password, role="ministry")
    assert not get_user_model().objects.filter(username="bistep-new").exists()
    assert not Membership.objects.filter(user__username="bistep-new").exists()


def test_create_account_accepts_a_strong_password(db):
    user = create_account(username="bistep-new", password=STRONG, role="ministry")
    assert user.check_password(STRONG)


@pytest.mark.parametrize("password", WEAK)
def test_the_create_account_command_refuses_weak_passwords(db, monkeypatch, password):
    monkeypatch.setenv("NEW_PASSWORD", password)
    with pytest.raises(CommandError):
        call_command(
            "create_account", "bistep-new", "--role", "ministry", "--password-env", "NEW_PASSWORD"
        )
    assert not get_user_model().objects.filter(username="bistep-new").exists()


def test_changing_ones_own_password_in_the_admin_applies_the_validators(ministry):
    user = ministry.user
    ministry.force_login(user)
    response = ministry.post(
        "/admin/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "password1234",
            "new_password2": "password1234",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = ministry.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG)


def test_an_administrator_setting_a_password_must_follow_the_validators(admin_client_user, busan):
    user = busan.user
    url = f"/admin/auth/user/{user.pk}/password/"
    response = admin_client_user.post(
        url, {"password1": "8264019375", "password2": "8264019375", "usable_password": "true"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    response = admin_client_user.post(
        url, {"password1": STRONG, "password2": STRONG, "usable_password": "true"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG)


def test_an_administrator_adding_a_user_must_follow_the_validators(admin_client_user):
    response = admin_client_user.post(
        "/admin/auth/user/add/",
        {
            "username": "newcomer",
            "password1": "password1234",
            "password2": "password1234",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not get_user_model().objects.filter(username="newcomer").exists()
