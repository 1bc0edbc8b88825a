"""Per-key rate limit of the region API, counted in Redis by config.ratelimit (one limiter for the
project; atomic INCR, so every web process shares the count).

Rate: ``settings.API_KEY_RATE`` = (count, seconds), default (1200, 60): 20 requests a second on average,
ample for a nightly SIMPEG sync in pages of 500 or batches of 1,000, small enough that one runaway
script cannot starve the region's users. Past it the answer is 429 with ``Retry-After`` (DRF's
Throttled). The counter is named by the key's prefix; the cache key carries the region's schema.
Requests without a key are not counted here (they get 401 before any work).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from api.models import ApiKey
from config import ratelimit


def rate() -> ratelimit.Rate:
    count, seconds = getattr(settings, "API_KEY_RATE", (1200, 60))
    return ratelimit.Rate(int(count), int(seconds))


def counter_name(key: ApiKey) -> str:
    return f"api:key:{key.prefix}"


class ApiKeyThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return True
        self._wait = ratelimit.hit(counter_name(key), rate())
        return self._wait is None

    def wait(self) -> float | None:
        return float(self._wait) if self._wait is not None else None
