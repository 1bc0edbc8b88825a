"""The audit trail's one table, and the database triggers that guard it and feed it.

``Event`` lives in every schema: the platform's trail in ``public``, each region's in its own schema
(the app is in SHARED_APPS and TENANT_APPS). Its triggers are declared here with django-pgtrigger, so
they are part of this app's migrations: the template schema gets them when it is migrated, and every
region cloned from it or claimed from the pool carries them (django-tenants' clone copies functions and
triggers; a rename keeps them). Three guards, all in the database, whatever path a write takes:

- ``append_only``: UPDATE and DELETE raise (pgtrigger.Protect, as pghistory's ``append_only``);
- ``no_truncate``: TRUNCATE raises (a ``manage.py flush`` or a slip in a console);
- ``own_schema_only``: an INSERT into the audit table of another schema than the connection's own
  raises. A region's search path ends in ``public``, so a region whose schema lacked the table (a
  deploy that serves new code before ``migrate_schemas`` reached it) would otherwise write its events,
  with its people's ids, into the platform's trail.

``StaffAccount`` is a proxy of the user model whose only purpose is to carry triggers on
``accounts_user`` in this app's migrations: accounts are created, re-roled, deactivated and deleted by
several paths (the users page, signup, the platform's command, a shell), and a trigger records each
change of a staff account whichever path made it. The actor and the request come from the pghistory
context that ``audit.context`` opens for a signed-in staff member's POST. Employee accounts, which the
round scheduling makes by the thousand, are recorded when their role or active flag changes, not when
they are made (the round's own event says that logins were prepared).
"""

from __future__ import annotations

from typing import Any

import pgtrigger
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class Event(models.Model):
    """One audited action: who (``actor``), what (``kind`` and ``details``), on what (``subject``), when
    and from where. No foreign keys on purpose: a deleted user, round or region must not take its
    events along (and a cascade would be refused by ``append_only`` anyway)."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    # The acting user's id in this schema and their email at the time; both empty for the system (a
    # task, a command) and for test takers, who have no account.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor = models.CharField(_("actor"), max_length=254, blank=True)
    subject_type = models.CharField(_("subject type"), max_length=20, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # One id per request: the events a request wrote, by code or by trigger, share it.
    request_id = models.UUIDField(_("request"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_event_subject")]
        triggers = [
            pgtrigger.Protect(name="append_only", operation=pgtrigger.Update | pgtrigger.Delete),
            pgtrigger.Trigger(
                name="no_truncate",
                level=pgtrigger.Statement,
                when=pgtrigger.Before,
                operation=pgtrigger.Truncate,
                func="RAISE EXCEPTION 'audit_event is append-only: TRUNCATE refused'; RETURN NULL;",
            ),
            pgtrigger.Trigger(
                name="own_schema_only",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func=(
                    "IF TG_TABLE_SCHEMA <> current_schema() THEN "
                    "RAISE EXCEPTION 'audit event of schema % refused by the trail of schema %', "
                    "current_schema(), TG_TABLE_SCHEMA; END IF; RETURN NEW;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.actor}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The database refuses it too; this says so before a round trip, with a clearer message.
        if not self._state.adding:
            raise ValueError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("audit events are append-only")


# --- Triggers on the user table ----------------------------------------------------------------------

# The pghistory context (audit.context) as JSON: actor_id, actor, ip, path; '{}' outside a request.
_CONTEXT = "_ctx := COALESCE(NULLIF(current_setting('pghistory.context_metadata', true), '')::jsonb, '{}');"


def _insert(kind: str, row: str, details: str) -> str:
    """SQL that appends one event about the account in ``row`` (NEW or OLD), with the request's context.
    Built from constants of this module only, never from data."""
    return (
        " INSERT INTO audit_event"  # noqa: S608 (constants of this module)
        " (at, kind, actor_id, actor, subject_type, subject_id, subject, details, ip, request_id, path)"
        f" VALUES (now(), {kind}, NULLIF(_ctx->>'actor_id', '')::bigint, COALESCE(_ctx->>'actor', ''),"
        f" 'user', {row}.id::text, {row}.email, {details}, NULLIF(_ctx->>'ip', '')::inet,"
        " NULLIF(current_setting('pghistory.context_id', true), '')::uuid, COALESCE(_ctx->>'path', ''));"
    )


_DECLARE = [("_ctx", "jsonb")]
_USER_CREATED = (
    _CONTEXT + _insert("'user.created'", "NEW", "jsonb_build_object('role', NEW.role)") + "RETURN NULL;"
)
_USER_CHANGED = (
    _CONTEXT
    + "IF OLD.role IS DISTINCT FROM NEW.role THEN"
    + _insert("'user.role_changed'", "NEW", "jsonb_build_object('old', OLD.role, 'new', NEW.role)")
    + " END IF; IF OLD.is_active IS DISTINCT FROM NEW.is_active THEN"
    + _insert(
        "CASE WHEN NEW.is_active THEN 'user.reactivated' ELSE 'user.deactivated' END",
        "NEW",
        "jsonb_build_object('role', NEW.role)",
    )
    + " END IF; RETURN NULL;"
)
_USER_DELETED = (
    _CONTEXT + _insert("'user.deleted'", "OLD", "jsonb_build_object('role', OLD.role)") + "RETURN NULL;"
)


class StaffAccount(User):
    """The user table, seen by the audit trail (a proxy: no table of its own, only triggers)."""

    class Meta:
        proxy = True
        triggers = [
            pgtrigger.Trigger(
                name="audit_user_created",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                condition=pgtrigger.Condition("NEW.role <> 'employee'"),
                declare=_DECLARE,
                func=_USER_CREATED,
            ),
            pgtrigger.Trigger(
                name="audit_user_changed",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.role IS DISTINCT FROM NEW.role OR OLD.is_active IS DISTINCT FROM NEW.is_active"
                ),
                declare=_DECLARE,
                func=_USER_CHANGED,
            ),
            pgtrigger.Trigger(
                name="audit_user_deleted",
                when=pgtrigger.After,
                operation=pgtrigger.Delete,
                condition=pgtrigger.Condition("OLD.role <> 'employee'"),
                declare=_DECLARE,
                func=_USER_DELETED,
            ),
        ]
