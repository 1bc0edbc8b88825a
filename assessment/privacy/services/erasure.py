"""Erasing an employee (UU PDP art. 8 and 43): their identity leaves the region's schema for good; the
region's figures stay exactly as they were.

What happens, in one transaction, irreversibly:

- The register row is **pseudonymised, not deleted**: name, NIP, birth date, email, phone, position
  title, rank, education and sex are replaced (``DIHAPUS-<id>`` for the NIP, "Pegawai terhapus #<id>"
  for the name) or emptied; the row is deactivated and unlinked from any account. Scores, attempts and
  participations point at this row, so every round keeps its people: counts, aggregates, the published
  benchmark and any later re-scoring agree with what was published. What stays on the row is what the
  figures are broken down by (work unit, employment status, position type), which the frozen segments of
  the person's scores hold anyway.
- The employee's **item responses are kept, de-identified**, until the round's response retention
  period removes them with everyone else's (``services.retention``). Why not delete them now: a round
  is re-scored from its answers (after the national items are recalibrated, for instance); an attempt
  with no answers would turn this person into an incomplete attempt, change the round's aggregates and
  plausible values, and the benchmark refuses a re-publication in which only some participants' values
  changed (because comparing the versions would reveal them). Without a name, NIP, birth date or contact
  beside them, a response pattern says nothing about who gave it.
- Their employee account (email sign-in) is deleted; a staff account of the same person is only unlinked
  (it is another role, removed on the users page). Their correction requests are deleted (they hold the
  values). Their NIP is removed from the rounds' own event log (``RoundEvent.details``). Register files
  still stored (checked but not imported, or rejected) are emptied, since they may hold the person's row;
  a checked file not yet imported is cancelled and must be uploaded again.
- An ``Erasure`` row and an audit event record who erased whom (by id), when and why (a reason chosen
  from a list, so that no free text lands in the append-only trail).

What it cannot reach, stated plainly (docs/privacy/README.md): backups until they expire; the audit
trail, which names employees by id only but keeps the email address under which an employee signed in
by emailed code (append-only by design: it is the record of who did what); figures already published,
which are anonymous aggregates of 10 or more.

When it is refused: while the employee takes part in an open round (their attempt is still being
written), while a round they took is being scored (the scoring would read the register's segments),
and while a register import is running (it could bring the row back half-way).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import Role
from assessment.people.models import Employee, ImportJob
from assessment.people.services import employees as register
from assessment.privacy.models import CorrectionRequest, Erasure
from assessment.results.models import Score, ScoringRun
from assessment.rounds.models import Answer, Attempt, Participant, Round, RoundEvent
from audit import services as audit_trail

# The pseudonym NIP: 18 characters like a NIP, never digits only, so it can never sign in, never match
# an import row and never look like a NIP to the audit trail's masking.
ERASED_NIP_PREFIX = register.ERASED_NIP_PREFIX
ERASED_NAME = "Pegawai terhapus #%(id)s"
MASK = "[dihapus]"
_IMPORT_BUSY = (ImportJob.State.CHECKING, ImportJob.State.QUEUED, ImportJob.State.RUNNING)


class ErasureRefused(Exception):
    """The employee cannot be erased now; the message says why and what to do."""


@dataclass(frozen=True)
class ErasureResult:
    employee_id: int
    scores_kept: int
    answers_kept: int
    participations_removed: int
    corrections_removed: int
    account_deleted: bool
    imports_emptied: int
    round_events_scrubbed: int


def pseudonym_nip(employee_id: int) -> str:
    return f"{ERASED_NIP_PREFIX}{employee_id:010d}"


def is_erased(employee: Employee) -> bool:
    return employee.nip.startswith(ERASED_NIP_PREFIX)


def blockers(employee: Employee) -> list[str]:
    """Why the employee cannot be erased now (empty: they can)."""
    open_rounds = Participant.objects.filter(employee=employee, round__state=Round.State.OPEN).values_list(
        "round__name", flat=True
    )
    reasons = [
        _("They take part in the open round %(round)s. Erase their data once the round has closed.")
        % {"round": name}
        for name in open_rounds
    ]
    unscored = (
        Attempt.objects.filter(
            participant__employee=employee, state=Attempt.State.SUBMITTED, score__isnull=True
        )
        .exclude(participant__round__state=Round.State.OPEN)
        .values_list("participant__round_id", flat=True)
    )
    reasons.extend(
        _("The round %(round)s has not been scored yet. Erase their data once its scoring has finished.")
        % {"round": name}
        for name in Round.objects.filter(pk__in=list(unscored)).values_list("name", flat=True)
    )
    scoring = ScoringRun.objects.filter(
        round__participants__employee=employee, state__in=[ScoringRun.State.QUEUED, ScoringRun.State.RUNNING]
    ).values_list("round__name", flat=True)
    reasons.extend(
        _("The round %(round)s is being scored. Try again when its scoring has finished.") % {"round": name}
        for name in scoring
    )
    if ImportJob.objects.filter(state__in=_IMPORT_BUSY).exists():
        reasons.append(_("A register import is being checked or imported. Try again when it has finished."))
    return list(dict.fromkeys(reasons))


def _scrub(value: Any, identity: list[str]) -> Any:
    """``value`` (JSON) with every occurrence of the identifying values in its texts masked."""
    text = json.dumps(value, ensure_ascii=False)
    for known in identity:
        text = text.replace(json.dumps(known, ensure_ascii=False)[1:-1], MASK)
    return json.loads(text)


def _empty_stored_imports(identity: list[str]) -> int:
    """Register files kept in the schema may hold the person's row: empty them (an .xlsx is a zip, so
    its content cannot be searched; every stored file is emptied, which only stale ones still are)."""
    emptied = 0
    for job in ImportJob.objects.exclude(state__in=_IMPORT_BUSY).exclude(content=b"").select_for_update():
        job.content = b""
        job.errors = _scrub(job.errors, identity)
        if job.state == ImportJob.State.CHECKED:
            # Its content is gone: importing it now would import nothing.
            job.state = ImportJob.State.FAILED
            job.failure = _(
                "Cancelled: an employee's data was erased after this check. Upload the file again."
            )
        job.save(update_fields=["content", "errors", "state", "failure"])
        emptied += 1
    # Messages of older jobs (the content of an imported file is already gone) may quote the person.
    for job in ImportJob.objects.defer("content").exclude(state__in=_IMPORT_BUSY):
        errors = _scrub(job.errors, identity)
        failure = _scrub(job.failure, identity)
        if errors != job.errors or failure != job.failure:
            ImportJob.objects.filter(pk=job.pk).update(errors=errors, failure=failure)
    return emptied


def _scrub_round_events(employee: Employee, identity: list[str]) -> int:
    """The rounds' own timeline keeps the NIP of a revoked code or a reopened attempt: mask it."""
    scrubbed = 0
    for event in RoundEvent.objects.filter(details__nip=employee.nip).select_for_update():
        event.details = {k: (MASK if k == "nip" else _scrub(v, identity)) for k, v in event.details.items()}
        event.save(update_fields=["details"])
        scrubbed += 1
    return scrubbed


