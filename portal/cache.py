"""The Redis cache backend, keeping one Redis client per connection pool.

Django's client makes a new `redis.Redis` for every operation, and each copies the library's
table of response callbacks: a fraction of a millisecond on every cache read and on every
session read and write.
"""

from django.core.cache.backends import redis as django_redis


class _ReusedClients(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """`django.core.cache.backends.redis.RedisCache` with its clients reused."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients
