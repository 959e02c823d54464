import os
import socket

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.cache import local_copies


def count_queries(client, path: str) -> int:
    """How many SQL queries one GET of `path` runs when nothing is cached (and that it
    answered 200)."""
    cache.clear()
    local_copies.clear()
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context.captured_queries)


def require_redis(host: str = "127.0.0.1", port: int = 6379) -> None:
    """Skip the calling test when no Redis answers on a developer's machine; fail it in CI
    (`CI` set, as .ci/run does), which must prove the paths that need a real Redis."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return
    except OSError:
        message = f"Redis is not running on {host}:{port}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
