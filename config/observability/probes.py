"""``/readyz`` (can this process serve: PostgreSQL and Redis answer) and ``/metrics`` (with its gate).

Readiness, not liveness: when it fails the load balancer stops sending this pod traffic, and nothing
restarts it (``/healthz``, the liveness probe, calls no dependency). Each check has a short timeout
(``READYZ_TIMEOUT`` seconds), and the answer names the checks that failed, never the error's text
(which may quote a host name or a password-bearing URL): that goes to the log.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse

METRICS_PATH = "/metrics"
READY_PATH = "/readyz"

logger = logging.getLogger(__name__)


def _timeout() -> float:
    return float(getattr(settings, "READYZ_TIMEOUT", 2.0))


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis_url_for_py(url: str) -> str:
    """A kombu Unix-socket URL (``redis+socket://path?virtual_host=n``) in redis-py's spelling."""
    if url.startswith("redis+socket://"):
        path, _, query = url.removeprefix("redis+socket://").partition("?")
        db = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("virtual_host", "0")
        return f"unix://{path}?db={db}"
    return url


def check_cache() -> None:
    """The cache's Redis (sessions are read from it on every request) answers PING.

    A plain Redis URL is dialled with the readiness timeout; another Redis backend (the Sentinel one,
    config.sentinel_cache) is asked through its own client, which knows where the primary is.
    """
    import redis
    from django.core.cache import caches

    cache_settings = settings.CACHES["default"]
    backend = cache_settings["BACKEND"]
    if backend == "django.core.cache.backends.redis.RedisCache":
        location = cache_settings["LOCATION"]
        url = location[0] if isinstance(location, list | tuple) else str(location).split(",")[0]
        t = _timeout()
        client = redis.Redis.from_url(_redis_url_for_py(url), socket_timeout=t, socket_connect_timeout=t)
        try:
            client.ping()
        finally:
            client.close()
    elif "redis" in backend.lower():
        caches["default"]._cache.get_client(write=True).ping()  # type: ignore[attr-defined]


def check_broker() -> None:
    """The Celery broker answers (through kombu, so Sentinel and socket URLs work as Celery's do)."""
    from config.observability.metrics import queue_depths

    queue_depths([settings.CELERY_TASK_DEFAULT_QUEUE], timeout=_timeout())


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def readyz(request: HttpRequest) -> HttpResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception:
            logger.warning("readiness check %s failed", name, exc_info=True)
            results[name] = "failed"
        else:
            results[name] = "ok"
    failed = [name for name, result in results.items() if result != "ok"]
    body = {"status": "unavailable" if failed else "ok", "checks": results, "failed": failed}
    return JsonResponse(body, status=503 if failed else 200, headers={"Cache-Control": "no-store"})


# --- /metrics: a bearer token from the environment, or a direct request from an allowed network ---


@cache
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def metrics_allowed(request: HttpRequest) -> bool | None:
    """True: serve; False: refuse; None: the endpoint is not configured (no token, no network)."""
    token: str = getattr(settings, "METRICS_TOKEN", "")
    networks: tuple[str, ...] = tuple(getattr(settings, "METRICS_ALLOWED_NETWORKS", ()))
    if not token and not networks:
        return None
    if token:
        offered = request.headers.get("Authorization", "")
        if hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
            return True
    # A network is trusted only for a direct request: one forwarded by the public proxy carries
    # X-Forwarded-For, and its REMOTE_ADDR is the proxy's, which may well be in an allowed network.
    if networks and "HTTP_X_FORWARDED_FOR" not in request.META:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in network for network in _networks(networks))
    return False


def metrics_endpoint(request: HttpRequest) -> HttpResponse:
    from prometheus_client import CONTENT_TYPE_LATEST

    from config.observability.metrics import render

    allowed = metrics_allowed(request)
    if allowed is None:
        return HttpResponse("Not found\n", status=404, content_type="text/plain")
    if not allowed:
        response = HttpResponse(
            "Forbidden: a bearer token is required\n", status=401, content_type="text/plain"
        )
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
