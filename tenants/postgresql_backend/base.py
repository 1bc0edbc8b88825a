"""django-tenants' database backend, made read-only while a read-only region is the tenant.

The design and its reasons are in ``tenants.readonly``; this module is the mechanism. The connection
remembers whether its tenant is read-only (``set_tenant``: a Region whose ``is_read_only`` is true; a
bare schema from ``schema_context``, migrations and the public schema are writable) and brings the
server session in line before the next transaction begins:

- ``SET default_transaction_read_only`` is a session setting, so it survives the request on a
  persistent connection (``CONN_MAX_AGE``, PgBouncer in session mode). It is therefore set again
  whenever the wanted state differs from what this session last got, never assumed: an active
  region served next on the same connection gets ``off`` before its first statement.
- It is only changed at a transaction's start (no transaction open): PostgreSQL fixes a transaction's
  mode when it begins. In autocommit mode the SET commits at once and rules the next statement; in
  a transaction that is just beginning (an ``atomic`` block's first statement) the SET opens the
  transaction, so ``SET TRANSACTION`` gives this one its mode too, and a rollback undoes the SET.
- A new connection starts from the server's default (off); a rolled-back transaction forgets a SET
  made inside it. Both are tracked, like django-tenants tracks ``search_path``.

The statements go through the raw driver cursor, so they do not show in Django's query log or in
query-count assertions (the search_path SET of django-tenants does).

The search_path is kept the same way. django-tenants (``TENANT_LIMIT_SET_CALLS``) sends ``SET
search_path`` once per region selection, and every request selects its region again, so a worker on a
persistent connection sent the same SET at the start of every request: a start storm's arrival paid
three of them. This wrapper remembers the path the server session last got (``_search_path_applied``)
and lets a selection of the same path reuse it. The memory is dropped whenever PostgreSQL may have
undone or replaced it: a new or closed connection, a rollback, a rollback to a savepoint (each undoes a
SET made inside), a failed SET, and code that sets the path itself (``forget_search_path``: the
clone function of provisioning). PgBouncer in session mode, the only mode the deployment allows, keeps
one server session per client connection, so what the session got is what it has.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django_tenants.postgresql_backend import base as tenants_base
from psycopg.pq import TransactionStatus

_NOTHING_PENDING = object()


class DatabaseWrapper(tenants_base.DatabaseWrapper):
    search_path_set_schemas: list[str] | None  # django-tenants': what it last set (None: set again)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Set before super().__init__, which already selects the public schema through set_tenant.
        self.tenant_read_only = False
        self.read_only_exemptions = 0
        # What this server session's default_transaction_read_only is, as far as we know.
        self._read_only_applied: bool = False
        # The value before a SET made inside the open transaction (restored if it rolls back).
        self._read_only_before_transaction: object = _NOTHING_PENDING
        # The search_path this server session last got from us (None: not known).
        self._search_path_applied: list[str] | None = None
        super().__init__(*args, **kwargs)

    # --- which state is wanted ---

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        super().set_tenant(tenant, include_public)
        # Duck-typed: the backend loads before the models, and FakeTenant (a bare schema) has no status.
        self.tenant_read_only = bool(getattr(tenant, "is_read_only", False))

    @property
    def read_only_wanted(self) -> bool:
        return self.tenant_read_only and self.read_only_exemptions == 0

    @contextmanager
    def writes_allowed(self) -> Iterator[None]:
        """Let the transactions that begin inside the block write, even for a read-only tenant."""
        self.read_only_exemptions += 1
        try:
            yield
        finally:
            self.read_only_exemptions -= 1

    # --- the search_path: one SET while the path stays the same ---

    def _handle_search_path(self, cursor: Any = None) -> None:
        applied = self._search_path_applied
        if (
            applied is not None
            and not self._setting_search_path
            and self.search_path_set_schemas is None
            and self._get_cursor_search_paths() == applied
        ):
            self.search_path_set_schemas = applied  # the session has it already: no SET
            return
        super()._handle_search_path(cursor)
        if not self._setting_search_path:
            # What the SET left: the path on success, None when it failed.
            self._search_path_applied = self.search_path_set_schemas

    def forget_search_path(self) -> None:
        """Something set the search_path behind this wrapper's back: send ours before the next statement."""
        self._search_path_applied = None
        self.search_path_set_schemas = None

    # --- bringing the session in line ---

    def _cursor(self, name: str | None = None) -> Any:
        # The health check may replace the connection: do it (and connect) before syncing, so the
        # SET lands on the connection the statement will run on. super()._cursor repeats both as no-ops.
        self.close_if_health_check_failed()
        self.ensure_connection()
        self._sync_read_only()
        return super()._cursor(name)

    def _sync_read_only(self) -> None:
        wanted = self.read_only_wanted
        if wanted == self._read_only_applied:
            return
        if self.connection.info.transaction_status != TransactionStatus.IDLE:
            return  # a transaction is open: its mode is fixed; the next one gets the wanted mode
        previous = self._read_only_applied
        in_transaction = not self.connection.autocommit
        with self.wrap_database_errors, self.connection.cursor() as cursor:
            cursor.execute(f"SET default_transaction_read_only = {'on' if wanted else 'off'}")
            if in_transaction and wanted:
                cursor.execute("SET TRANSACTION READ ONLY")
            elif in_transaction:
                # The transaction began with the old default: make it writable too (allowed, since
                # only SET statements ran in it so far). Not sent otherwise: a standby refuses it.
                cursor.execute("SET TRANSACTION READ WRITE")
        if in_transaction and self._read_only_before_transaction is _NOTHING_PENDING:
            self._read_only_before_transaction = previous
        self._read_only_applied = wanted

    # --- what the server does to the setting behind our back ---

    def connect(self) -> None:
        super().connect()
        self._search_path_applied = None
        self._read_only_applied = False
        self._read_only_before_transaction = _NOTHING_PENDING

    def _commit(self) -> Any:
        result = super()._commit()
        self._read_only_before_transaction = _NOTHING_PENDING
        return result

    def close(self) -> None:
        self._search_path_applied = None
        super().close()

    def savepoint_rollback(self, sid: str) -> None:
        try:
            super().savepoint_rollback(sid)
        finally:
            self._search_path_applied = None  # as a rollback, for a SET after the savepoint

    def _rollback(self) -> Any:
        self._search_path_applied = None  # a SET inside the transaction is undone with it
        try:
            return super()._rollback()
        finally:
            # A SET issued in the rolled-back transaction is undone with it.
            if self._read_only_before_transaction is not _NOTHING_PENDING:
                self._read_only_applied = bool(self._read_only_before_transaction)
                self._read_only_before_transaction = _NOTHING_PENDING