@transaction.atomic
def erase(employee: Employee, *, actor: Any, reason: str) -> ErasureResult:
    """Erase the employee's identity (see the module's docstring). Raises ``ErasureRefused``."""
    employee = Employee.objects.select_for_update().get(pk=employee.pk)
    if is_erased(employee) or Erasure.objects.filter(employee=employee).exists():
        raise ErasureRefused(_("This employee's data was already erased."))
    if reason not in Erasure.Reason.values:
        raise ErasureRefused(_("Choose the reason for the erasure."))
    reasons = blockers(employee)
    if reasons:
        raise ErasureRefused(" ".join(reasons))

    identity = [s for s in (employee.nip, employee.full_name, employee.email, employee.phone) if s]
    # Invitations to rounds not yet open hold no answers: they go (the printed code stops working).
    waiting = Participant.objects.filter(
        employee=employee, round__state__in=[Round.State.DRAFT, Round.State.SCHEDULED], attempt__isnull=True
    )
    participations_removed = waiting.count()
    waiting.delete()
    events = _scrub_round_events(employee, identity)
    emptied = _empty_stored_imports(identity)
    corrections, _by_model = CorrectionRequest.objects.filter(employee=employee).delete()

    account_deleted = False
    user = employee.user
    employee.user = None
    if user is not None and user.role == Role.EMPLOYEE:
        user.delete()
        account_deleted = True

    pk = employee.pk
    employee.nip = pseudonym_nip(pk)
    employee.full_name = ERASED_NAME % {"id": pk}
    employee.birth_date = None
    employee.email = ""
    employee.phone = ""
    employee.position_title = ""
    employee.rank = ""
    employee.education = ""
    employee.sex = ""
    employee.is_active = False
    employee.save()

    result = ErasureResult(
        employee_id=pk,
        scores_kept=Score.objects.filter(employee=employee).count(),
        answers_kept=Answer.objects.filter(attempt__participant__employee=employee).count(),
        participations_removed=participations_removed,
        corrections_removed=corrections,
        account_deleted=account_deleted,
        imports_emptied=emptied,
        round_events_scrubbed=events,
    )
    summary = asdict(result)
    Erasure.objects.create(
        employee=employee,
        erased_by=actor if getattr(actor, "pk", None) else None,
        reason=reason,
        summary=summary,
    )
    audit_trail.record("privacy.employee_erased", actor=actor, subject=employee, reason=reason, **summary)
    return result
