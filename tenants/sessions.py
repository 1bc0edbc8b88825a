"""The session engine: Django's ``cached_db`` (read from Redis, written through to the region's schema),
whose writes are allowed in a read-only region.

A suspended region's users still sign in, sign out and read; each of those saves or deletes the
session row, after the view, in a connection that is read-only for the region. Why sessions are exempt
rather than kept in the cache only for such regions is explained in ``tenants.readonly``.
"""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db

from tenants.readonly import writes_allowed


class SessionStore(cached_db.SessionStore):
    def save(self, must_create: bool = False) -> None:
        with writes_allowed():
            super().save(must_create)

    def delete(self, session_key: str | None = None) -> None:
        # Signing out must remove the row too: a row left behind would come back once the cache forgets.
        with writes_allowed():
            super().delete(session_key)

    @classmethod
    def clear_expired(cls) -> None:
        with writes_allowed():
            super().clear_expired()
