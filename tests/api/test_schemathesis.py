"""Property-based tests of the whole API against its own OpenAPI schema, in-process.

Every generated request must get a response that is not a server error and that conforms to
the schema (status code, content type, body), for an anonymous caller and for a regional
secretariat with a token.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    ignored_auth,
    negative_data_rejection,
    positive_data_acceptance,
)

from config.wsgi import application
from regions.services import create_account

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

# An empty filter (`?level=`) means "no filter", as in django-filter everywhere; the schema's
# enum does not list "", so negative_data_rejection would call that acceptance a fault.
# Reads are public: a request with an unknown auth scheme is served as anonymous, which
# ignored_auth (meant for endpoints that require auth) would flag.
# And a schema cannot express every business rule (a KPI id that exists, a year inside the
# plan, a page that exists), so positive_data_acceptance would flag those refusals.
LENIENT = [negative_data_rejection, ignored_auth, positive_data_acceptance]

SETTINGS = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    # Requests made straight through the WSGI app would close the database connection at
    # their end (as in production); the test's transaction lives on that connection, so keep
    # it open, as Django's own test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def busan_token(db):
    user = create_account(
        username="fuzz-busan", password="fuzz-password-123", role="secretariat", region_code="26"
    )
    return Token.objects.create(user=user).key


@schema.parametrize()
@SETTINGS
@pytest.mark.django_db
def test_anonymous_calls_conform_to_the_schema(case):
    case.call_and_validate(excluded_checks=LENIENT)


@schema.parametrize()
@SETTINGS
@pytest.mark.django_db
def test_a_secretariats_calls_conform_to_the_schema(case, busan_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {busan_token}"}, excluded_checks=LENIENT
    )
