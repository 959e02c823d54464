"""A Redis cache that degrades to "no cache" when Redis is down, instead of failing pages.

The cache only ever holds what can be rebuilt (dashboards, throttle counters), so while Redis
is away every read is a miss and every write is dropped; the site keeps serving.
"""

import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def _quiet(method, fallback):
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except RedisError as error:
            log.warning("Cache unavailable (%s): %s", method.__name__, error)
            return fallback(*args, **kwargs)

    wrapper.__name__ = method.__name__
    return wrapper


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client builds a new redis.Redis (with its table of ~170 response callbacks)
    for every cache call: a third of the time of serving a cached page. A redis.Redis is
    thread-safe, so one per connection pool is kept and reused."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    get = _quiet(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _quiet(RedisCache.get_many, lambda keys, version=None: {})
    set = _quiet(RedisCache.set, lambda *args, **kwargs: None)
    set_many = _quiet(RedisCache.set_many, lambda data, *args, **kwargs: list(data))
    add = _quiet(RedisCache.add, lambda *args, **kwargs: False)
    delete = _quiet(RedisCache.delete, lambda *args, **kwargs: False)
    touch = _quiet(RedisCache.touch, lambda *args, **kwargs: False)
    has_key = _quiet(RedisCache.has_key, lambda *args, **kwargs: False)
    clear = _quiet(RedisCache.clear, lambda *args, **kwargs: False)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            log.warning("Cache unavailable (incr): %s", error)
            return 0
