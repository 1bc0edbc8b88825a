"""Django's Redis cache through Redis Sentinel: the cache follows the primary when Sentinel fails over.

Django's own ``RedisCache`` takes fixed server URLs. This backend keeps everything of it (serializer,
key handling, ``django_tenants.cache.make_key``) and only changes where connections go: a redis-py
``SentinelConnectionPool`` asks the Sentinels for the current primary of ``master_name`` and, after a
failover, drops connections to the old one (a write refused as READONLY or a refused connection makes
it ask again). Reads and writes both go to the primary: a replica may lag, and a session or a
rate-limit counter read from it could be stale. Used when ``REDIS_SENTINELS`` is set (config/settings.py).
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SentinelCacheClient(RedisCacheClient):
    def __init__(
        self,
        servers: list[str],
        *,
        sentinels: list[tuple[str, int]],
        master_name: str,
        db: int = 0,
        socket_timeout: float = 2.0,
        **options: Any,
    ) -> None:
        from redis.sentinel import Sentinel

        super().__init__(servers, socket_timeout=socket_timeout, **options)
        self._sentinel = Sentinel(sentinels, socket_timeout=socket_timeout)
        self._master_name = master_name
        self._db = db
        self._sentinel_options = {"socket_timeout": socket_timeout, **options}
        self._sentinel_pool: Any = None

    def _get_connection_pool(self, write: bool) -> Any:
        from redis.sentinel import SentinelConnectionPool

        if self._sentinel_pool is None:
            options = {
                k: v for k, v in self._sentinel_options.items() if k not in {"serializer", "pool_class"}
            }
            self._sentinel_pool = SentinelConnectionPool(
                self._master_name, self._sentinel, db=self._db, **options
            )
        return self._sentinel_pool


class SentinelRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SentinelCacheClient


def parse_sentinels(value: str) -> list[tuple[str, int]]:
    """``"host:port,host:port"`` -> [(host, port), ...]; a clear error names the bad entry."""
    sentinels = []
    for entry in (item.strip() for item in value.split(",")):
        if not entry:
            continue
        host, sep, port = entry.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"REDIS_SENTINELS: {entry!r} is not host:port")
        sentinels.append((host, int(port)))
    return sentinels
