"""The session engine: Django's ``cached_db`` (read from Redis, written through to the region's schema),
whose writes are allowed in a read-only region.

A suspended region's users still sign in, sign out and read; each of those saves or deletes the
session row, after the view, in a connection that is read-only for the region. Why sessions are exempt
rather than kept in the cache only for such regions is explained in ``tenants.readonly``.

Signing in cycles the session key (against session fixation). Django's ``cycle_key`` writes a session
that has no key yet (a row and a Redis key) and the response then writes it again with what the view put
in it; a session with nothing stored has nothing to carry over and no key an attacker could have planted,
and its first save makes a fresh key anyway, so here it is written once. In a start storm that is a
third of a sign-in's database work.
"""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.utils.crypto import get_random_string

from tenants.readonly import writes_allowed


class SessionStore(cached_db.SessionStore):
    def cycle_key(self) -> None:
        self.keys()  # loads it: a key from the cookie that the store does not hold is dropped
        if self.session_key is None:
            return  # nothing stored yet: the save after the view makes a new key
        super().cycle_key()

    def _get_new_session_key(self) -> str:
        # Without Django's look-up of the new key in Redis and PostgreSQL first: 32 random characters
        # (165 bits) do not collide, and if they did, create()'s INSERT would refuse the key
        # (must_create) and create() would draw another.
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            # create() saves it under a new key; through cached_db's save it would be cached twice.
            self.create()
            return
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
