"""A round's life: draft, scheduled, open, closed, published; guarded transitions with an audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext as _

from assessment.instrument.assembly import (
    MAX_FORMS,
    Candidate,
    FormRule,
    FormRuleError,
    ParallelForms,
    assemble_forms,
)
from assessment.instrument.models import ItemBank
from assessment.instrument.services import lock_bank
from assessment.people.models import Employee, WorkUnit
from assessment.people.nip import NipError, normalise_nip
from assessment.people.services.employees import ensure_logins
from assessment.rounds.models import Answer, Attempt, Participant, Round, Session
from assessment.rounds.services.audit import record
from assessment.rounds.services.taking import submit

S = Round.State
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SCHEDULED},
    S.SCHEDULED: {S.DRAFT, S.OPEN},
    S.OPEN: {S.CLOSED},
    S.CLOSED: {S.OPEN, S.PUBLISHED},
    S.PUBLISHED: set(),
}


def responses_removed_message() -> str:
    """Why a round whose answers the retention removed is not reopened or scored (translated now)."""
    return _(
        "The answers of this round were deleted at the end of their retention period: it can no longer be "
        "reopened or scored again. Its results and figures stay as they are."
    )


class RoundError(ValueError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class RoundSettings:
    name: str
    bank: ItemBank
    form_length: int
    time_limit_minutes: int
    allow_back: bool
    result_timing: str
    form_count: int = 1  # parallel forms (issue #17)


def has_answers(round_: Round) -> bool:
    return Answer.objects.filter(attempt__participant__round=round_).exists()


@transaction.atomic
def create_round(settings: RoundSettings, actor: Any) -> Round:
    _check_settings(settings)
    round_ = Round.objects.create(**settings.__dict__)
    record(round_, actor, "created", name=round_.name, bank=str(settings.bank))
    return round_


def _check_settings(settings: RoundSettings) -> None:
    if not settings.name.strip():
        raise RoundError(_("Give the round a name."), "name")
    if not 10 <= settings.form_length <= 120:
        raise RoundError(_("A test has between 10 and 120 items."), "form_length")
    if not 1 <= settings.form_count <= MAX_FORMS:
        raise RoundError(_("A round has 1 to %(max)d parallel forms.") % {"max": MAX_FORMS}, "form_count")
    if not 10 <= settings.time_limit_minutes <= 240:
        raise RoundError(_("The time limit is between 10 and 240 minutes."), "time_limit_minutes")


@transaction.atomic
def update_round(round_: Round, settings: RoundSettings, actor: Any) -> Round:
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    _check_settings(settings)
    instrument_changed = (
        settings.bank.pk != round_.bank_id
        or settings.form_length != round_.form_length
        or settings.form_count != round_.form_count
    )
    if instrument_changed and (round_.state != S.DRAFT or has_answers(round_)):
        raise RoundError(
            _("The instrument and the form of a round cannot change once it is scheduled."), "bank"
        )
    changes = {k: str(v) for k, v in settings.__dict__.items() if getattr(round_, k) != v}
    for key, value in settings.__dict__.items():
        setattr(round_, key, value)
    if instrument_changed:  # a draft that was scheduled before: its forms are built again when scheduled
        round_.forms, round_.form_items = [], []
    round_.save()
    if changes:
        record(round_, actor, "settings_changed", **changes)
    return round_


def add_session(round_: Round, day: date, start: time, end: time, tz: ZoneInfo, actor: Any) -> Session:
    if round_.state in {S.CLOSED, S.PUBLISHED}:
        raise RoundError(_("A closed round has no new sessions."))
    starts_at = datetime.combine(day, start, tzinfo=tz)
    ends_at = datetime.combine(day, end, tzinfo=tz)
    if ends_at <= starts_at:
        raise RoundError(_("A session ends after it starts."), "end")
    session = Session.objects.create(round=round_, starts_at=starts_at, ends_at=ends_at)
    record(round_, actor, "session_added", starts_at=starts_at.isoformat(), ends_at=ends_at.isoformat())
    return session


@dataclass
class ParticipantChange:
    added: int
    removed: int
    unknown: list[str]  # messages for NIP lines that matched no active employee


@transaction.atomic
def set_participants(
    round_: Round, *, mode: str, units: list[WorkUnit] | None = None, nips_text: str = "", actor: Any = None
) -> ParticipantChange:
    """Every active employee, the active employees of chosen units (with sub-units), or a NIP list."""
    if round_.state not in {S.DRAFT, S.SCHEDULED}:
        raise RoundError(_("Participants are chosen before the round opens."))
    employees = Employee.objects.filter(is_active=True)
    unknown: list[str] = []
    if mode == "units":
        chosen = list(units or [])
        if not chosen:
            raise RoundError(_("Choose at least one work unit."), "units")
        ids = {u.pk for u in chosen}
        frontier = list(ids)
        while frontier:
            frontier = list(WorkUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            ids.update(frontier)
        employees = employees.filter(unit_id__in=ids)
    elif mode == "nips":
        nips: list[str] = []
        for number, line in enumerate(nips_text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                nips.append(normalise_nip(line.strip()))
            except NipError as exc:
                unknown.append(_("Line %(n)d: %(error)s") % {"n": number, "error": exc})
        found = set(employees.filter(nip__in=nips).values_list("nip", flat=True))
        unknown += [
            _("NIP %(nip)s is not an active employee.") % {"nip": nip} for nip in nips if nip not in found
        ]
        if unknown:
            raise RoundError("; ".join(unknown[:20]), "nips_text")
        employees = employees.filter(nip__in=nips)
    elif mode != "all":
        raise RoundError(_("Choose who takes part."), "mode")
    wanted = dict(employees.values_list("pk", "unit_id"))
    current = set(round_.participants.values_list("employee_id", flat=True))
    removable = round_.participants.exclude(employee_id__in=wanted).filter(attempt__isnull=True)
    removed = removable.count()
    removable.delete()
    new = [
        Participant(round=round_, employee_id=pk, unit_id=unit)
        for pk, unit in wanted.items()
        if pk not in current
    ]
    Participant.objects.bulk_create(new, batch_size=2000)
    record(round_, actor, "participants_set", mode=mode, added=len(new), removed=removed)
    return ParticipantChange(added=len(new), removed=removed, unknown=unknown)


def _build_forms(round_: Round) -> ParallelForms:
    """The round's parallel forms from its bank and seed; the items' parameters balance their difficulty."""
    items = [
        Candidate(
            i.code,
            i.competence.code,
            i.level,
            i.is_anchor,
            tuple(o["id"] for o in i.options),
            kind=i.type,
            a=float((i.params or {}).get("a", 1.0)),
            b=float((i.params or {}).get("b", 0.0)),
        )
        for i in round_.bank.items.select_related("competence").order_by("code")
    ]
    rule = FormRule(length=round_.form_length, forms=round_.form_count)
    try:
        return assemble_forms(items, rule, seed=str(round_.form_seed))
    except FormRuleError as exc:
        raise RoundError(str(exc), "form_count" if round_.form_count > 1 else "form_length") from exc


@transaction.atomic
def transition(round_: Round, new_state: str, actor: Any) -> Round:
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    old = round_.state
    if new_state not in TRANSITIONS[old]:
        raise RoundError(
            _("A round that is %(old)s cannot become %(new)s.")
            % {"old": round_.get_state_display(), "new": Round.State(new_state).label}
        )
    if new_state == S.SCHEDULED:
        if not round_.sessions.exists():
            raise RoundError(_("Add at least one session before scheduling the round."))
        if not round_.participants.exists():
            raise RoundError(_("Choose the participants before scheduling the round."))
        if not round_.form_items:
            built = _build_forms(round_)
            round_.forms = [list(form) for form in built.forms]
            round_.form_items = list(built.union)
        lock_bank(round_.bank)
    if new_state == S.DRAFT and has_answers(round_):
        raise RoundError(_("A round with answers cannot go back to draft."))
    if new_state == S.OPEN and old == S.CLOSED:
        from assessment.privacy.services.retention import responses_removed

        # Closing again would re-score it without the answers the retention period removed.
        if responses_removed(round_):
            raise RoundError(responses_removed_message())
    if new_state == S.OPEN and old == S.SCHEDULED:
        from assessment.rounds.services.seats import check_opening

        # Only opening is refused over the contract's seats; registers, results and exports never are.
        decision = check_opening(round_)
        if not decision.allowed:
            raise RoundError(decision.message)
    if new_state == S.CLOSED:
        for attempt in Attempt.objects.filter(participant__round=round_, state=Attempt.State.IN_PROGRESS):
            submit(attempt, automatic=True)
    if new_state in {S.SCHEDULED, S.OPEN}:
        ensure_logins(round_.participants.values_list("employee_id", flat=True))
    round_.state = new_state
    round_.save(update_fields=["state", "forms", "form_items"])
    record(round_, actor, "state_changed", old=old, new=new_state)
    if new_state in {S.OPEN, S.CLOSED}:  # webhooks out (issue 18): sent once this transition commits
        from webhooks.events import Event, emit

        emit(
            Event.ROUND_OPENED if new_state == S.OPEN else Event.ROUND_CLOSED,
            {"round": {"id": round_.pk, "name": round_.name}, "previous_state": old},
        )
    return round_
