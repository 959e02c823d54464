"""Shared fixtures: the seed loaded once per test run, and the personas of docs/style.md."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.test import Client

from core.cache import local_copies
from indicators import entry
from regions.models import Role
from regions.services import create_account

PASSWORD = "correct-horse-battery-staple"
# Creating a test database renames it; one left as configured was not created for this run.
CONFIGURED_DEFAULT = settings.DATABASES["default"]["NAME"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # The seed is the world every test starts from; each test's changes roll back. A run of
    # only tests that use another database (tests/test_migrations.py) has none.
    if connections["default"].settings_dict["NAME"] == CONFIGURED_DEFAULT:
        return
    with django_db_blocker.unblock():
        call_command("load_seed", verbosity=0)


# The suite's present year: values are entered up to it (indicators/entry.py), so tests do
# not change their meaning when the calendar turns.
THIS_YEAR = 2026


@pytest.fixture(autouse=True)
def this_year(monkeypatch):
    monkeypatch.setattr(entry, "this_year", lambda: THIS_YEAR)
    return THIS_YEAR


@pytest.fixture(autouse=True)
def fresh_cache():
    # Each test's database changes roll back; its cached dashboards must go with them.
    cache.clear()
    local_copies.clear()
    yield
    cache.clear()
    local_copies.clear()


def _login(username, role, region=None):
    user = create_account(username=username, password=PASSWORD, role=role, region_code=region)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def ministry(db):
    return _login("officer", Role.MINISTRY)


@pytest.fixture
def busan(db):
    return _login("bistep", Role.SECRETARIAT, "26")


@pytest.fixture
def daejeon(db):
    return _login("distep", Role.SECRETARIAT, "30")


@pytest.fixture
def admin_client_user(db, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    client = Client()
    client.force_login(user)
    return client
