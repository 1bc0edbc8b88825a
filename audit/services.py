"""The audit trail: one helper, ``record``, writes every audited action, in the schema where it happens.

What is recorded (``KINDS`` names them all):

- sign-ins that succeed and fail: staff and employees through allauth (``audit.receivers``), test takers
  through their NIP and access code (``assessment.rounds.services.codes``), password and two-factor
  changes; the account an attempt named is kept as its user id, never the NIP, code, password or token;
- users and roles: created, role changed, deactivated, reactivated, deleted (triggers on the user table,
  ``audit.models.StaffAccount``), coordinators given or taken units (``audit.receivers``);
- imports of the staff register: who, which file, how many rows, the outcome (``people.tasks``);
- rounds: every event of ``assessment.rounds.services.audit`` (transitions, revoked codes, extended and
  reopened attempts, settings, sessions, participants) is forwarded here;
- the national benchmark: a round's figures published or withdrawn;
- exports of personal data: who downloaded which per-employee table, code sheet, list or PDF, and an
  employee's download of their own data;
- personal-data requests and retention (``assessment.privacy``): privacy settings changed, corrections
  asked, made or refused (the field, never the values), employees erased (by id, with a reason from a
  list), and what each night's retention run removed;
- on the platform (public schema): operators' sign-ins, region approvals, rejections and status changes.

Where: ``record`` writes to ``audit.Event`` in the connection's schema, so a region's events stay in the
region's schema (personal data never leaves it) and the platform's in ``public``; the table refuses an
event meant for another schema (``own_schema_only``). The region admin reads the region's trail, the
operator the platform's (``audit.views``). ``tenants.AuditEvent`` stays the approval feature's register
of decisions (with the claim as the operator saw it); the trail records the same decisions among the
operator's other actions.

Details never carry secrets or the NIP: ``scrub`` drops keys that name them and masks any 18-digit
number left in a value (a file name, a message). Subjects are named by id; an employee only by id,
since an employee's usual label carries the NIP.

Cost: one INSERT per audited action, in the action's own transaction (an action rolled back leaves no
event). Answer saves, the hot path of test day, are not audited; a taker's sign-in is one row. A region
that is read-only (suspended) still records: reading its personal data is exactly what must be seen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name, schema_context

from audit import context
from audit.models import Event
from tenants import readonly

# Pass as ``actor`` to take the actor from the current request (the default).
CURRENT: Any = object()

# Keys whose values are never kept, at any depth, and keys that merely contain these words.
_SECRET_KEYS = frozenset({"nip", "nik", "code", "access_code", "otp", "key", "pin"})
_SECRET_WORDS = ("password", "token", "secret", "recovery")
_NIP_LIKE = re.compile(r"(?<!\d)\d{18}(?!\d)")
MASK = "[NIP]"
MAX_TEXT = 300

CATEGORIES: dict[str, Any] = {
    "signin": _("Sign-ins"),
    "account": _("Passwords and two-factor"),
    "user": _("Users and roles"),
    "import": _("Imports"),
    "round": _("Rounds"),
    "export": _("Personal-data exports"),
    "benchmark": _("National benchmark"),
    "region": _("Region decisions"),
    "privacy": _("Personal data requests and retention"),
    "webhook": _("Webhooks"),
    "api": _("API keys"),
    "talent": _("Talent view"),
}
# The categories a site's filter offers: a region's events, and what happens on the platform.
REGION_CATEGORIES = (
    "signin",
    "account",
    "user",
    "import",
    "round",
    "export",
    "benchmark",
    "privacy",
    "webhook",
    "api",
    "talent",
)
PLATFORM_CATEGORIES = ("signin", "account", "user", "region", "export")

KINDS: dict[str, Any] = {
    "signin.succeeded": _("Signed in"),
    "signin.failed": _("Sign-in failed"),
    "signin.taker_succeeded": _("Test taker signed in with NIP and code"),
    "signin.taker_failed": _("Test taker sign-in failed"),
    "account.password_changed": _("Password changed"),
    "account.password_reset": _("Password reset"),
    "account.mfa_added": _("Two-factor authentication added"),
    "account.mfa_removed": _("Two-factor authentication removed"),
    "user.created": _("User created"),
    "user.role_changed": _("Role changed"),
    "user.deactivated": _("User deactivated"),
    "user.reactivated": _("User reactivated"),
    "user.deleted": _("User deleted"),
    "user.coordinator_units": _("Coordinated units changed"),
    "import.finished": _("Staff register imported"),
    "import.training_records": _("Training records added (import or API)"),
    "round.created": _("Round created"),
    "round.settings_changed": _("Round settings changed"),
    "round.session_added": _("Session added"),
    "round.participants_set": _("Participants chosen"),
    "round.state_changed": _("Round status changed"),
    "round.code_revoked": _("Access code revoked"),
    "round.time_extended": _("Time extended"),
    "round.attempt_reopened": _("Attempt reopened"),
    "round.rescored_under": _("Re-scored under a newer parameter version"),
    "export.personal_data": _("Personal data downloaded"),
    "benchmark.published": _("Published to the national benchmark"),
    "benchmark.withdrawn": _("Withdrawn from the national benchmark"),
    "region.approved": _("Region approved"),
    "region.rejected": _("Region rejected"),
    "region.status_changed": _("Region status changed"),
    # billing: the operator's and the regions' billing actions (public schema)
    "billing.profile_changed": _("Billing profile changed"),
    "billing.invoice_issued": _("Invoice issued"),
    "billing.invoice_voided": _("Invoice cancelled"),
    "billing.payment_recorded": _("Payment recorded"),
    "billing.discount_granted": _("Discount granted"),
    "billing.extension_granted": _("Extension granted"),
    "billing.plan_saved": _("Plan saved"),
    "billing.contract_recorded": _("Contract recorded"),
    # assessment.privacy: UU PDP requests and the retention periods
    "privacy.settings_changed": _("Privacy settings changed"),
    "privacy.correction_requested": _("Correction requested by the employee"),
    "privacy.correction_resolved": _("Register corrected on request"),
    "privacy.correction_rejected": _("Correction request closed without a change"),
    "privacy.employee_erased": _("Employee's identity erased"),
    "privacy.retention_applied": _("Retention periods applied"),
    # assessment.talent: who looked at the talent view and made shortlists
    "talent.viewed": _("Talent view opened"),
    "talent.shortlisted": _("Shortlist made for a role"),
    # api: the region's API keys
    "api.key_created": _("API key created"),
    "api.key_revoked": _("API key revoked"),
    # webhooks: a region's endpoints for its other systems
    "webhook.created": _("Webhook added"),
    "webhook.changed": _("Webhook changed"),
    "webhook.enabled": _("Webhook enabled"),
    "webhook.disabled": _("Webhook disabled"),
    "webhook.deleted": _("Webhook deleted"),
    "webhook.test_sent": _("Webhook test sent"),
    "webhook.resent": _("Webhook delivery sent again"),
    # assessment.results: how the printed reports look
    "reports.logo_changed": _("Report logo changed"),
}

# What an export was, for ``export.personal_data`` (details["what"]).
EXPORTS: dict[str, Any] = {
    "employee_register": _("Employee register"),
    "employee_results": _("Results per employee"),
    "code_sheet": _("Access-code sheet"),
    "not_started": _("Employees who have not started"),
    "own_result": _("Own result (PDF)"),
    "employee_report": _("One employee's result (PDF), by an admin"),
    "audit_trail": _("Audit trail"),
    "own_data": _("Own data (employee's copy)"),
    "training_records": _("Training records and JP per employee"),
    "talent_list": _("Talent view (list)"),
}

SUBJECT_TYPES: dict[str, Any] = {
    "user": _("User"),
    "employee": _("Employee"),
    "round": _("Round"),
    "unit": _("Work unit"),
    "import": _("Import"),
    "region": _("Region"),
    "webhook": _("Webhook"),
}

DETAIL_LABELS: dict[str, Any] = {
    "old": _("from"),
    "new": _("to"),
    "role": _("role"),
    "reason": _("reason"),
    "filename": _("file"),
    "rows": _("rows"),
    "state": _("outcome"),
    "errors": _("errors"),
    "what": _("what"),
    "format": _("format"),
    "round": _("round"),
    "unit": _("unit"),
    "method": _("method"),
    "account": _("account"),
    "added": _("added"),
    "removed": _("removed"),
    "participants": _("participants"),
    "simulated": _("simulated"),
    "minutes": _("minutes"),
    "employee": _("employee"),
    "version": _("version"),
    "filters": _("filters"),
    "field": _("field"),
    "fields": _("fields"),
    "requests": _("requests"),
}


# --- Writing ---------------------------------------------------------------------------------------


def record(
    kind: str,
    *,
    actor: Any = CURRENT,
    subject: Any = None,
    request: HttpRequest | None = None,
    **details: Any,
) -> Event:
    """Append one event to the current schema's trail.

    ``actor``: a user, an email (the platform's services name operators so), None for the system, or
    ``CURRENT`` (the request's signed-in user). ``subject``: a model instance (see ``describe``) or a
    ``(type, id, label)`` tuple. ``request`` defaults to the current one (``audit.context``).
    """
    request = request if request is not None else context.current_request()
    actor_id, actor_label = _actor(actor, request)
    subject_type, subject_id, subject_label = describe(subject)
    event = Event(
        kind=kind[:40],
        actor_id=actor_id,
        actor=actor_label[:254],
        subject_type=subject_type[:20],
        subject_id=subject_id[:64],
        subject=_mask(subject_label)[:200],
        details=scrub(details),
        ip=context.ip_of(request) if request is not None else None,
        request_id=context.request_id(request) if request is not None else None,
        path=request.path[: context.PATH_LENGTH] if request is not None else "",
    )
    with readonly.writes_allowed():
        event.save()
    return event


def record_platform(kind: str, **kwargs: Any) -> Event:
    """``record`` into the platform's trail (public schema), whichever schema the caller is in: the
    operator's decisions about a region, which seeding commands also make from a region's context."""
    with schema_context(get_public_schema_name()):
        return record(kind, **kwargs)


def _actor(actor: Any, request: HttpRequest | None) -> tuple[int | None, str]:
    signed_in = context.signed_in_user(request) if request is not None else None
    if actor is CURRENT:
        actor = signed_in
    if actor is None:
        return None, ""
    if isinstance(actor, str):
        # An operator named by email: the id too when it is the signed-in user.
        if signed_in is not None and signed_in.get_username().lower() == actor.lower():
            return signed_in.pk, actor
        return None, actor
    return getattr(actor, "pk", None), str(actor.get_username())


def describe(subject: Any) -> tuple[str, str, str]:
    """(type, id, label) of what an event is about. Employees by id only: their label carries the NIP."""
    if subject is None:
        return "", "", ""
    if isinstance(subject, tuple):
        kind, pk, *label = subject
        return str(kind), "" if pk is None else str(pk), str(label[0]) if label else ""
    if not isinstance(subject, models.Model):
        raise TypeError(f"not an audit subject: {subject!r}")
    model = subject._meta.label_lower
    if model == "accounts.user" or isinstance(subject, _user_model()):
        return "user", str(subject.pk), str(subject.get_username())  # type: ignore[attr-defined]
    if model == "people.employee":
        return "employee", str(subject.pk), ""
    if model == "rounds.participant":
        return "employee", str(subject.employee_id), ""  # type: ignore[attr-defined]
    if model == "rounds.round":
        return "round", str(subject.pk), str(subject.name)  # type: ignore[attr-defined]
    if model == "people.workunit":
        return "unit", str(subject.pk), str(subject.code)  # type: ignore[attr-defined]
    if model == "people.importjob":
        return "import", str(subject.pk), str(subject.filename)  # type: ignore[attr-defined]
    if model == "tenants.region":
        # By code: a rejected region's row is deleted, its code is what identifies it afterwards.
        return "region", str(subject.code), str(subject.name)  # type: ignore[attr-defined]
    return subject._meta.model_name or "", str(subject.pk), ""


def _user_model() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model()


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def scrub(details: Mapping[str, Any]) -> dict[str, Any]:
    """Details fit for the trail: JSON values, no secret or NIP under any key, NIP-like numbers masked,
    long texts cut."""
    plain = json.loads(json.dumps(dict(details), cls=_Encoder))
    cleaned = _scrub(plain)
    assert isinstance(cleaned, dict)
    return cleaned


def _secret(key: str) -> bool:
    key = key.lower()
    return key in _SECRET_KEYS or any(word in key for word in _SECRET_WORDS)


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _scrub(v) for k, v in value.items() if not _secret(str(k))}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        return _mask(value)[:MAX_TEXT]
    return value


def _mask(text: str) -> str:
    return _NIP_LIKE.sub(MASK, text)


# --- What the rest of the project calls (one line at each place) ----------------------------------


def signed_in(request: HttpRequest | None, user: Any) -> Event:
    return record("signin.succeeded", actor=user, subject=user, request=request, method=_method(request))


def sign_in_failed(request: HttpRequest | None, identifier: str) -> Event:
    """A wrong password (or an unknown account): the account by id when it exists, else only the domain
    of what was typed (a password typed into the email field must not end up in the trail)."""
    identifier = (identifier or "").strip()
    user = (
        _user_model()._default_manager.filter(email__iexact=identifier).first() if "@" in identifier else None
    )
    account = "" if user is not None else ("…@" + identifier.rsplit("@", 1)[1] if "@" in identifier else "…")
    return record(
        "signin.failed", actor=None, subject=user, request=request, method=_method(request), account=account
    )


def taker_signed_in(participant: Any) -> Event:
    return record("signin.taker_succeeded", actor=None, subject=participant, round=participant.round_id)


def taker_sign_in_failed(nip: str, reason: str) -> Event:
    """``reason``: "mismatch" (wrong code or no open round) or "locked" (too many wrong codes). The
    employee whose NIP was typed, by id, if there is one."""
    from assessment.people.models import Employee

    employee_id = Employee.objects.filter(nip=nip).values_list("pk", flat=True).first() if nip else None
    subject = ("employee", employee_id) if employee_id is not None else None
    return record("signin.taker_failed", actor=None, subject=subject, reason=reason)


def personal_export(
    request: HttpRequest, what: str, fmt: str, *, subject: Any = None, **details: Any
) -> Event:
    """A download of personal data (``EXPORTS``): who took which file, in which format."""
    return record("export.personal_data", request=request, subject=subject, what=what, format=fmt, **details)


def import_finished(job: Any) -> Event:
    """The end of a staff-register import (a Celery task: the actor is whoever queued it)."""
    return record(
        "import.finished",
        actor=job.created_by,
        subject=job,
        filename=job.filename,
        state=job.state,
        rows=job.total,
        errors=len(job.errors or []),
        summary=job.summary,
    )


def coordinated_units_changed(user: Any, *, added: Iterable[str] = (), removed: Iterable[str] = ()) -> Event:
    return record("user.coordinator_units", subject=user, added=sorted(added), removed=sorted(removed))


_METHODS = {
    "account_login": "password",
    "mfa_authenticate": "password_and_mfa",
    "account_confirm_login_code": "email_code",
    "account_confirm_email": "email_confirmation",
    "account_reset_password_from_key": "password_reset",
    "login_token": "signup_link",
}


def _method(request: HttpRequest | None) -> str:
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "url_name", None) or ""
    return _METHODS.get(name, name)


# --- Reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    kind: str = ""  # a category ("round") or a kind ("round.state_changed")
    since: date | None = None
    until: date | None = None
    actor: str = ""  # part of the actor's email

    def as_details(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v}


def own_trail() -> bool:
    """Whether ``audit_event`` as the connection resolves it is the table of its own schema (a region not
    yet migrated would otherwise read the platform's trail through its search path)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname = current_schema() FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass('audit_event')"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def events(filters: Filters) -> models.QuerySet[Event]:
    """The schema's trail, newest first, filtered. Every kind shows when none is chosen, also kinds a
    newer module records before it names them in ``KINDS``."""
    qs = Event.objects.all()
    if filters.kind:
        qs = (
            qs.filter(kind=filters.kind)
            if "." in filters.kind
            else qs.filter(kind__startswith=filters.kind + ".")
        )
    if filters.since:
        qs = qs.filter(at__date__gte=filters.since)  # in the active time zone: the region's own
    if filters.until:
        qs = qs.filter(at__date__lte=filters.until)
    if filters.actor:
        qs = qs.filter(actor__icontains=filters.actor)
    return qs.order_by("-at", "-id")


def kind_label(kind: str) -> str:
    return str(KINDS.get(kind, kind))


def subject_text(event: Event) -> str:
    """The subject as the page shows it: the label, else the type and the id ("Employee #12")."""
    if not event.subject_type:
        return ""
    if event.subject:
        return event.subject
    return f"{SUBJECT_TYPES.get(event.subject_type, event.subject_type)} #{event.subject_id}"


# Values of details that have a name on the page (sign-in methods, reasons).
VALUES: dict[str, Any] = {
    "password": _("password"),
    "password_and_mfa": _("password and two-factor code"),
    "email_code": _("code sent by email"),
    "email_confirmation": _("email confirmation link"),
    "password_reset": _("password reset"),
    "signup_link": _("sign-in link after signup"),
    "mfa": _("two-factor code"),
    "totp": _("authenticator app"),
    "recovery_codes": _("recovery codes"),
    "mismatch": _("wrong code, or no open round"),
}


def _value_labels() -> dict[str, str]:
    from accounts.roles import Role
    from assessment.people.models import ImportJob
    from assessment.rounds.models import Round

    labels = {str(value): str(label) for value, label in Role.choices}
    labels.update({str(value): str(label) for value, label in Round.State.choices})
    labels.update({str(value): str(label) for value, label in ImportJob.State.choices})
    labels.update({key: str(label) for key, label in {**EXPORTS, **VALUES}.items()})
    return labels


def detail_items(details: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of an event's details, roles, round states and exports by their names."""
    values = _value_labels()
    items = []
    for key, value in details.items():
        if isinstance(value, list):
            text = ", ".join(str(values.get(str(v), v)) for v in value) or "—"
        elif isinstance(value, dict):
            text = ", ".join(f"{k}: {v}" for k, v in value.items()) or "—"
        elif isinstance(value, bool):
            text = str(_("yes") if value else _("no"))
        else:
            text = str(values.get(str(value), value))
        items.append((str(DETAIL_LABELS.get(key, key)), text))
    return items


EXPORT_HEADERS = (
    _("Time"),
    _("Kind"),
    _("Description"),
    _("Actor"),
    _("Actor id"),
    _("Subject type"),
    _("Subject id"),
    _("Subject"),
    _("Details"),
    _("IP address"),
    _("Request"),
)


def export_rows(qs: Iterable[Event]) -> Iterable[list[object]]:
    """One row per event for CSV and XLSX (frontend.tabular neutralises what looks like a formula)."""
    for event in qs:
        yield [
            timezone.localtime(event.at),
            event.kind,
            kind_label(event.kind),
            event.actor,
            event.actor_id,
            event.subject_type,
            event.subject_id,
            event.subject,
            json.dumps(event.details, ensure_ascii=False, sort_keys=True),
            event.ip,
            str(event.request_id or ""),
        ]
