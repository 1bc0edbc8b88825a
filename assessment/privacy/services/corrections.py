"""Correction requests: an employee says what is wrong in their register entry; an admin corrects it or
says why not (UU PDP art. 6 and 30: the controller corrects within 3 x 24 hours of the request).

Design: the employee never edits the register. They describe the change; the admin checks it against
the personnel records (SIASN, SK) and makes it through the register's own edit service
(``people.services.employees.clean`` and ``save_employee``), so the import's validation rules (NIP
against birth date and sex, rank by status) apply exactly as on the employee page. Resolving closes
every open request of the employee at once: the form shows the whole entry, and a half-answered set of
requests would be a second trip for nobody's benefit.

The audit trail records that a correction was asked, made or refused, and for which field, never the
values (they are personal data, and the trail is append-only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from assessment.people.models import Employee
from assessment.people.services import employees as register
from assessment.privacy.models import CorrectionRequest
from audit import services as audit_trail

# UU PDP art. 30(2): the controller corrects personal data at the latest 3 x 24 hours after the request.
ANSWER_WITHIN = timedelta(hours=72)

# The register field each kind of request is about (for the current value and for the form's initial).
FIELDS: dict[str, str] = {
    CorrectionRequest.Field.FULL_NAME: "full_name",
    CorrectionRequest.Field.BIRTH_DATE: "birth_date",
    CorrectionRequest.Field.SEX: "sex",
    CorrectionRequest.Field.UNIT: "unit",
    CorrectionRequest.Field.POSITION: "position_title",
    CorrectionRequest.Field.RANK: "rank",
    CorrectionRequest.Field.EDUCATION: "education",
    CorrectionRequest.Field.EMAIL: "email",
    CorrectionRequest.Field.PHONE: "phone",
}


def current_value(employee: Employee, field: str) -> str:
    name = FIELDS.get(field)
    if name is None:
        return ""
    if name == "sex":
        return str(employee.get_sex_display())
    if name == "birth_date":
        return employee.birth_date.strftime("%d-%m-%Y") if employee.birth_date else ""
    value = getattr(employee, name)
    return "" if value is None else str(value)


@transaction.atomic
def request_correction(
    employee: Employee, field: str, requested_value: str, note: str = ""
) -> CorrectionRequest:
    request = CorrectionRequest.objects.create(
        employee=employee,
        field=field,
        current_value=current_value(employee, field)[:300],
        requested_value=requested_value.strip()[:300],
        note=note.strip()[:1000],
    )
    # The taker has no account: the actor is empty, the subject the employee (by id).
    audit_trail.record("privacy.correction_requested", actor=None, subject=employee, field=field)
    return request


def open_requests() -> QuerySet[CorrectionRequest]:
    """Requests waiting for an admin, oldest first (the oldest is the closest to its deadline)."""
    return CorrectionRequest.objects.filter(state=CorrectionRequest.State.OPEN).select_related(
        "employee", "employee__unit"
    )


def due_at(request: CorrectionRequest) -> datetime:
    return request.created_at + ANSWER_WITHIN


def is_overdue(request: CorrectionRequest, now: datetime | None = None) -> bool:
    return request.state == CorrectionRequest.State.OPEN and (now or timezone.now()) > due_at(request)


def open_of(employee: Employee) -> QuerySet[CorrectionRequest]:
    return CorrectionRequest.objects.filter(employee=employee, state=CorrectionRequest.State.OPEN)


def suggested_initial(employee: Employee, initial: dict[str, Any]) -> dict[str, Any]:
    """The register form's initial values with the requested values put in where a field takes free
    text (name, position, rank, email, phone): the admin checks them before saving. Dates, sex, unit and
    education are chosen from lists, so the admin picks them from the request shown beside the form."""
    text_fields = {"full_name", "position_title", "rank", "email", "phone"}
    suggested = dict(initial)
    for request in open_of(employee):
        name = FIELDS.get(request.field)
        if name in text_fields:
            suggested[name] = request.requested_value
    return suggested


@dataclass(frozen=True)
class Resolution:
    employee: Employee
    closed: int


@transaction.atomic
def resolve(employee: Employee, data: register.EmployeeData, *, actor: Any, response: str = "") -> Resolution:
    """Correct the register through its edit service and close the employee's open requests. Raises
    ``register.EmployeeError`` (nothing closed) when the corrected entry does not pass its rules."""
    saved = register.save_employee(employee, data)
    requests = list(open_of(employee).select_for_update())
    _close(requests, CorrectionRequest.State.RESOLVED, actor, response)
    audit_trail.record(
        "privacy.correction_resolved",
        actor=actor,
        subject=saved,
        fields=sorted({r.field for r in requests}),
        requests=len(requests),
    )
    return Resolution(saved, len(requests))


@transaction.atomic
def reject(employee: Employee, *, actor: Any, response: str) -> int:
    """Close the employee's open requests without a change, with the reason the employee will read."""
    requests = list(open_of(employee).select_for_update())
    _close(requests, CorrectionRequest.State.REJECTED, actor, response)
    audit_trail.record(
        "privacy.correction_rejected",
        actor=actor,
        subject=employee,
        fields=sorted({r.field for r in requests}),
        requests=len(requests),
    )
    return len(requests)


def _close(requests: list[CorrectionRequest], state: str, actor: Any, response: str) -> None:
    now = timezone.now()
    for request in requests:
        request.state = state
        request.resolved_at = now
        request.resolved_by = actor if getattr(actor, "pk", None) else None
        request.response = response.strip()[:500]
    CorrectionRequest.objects.bulk_update(requests, ["state", "resolved_at", "resolved_by", "response"])
