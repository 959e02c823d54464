from core.redis_cache import ResilientRedisCache
from tests.helpers import require_redis

URL = "redis://127.0.0.1:6379/14"


def test_the_redis_cache_reuses_one_client_and_round_trips():
    require_redis()
    cache = ResilientRedisCache(URL, {})
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client  # one server: one pool
    cache.set("reuse-test", {"a": [1, 2]}, 30)
    assert cache.get("reuse-test") == {"a": [1, 2]}
    cache.delete("reuse-test")
    assert cache.get("reuse-test") is None
