import os

import pytest
import redis

from config.cache import ResilientRedisCache

URL = "redis://127.0.0.1:6379/14"


def redis_up() -> bool:
    try:
        return redis.Redis.from_url(URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.mark.skipif(not redis_up() and not os.environ.get("CI"), reason="needs Redis")
def test_the_redis_cache_reuses_one_client_and_round_trips():
    cache = ResilientRedisCache(URL, {})
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client  # one server: one pool
    cache.set("reuse-test", {"a": [1, 2]}, 30)
    assert cache.get("reuse-test") == {"a": [1, 2]}
    cache.delete("reuse-test")
    assert cache.get("reuse-test") is None
