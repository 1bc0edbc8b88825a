"""API keys: made by the region admin, shown once, stored hashed, scoped, revocable.

Design:
- Text ``ikd_<prefix>_<secret>``. The prefix (10 lowercase base32 characters) is the row's unique
  lookup key and the part shown in lists; the secret is 32 bytes from ``secrets`` (base32, 52 characters).
- Stored: the SHA-256 of the secret, compared with ``hmac.compare_digest`` (constant time). A random
  256-bit secret cannot be brute-forced, so a slow KDF would only add latency to every request.
- ``authenticate`` answers None for anything unknown, malformed or revoked, without saying which, so
  an outsider learns nothing from the answer. The lookup runs in the connection's schema: a key of
  another region is simply not found.
- ``last_used_at`` is written at most once per ``LAST_USED_RESOLUTION`` per key, with a conditional
  UPDATE (no write per request, and two processes racing write once). It is a ``writes_allowed``
  write, like sessions: a suspended region's keys still read, and its admin sees their use.
- Creating and revoking are audited (``api.key_created`` / ``api.key_revoked``); the audit keeps the
  prefix and scopes, never the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from api.keys.scopes import Scope
from api.models import ApiKey
from audit.services import record
from tenants import readonly

KEY_PREFIX = "ikd"
PREFIX_LENGTH = 10
SECRET_BYTES = 32
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedKey:
    """A key just made: ``text`` is the only time the full key exists outside the caller's hands."""

    key: ApiKey
    text: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_prefix() -> str:
    # base32 lowercase: no characters that look alike in a list, no underscore (the separator)
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower().rstrip("=")
    return raw[:PREFIX_LENGTH]


def _new_secret() -> str:
    # base32 lowercase (52 characters): no "_" or "-", so a double-click selects the whole key
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode().lower().rstrip("=")


def split(text: str) -> tuple[str, str] | None:
    """(prefix, secret) of a key's text, or None when it does not have the key's shape."""
    parts = text.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != PREFIX_LENGTH or not parts[2]:
        return None
    return parts[1], parts[2]


def create(name: str, scopes: Iterable[Scope], *, created_by: Any = None) -> IssuedKey:
    """A new key with ``scopes`` in the current region; the plaintext is returned here and never again."""
    chosen = sorted({Scope(s).value for s in scopes})
    secret = _new_secret()
    with transaction.atomic():
        for _attempt in range(5):  # a prefix clash among 32**10 is near impossible; retry anyway
            prefix = _new_prefix()
            if not ApiKey.objects.filter(prefix=prefix).exists():
                break
        key = ApiKey.objects.create(
            name=name.strip()[:100] or "API",
            prefix=prefix,
            secret_hash=_hash(secret),
            scopes=chosen,
            created_by=created_by if getattr(created_by, "pk", None) else None,
        )
        record(
            "api.key_created",
            actor=created_by if created_by is not None else None,
            subject=("api_key", str(key.pk), f"{key.name} ({key.prefix})"),
            prefix=key.prefix,
            scopes=chosen,
        )
    return IssuedKey(key=key, text=f"{KEY_PREFIX}_{prefix}_{secret}")


def revoke(key: ApiKey, *, revoked_by: Any = None) -> bool:
    """Revoke ``key`` (from now on it authenticates nothing); False when it was already revoked."""
    with transaction.atomic():
        updated = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=revoked_by if getattr(revoked_by, "pk", None) else None
        )
        if updated:
            record(
                "api.key_revoked",
                actor=revoked_by if revoked_by is not None else None,
                subject=("api_key", str(key.pk), f"{key.name} ({key.prefix})"),
                prefix=key.prefix,
            )
    key.refresh_from_db()
    return bool(updated)


def authenticate(text: str) -> ApiKey | None:
    """The active key whose text this is, in the current schema; None otherwise (no reason given)."""
    parts = split(text)
    if parts is None:
        return None
    prefix, secret = parts
    key = ApiKey.objects.filter(prefix=prefix).first()
    if key is None:
        _hash(secret)  # same work as a found key, so timing does not tell a known prefix apart
        return None
    if not hmac.compare_digest(key.secret_hash, _hash(secret)) or key.revoked_at is not None:
        return None
    touch(key)
    return key


def touch(key: ApiKey) -> None:
    """Note the key's use, at most once per ``LAST_USED_RESOLUTION``."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    stale = now - LAST_USED_RESOLUTION
    with readonly.writes_allowed():
        ApiKey.objects.filter(Q(last_used_at__isnull=True) | Q(last_used_at__lt=stale), pk=key.pk).update(
            last_used_at=now
        )
    key.last_used_at = now


def holds(key: ApiKey, scopes: Iterable[Scope]) -> list[Scope]:
    """The scopes of ``scopes`` that ``key`` lacks (empty: it holds them all)."""
    have = set(key.scopes)
    return [scope for scope in scopes if scope.value not in have]
