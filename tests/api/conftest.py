import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    client.user = user
    return client


@pytest.fixture
def api(db):
    return APIClient()


@pytest.fixture
def busan_api(busan):
    return token_client(busan.user)


@pytest.fixture
def daejeon_api(daejeon):
    return token_client(daejeon.user)


@pytest.fixture
def ministry_api(ministry):
    return token_client(ministry.user)
