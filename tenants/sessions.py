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

A session is written in one statement: an INSERT that does nothing when the key is taken (create) or an
UPDATE of the row (an existing session). Django wraps each in a transaction of its own, three round trips
for one statement that is atomic by itself; ``ON CONFLICT DO NOTHING`` also leaves a surrounding
transaction usable when a key is taken, where a failed INSERT would have aborted it.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import connections, router
from django.utils.crypto import get_random_string

from tenants.readonly import writes_allowed

logger = logging.getLogger("django.contrib.sessions")
_INSERT = (
    "INSERT INTO {table} (session_key, session_data, expire_date) VALUES (%s, %s, %s) "
    "ON CONFLICT (session_key) DO NOTHING"
)
_UPDATE = "UPDATE {table} SET session_data = %s, expire_date = %s WHERE session_key = %s"


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
            self.create()  # draws a key and comes back here with must_create
            return
        data = self._get_session(no_load=must_create)  # type: ignore[attr-defined]  # SessionBase's
        row = self.create_model_instance(data)
        using = router.db_for_write(self.model, instance=row)
        table = connections[using].ops.quote_name(self.model._meta.db_table)
        # Only the model's quoted table name is formatted in.
        with writes_allowed(), connections[using].cursor() as cursor:
            if must_create:
                cursor.execute(
                    _INSERT.format(table=table), [row.session_key, row.session_data, row.expire_date]
                )
            else:
                cursor.execute(
                    _UPDATE.format(table=table), [row.session_data, row.expire_date, row.session_key]
                )
            written = cursor.rowcount == 1
        if not written:
            # Taken (create draws another key), or deleted meanwhile (the middleware reports it).
            raise CreateError if must_create else UpdateError
        cache = self._cache  # type: ignore[attr-defined]  # cached_db's, unknown to the stubs
        try:  # as cached_db does: the row is the truth, the cache only spares reads
            cache.set(self.cache_key, data, self.get_expiry_age())
        except Exception:
            logger.exception("Error saving to cache (%s)", cache)

    def delete(self, session_key: str | None = None) -> None:
        # Signing out must remove the row too: a row left behind would come back once the cache forgets.
        with writes_allowed():
            super().delete(session_key)

    @classmethod
    def clear_expired(cls) -> None:
        with writes_allowed():
            super().clear_expired()
