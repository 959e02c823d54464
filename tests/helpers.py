from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.cache import local_copies


def count_queries(client, path: str) -> int:
    """How many SQL queries one GET of `path` runs when nothing is cached (and that it
    answered 200)."""
    cache.clear()
    local_copies.clear()
    with CaptureQueriesContext(connection) as context:
        assert client.get(path).status_code == 200
    return len(context.captured_queries)
