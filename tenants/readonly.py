"""Read-only regions: a suspended or closed region may be read, never changed, whatever path the change takes.

Why below the views: ``RegionStatusMiddleware`` refused the POSTs of a suspended region, but GET pages
still wrote (the result page scores an attempt on its first view, the training catalogue copies the
default courses on its first visit) and a staff import queued before the suspension wrote thousands of
employees after it. Each such path could be patched, and the next one would be missed; so the database
itself refuses, once, for every path: this module is the one place that explains and exposes it.

How it is enforced:

- The database session. ``tenants.postgresql_backend`` (our subclass of django-tenants' backend) turns
  ``default_transaction_read_only`` on whenever a Region with ``is_read_only`` becomes the connection's
  tenant (``connection.set_tenant``: the tenant middleware, ``tenant_context``, the Celery task base,
  per-tenant management commands) and off when another region, a bare schema (``schema_context``,
  migrations) or the public schema is selected. PostgreSQL then refuses every INSERT, UPDATE, DELETE
  and DDL of the region's requests with SQLSTATE 25006 (psycopg's ``ReadOnlySqlTransaction``).
- Persistent connections (``CONN_MAX_AGE``, PgBouncer in session mode) keep session settings between
  requests, so the state is tracked per connection and re-set before the first statement that needs
  another state: a request for an active region that follows a suspended one on the same connection
  gets ``off`` before it writes. A new connection or a rolled-back SET is noticed, like django-tenants
  notices them for ``search_path``.
- It takes effect from the next transaction: PostgreSQL fixes a transaction's mode when it begins.
  Requests and tasks select their region outside any transaction (``ATOMIC_REQUESTS`` is off), so
  everything they do is covered; code that switches region inside an ``atomic`` block keeps the mode
  the block began with until it ends. (Tests in a rolled-back test transaction therefore never see the
  guard; the ones that prove it commit.)

What a read-only region may still write, explicitly (``writes_allowed``):

- Sessions. Decision: keep ``cached_db`` sessions (in Redis, written through to the region's schema) and
  let session saves write (``tenants.sessions``), rather than move a suspended region's sessions into
  the cache only: a session that lived in PostgreSQL before the suspension would come back from it after
  a logout that only cleared the cache, and a Redis restart would sign everyone out. Session rows hold
  no region data, only who is signed in.
- Signing in and out (the views ``RegionStatusMiddleware`` lets through, by URL name): the last-login
  time, the use of an MFA code (a spent recovery code must stay spent), the one-time sign-in link.
- Paying an invoice by card (the view named ``billing_invoice_pay``, let through like signing in): a
  region suspended for non-payment must be able to pay; it writes only the invoice's checkout session
  (a public-schema row), never the region's data.
- The audit trail (``audit.services.record``): what is read or tried in a suspended region must still
  be seen. Like every exemption, it only helps outside an already open read-only transaction.
  Nothing else is exempt; a new exemption belongs in this list.

What users see: a write refused by the database reaches ``RegionStatusMiddleware.process_exception``,
which answers with the same read-only page as a refused form (403), not a 500.

Background tasks: ``tenants.task_base.RegionTask``, the base of every task, reads the region's status
afresh when a task starts (not tenant-schemas-celery's cached tenant) and does not run the task of a
read-only region: it logs why and ends as ``IGNORED``. A task that only reads may opt in with
``runs_when_read_only = True``; its connection is read-only all the same.

Limits, on purpose: a task or request already running when the operator suspends the region finishes
as it began (the status is read when it starts); and this guards the application's own code, not SQL
written to undo it (any session may ``SET`` the setting back; no code here does, except through
``writes_allowed``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from psycopg import errors as pg_errors

# SQLSTATE of "cannot execute ... in a read-only transaction".
READ_ONLY_SQL_TRANSACTION = "25006"


def _connection() -> Any:
    # Typed as Any: the stubs know only Django's base wrapper, not the backend's additions.
    return connection


@contextmanager
def writes_allowed() -> Iterator[None]:
    """Let what begins inside the block write, even for a read-only region (sessions, signing in).

    Effective for transactions that begin inside the block, which is how sessions and the sign-in
    views run; it cannot make an already open read-only transaction writable.
    """
    with _connection().writes_allowed():
        yield


def connection_is_read_only() -> bool:
    """Whether the connection's current tenant makes its new transactions read-only."""
    return bool(_connection().read_only_wanted)


def is_read_only_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps: Django re-raises psycopg's errors) is PostgreSQL's refusal to
    write in a read-only transaction."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, pg_errors.ReadOnlySqlTransaction):
            return True
        if getattr(current, "sqlstate", None) == READ_ONLY_SQL_TRANSACTION:
            return True
        current = current.__cause__ or current.__context__
    return False
