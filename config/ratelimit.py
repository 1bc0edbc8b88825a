"""The project's one rate limiter: counters in the shared cache (Redis), per client and for everybody.

Why here: allauth limits its own actions (sign-in by code, password reset) through ``ACCOUNT_RATE_LIMITS``;
the project's own actions (a region's signup, an employee's sign-in with NIP and access code, and the
failed passwords of the account sign-in, through ``accounts.adapters``) need the same kind of limit, and
one helper keeps one notion of "client" and one key scheme. Why the cache: every web process and machine
shares Redis, so a limit holds across them; Redis INCR is atomic, so two processes never both take the
last slot.

A window starts at its first hit and lasts ``seconds`` (INCR keeps the key's expiry), so a burst cannot
straddle two clock-aligned windows to get twice the limit. The keys carry the current schema (the cache's
key function), so call a limiter from the site whose limit it is; the signup's is the public site.

Who the client is (``client_ip``): behind the documented nginx every request comes from 127.0.0.1, so
``REMOTE_ADDR`` would make all clients one, and one noisy client would lock out a whole region. With
``TRUSTED_PROXY_COUNT`` = N > 0 the client is the N-th address from the right of X-Forwarded-For: each
trusted proxy appends the address it received the request from, so the N-th from the right was written by
the outermost trusted proxy, and whatever a client forged sits further left and is never read. With N = 0
(no proxy) the header is ignored, since anyone can send it. An IPv6 client owns a whole /64, so its
counters are kept per /64 (as allauth does), or it could take a fresh address for every try.

Wrong secrets (``FailureLimits``): counting them per subject (a NIP, an account) alone lets an attacker
lock the subject's owner out: ten wrong codes for a known NIP used to block that employee's right code
for 15 minutes. So failures count per (subject, client), per client whatever the subject (one client
trying many NIPs), and per subject from everybody. The last is a generous ceiling that does not lock:
past it a client that already failed for this subject waits for its window, while a client with no
failure for it still gets its try. The employee typing the right code on their own phone gets in;
an attacker from one address is stopped after a few tries, and one with many addresses gets one try per
address per window (against 40-bit codes, nothing). Subjects are keyed by an HMAC, so no NIP or email
address is written into a cache key.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

PREFIX = "ratelimit"


@dataclass(frozen=True)
class Rate:
    """At most ``count`` events per ``seconds``."""

    count: int
    seconds: int


Scope = Literal["client", "overall", "client_subject", "subject"]


@dataclass(frozen=True)
class Refusal:
    scope: Scope  # which limit refused: client, everybody, client for the subject, the subject
    retry_after: int  # seconds until that limit's window ends


@dataclass(frozen=True)
class FailureLimits:
    """Wrong secrets tolerated for one kind of sign-in (see the module's note)."""

    per_client_subject: Rate  # from one client for one subject
    per_client: Rate  # from one client, whatever the subject
    per_subject: Rate  # for one subject from everybody: past it, one try per client and window


def _valid_ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` proxies the address the
    outermost of them saw (the N-th from the right of X-Forwarded-For). A header shorter than N, or an
    entry that is not an address, means the request did not come through every proxy: REMOTE_ADDR then."""
    remote = str(request.META.get("REMOTE_ADDR") or "unknown")
    trusted = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if trusted <= 0:
        return remote  # no proxy: the header is whatever the client chose to send
    header = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    forwarded = [part for part in header.split(",") if part.strip()]
    if len(forwarded) < trusted:
        return remote
    return _valid_ip(forwarded[-trusted]) or remote


def _bucket(ip: str) -> str:
    """The unit counters are kept per: the address, or for IPv6 its /64."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return f"{ipaddress.IPv6Network((address, 64), strict=False).network_address}/64"
    return str(address)


def client_name(action: str, ip: str) -> str:
    return f"{action}:client:{_bucket(ip)}"


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
    return _seconds_left(name, rate)


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


def peek(name: str, rate: Rate) -> int | None:
    """Like :func:`hit` without counting: None while ``name`` is below ``rate``, else the seconds left."""
    count = cache.get(f"{PREFIX}:{name}") or 0
    if int(count) < rate.count:
        return None
    return _seconds_left(name, rate)


def _seconds_left(name: str, rate: Rate) -> int:
    now = time.time()
    until = cache.get(f"{PREFIX}:{name}:until")
    return max(1, math.ceil((until if isinstance(until, float) else now + rate.seconds) - now))


def subject_key(subject: str) -> str:
    """A subject (NIP, email address) as it appears in cache keys: keyed-hashed, never in clear."""
    key = hashlib.sha256(b"ikd-ratelimit-subject|" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, subject.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def failure_names(action: str, subject: str, ip: str) -> tuple[str, str, str]:
    """Counter names of wrong secrets: (subject and client, client, subject)."""
    subject_part = f"{action}:failed:subject:{subject_key(subject)}"
    return f"{subject_part}:client:{_bucket(ip)}", f"{action}:failed:client:{_bucket(ip)}", subject_part


def failure_refusal(request: HttpRequest, action: str, subject: str, limits: FailureLimits) -> Refusal | None:
    """Whether this client may try a secret for ``subject`` now; counts nothing (see :func:`count_failure`).

    Asked before the secret is checked, so a refused client learns nothing about it.
    """
    pair, client, overall = failure_names(action, subject, client_ip(request))
    counts = _counts(pair, client, overall)  # one round trip: every sign-in of a start storm asks
    if counts[client] >= limits.per_client.count:
        return Refusal("client", _seconds_left(client, limits.per_client))
    if counts[pair] >= limits.per_client_subject.count:
        return Refusal("client_subject", _seconds_left(pair, limits.per_client_subject))
    # Past the subject's ceiling a client keeps one try per window: the owner's first right try passes.
    if counts[pair] >= 1 and counts[overall] >= limits.per_subject.count:
        return Refusal("subject", _seconds_left(pair, limits.per_client_subject))
    return None


def _counts(*names: str) -> dict[str, int]:
    found = cache.get_many([f"{PREFIX}:{name}" for name in names])
    return {name: int(found.get(f"{PREFIX}:{name}") or 0) for name in names}


def count_failure(request: HttpRequest, action: str, subject: str, limits: FailureLimits) -> None:
    """Count one wrong secret for ``subject`` from the request's client."""
    pair, client, overall = failure_names(action, subject, client_ip(request))
    hit(pair, limits.per_client_subject)
    hit(client, limits.per_client)
    hit(overall, limits.per_subject)


def forget_failures(request: HttpRequest, action: str, subject: str) -> None:
    """Forget this client's wrong secrets for ``subject`` (after the owner proved who they are, e.g. by
    resetting the password); the client's and the subject's own counters stay."""
    reset(failure_names(action, subject, client_ip(request))[0])


def reset(name: str) -> None:
    """Forget a counter (tests, or an operator lifting a limit by hand)."""
    cache.delete_many([f"{PREFIX}:{name}", f"{PREFIX}:{name}:until"])
