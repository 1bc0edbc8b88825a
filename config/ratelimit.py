"""The project's one rate limiter: counters in the shared cache (Redis), per client and for everybody.

Why here: allauth limits its own actions (sign-in, password reset) through ``ACCOUNT_RATE_LIMITS``; the
project's own actions (a region's signup) need the same kind of limit, and one helper keeps one notion of
"client" and one key scheme. Why the cache: every web process and machine shares Redis, so a limit holds
across them; Redis INCR is atomic, so two processes never both take the last slot.

A window starts at its first hit and lasts ``seconds`` (INCR keeps the key's expiry), so a burst cannot
straddle two clock-aligned windows to get twice the limit. The keys carry the current schema (the cache's
key function), so call a limiter from the site whose limit it is; the signup's is the public site.

``client_ip`` is the one place that says who the client is. Today that is ``REMOTE_ADDR``; behind a
reverse proxy it is the proxy, which would make every client one. The fix (trusting X-Forwarded-For from
known proxies only) belongs in that function, once.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

PREFIX = "ratelimit"


@dataclass(frozen=True)
class Rate:
    """At most ``count`` events per ``seconds``."""

    count: int
    seconds: int


@dataclass(frozen=True)
class Refusal:
    scope: str  # "client" or "overall": which limit refused
    retry_after: int  # seconds until that limit's window ends


def client_ip(request: HttpRequest) -> str:
    """The client's address, as far as this process can tell (see the module's note on proxies)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def client_name(action: str, ip: str) -> str:
    return f"{action}:client:{ip}"


def overall_name(action: str) -> str:
    return f"{action}:all"


def hit(name: str, rate: Rate) -> int | None:
    """Count one event under ``name``: None while within ``rate``, else the seconds until its window ends."""
    count_key, until_key = f"{PREFIX}:{name}", f"{PREFIX}:{name}:until"
    now = time.time()
    if cache.add(count_key, 1, timeout=rate.seconds):
        cache.set(until_key, now + rate.seconds, timeout=rate.seconds)
        count = 1
    else:
        try:
            count = int(cache.incr(count_key))
        except ValueError:  # the window ended between add and incr: this hit opens the next one
            cache.set(count_key, 1, timeout=rate.seconds)
            cache.set(until_key, now + rate.seconds, timeout=rate.seconds)
            count = 1
    if count <= rate.count:
        return None
    until = cache.get(until_key)
    return max(1, math.ceil((until if isinstance(until, float) else now + rate.seconds) - now))


def check(request: HttpRequest, action: str, per_client: Rate, overall: Rate) -> Refusal | None:
    """Count one ``action`` for the request's client and for everybody; None when both allow it.

    The client's limit is counted first and a client it refuses does not count against everybody's, so
    one client hammering cannot use up the others' share.
    """
    if (wait := hit(client_name(action, client_ip(request)), per_client)) is not None:
        return Refusal("client", wait)
    if (wait := hit(overall_name(action), overall)) is not None:
        return Refusal("overall", wait)
    return None


def reset(name: str) -> None:
    """Forget a counter (tests, or an operator lifting a limit by hand)."""
    cache.delete_many([f"{PREFIX}:{name}", f"{PREFIX}:{name}:until"])
