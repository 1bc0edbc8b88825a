"""The operator's national calibration as a background job: choose rounds, queue, follow, read the outcome.

The operator (public schema) chooses closed rounds of regions that agreed to contribute
(``available_rounds``); ``start_national_calibration`` checks the choices at once (so a wrong choice
is told on the page, not found in a failed job) and queues the Celery task
``instrument.national_calibration`` with a ``CalibrationJob`` row; the task
(``assessment.instrument.tasks``) calls ``run_national_calibration``, which fetches each round's
anonymous matrix inside its region's schema (``contribution.build_matrix``: consent is checked again
there, since it may have been withdrawn meanwhile), then proposes the set (``national``). The row
carries the state, the current step and progress for the page to poll, and on failure a message
saying what went wrong; the proposal is all or nothing (no set is stored unless the run finished).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context

from assessment.instrument.calibration.common import CalibrationError
from assessment.instrument.calibration.national import DIF_MIN_GROUP, MIN_PERSONS, propose_national, too_few
from assessment.instrument.models import CalibrationJob, ItemBank, ParameterSet
from tenants.models import Region

TASK_NAME = "instrument.national_calibration"


@dataclass(frozen=True)
class RoundChoice:
    region: str  # Region.code (or schema name or slug)
    round: int


@dataclass(frozen=True)
class RoundOption:
    """A closed round of a consenting region, as the operator chooses among them."""

    region_code: str
    region_name: str
    region_kind: str
    round_id: int
    round_name: str
    bank_id: int
    bank: str  # "code version"
    state: str
    persons: int  # submitted attempts
    closed_on: date | None


def find_region(key: str) -> Region | None:
    return Region.objects.filter(Q(code=key) | Q(schema_name=key) | Q(slug=key)).first()


def consenting_regions() -> list[Region]:
    return list(
        Region.objects.filter(contributes_to_calibration=True).exclude(schema_name=get_public_schema_name())
    )


def available_rounds(bank: ItemBank | None = None) -> list[RoundOption]:
    """Closed or published rounds of every consenting region (of ``bank``'s instrument when given:
    every version of it), newest first."""
    from assessment.results.services.contribution import round_date
    from assessment.rounds.models import Attempt, Round

    out: list[RoundOption] = []
    for region in consenting_regions():
        with schema_context(region.schema_name):
            rounds = Round.objects.filter(
                state__in=[Round.State.CLOSED, Round.State.PUBLISHED]
            ).select_related("bank")
            if bank is not None:
                rounds = rounds.filter(bank__code=bank.code)
            counted = rounds.annotate(
                persons=Count(
                    "participants__attempt", filter=Q(participants__attempt__state=Attempt.State.SUBMITTED)
                )
            )
            out.extend(
                RoundOption(
                    region_code=region.code,
                    region_name=region.name,
                    region_kind=region.kind,
                    round_id=r.pk,
                    round_name=r.name,
                    bank_id=r.bank_id,
                    bank=f"{r.bank.code} {r.bank.version}",
                    state=r.state,
                    persons=int(r.persons),
                    closed_on=round_date(r),
                )
                for r in counted
            )
    out.sort(key=lambda o: (o.closed_on or date.min, o.region_code, o.round_id), reverse=True)
    return out


@dataclass(frozen=True)
class _Checked:
    region: Region
    round_id: int
    persons: int  # submitted attempts


def _checked(bank: ItemBank, choices: Sequence[RoundChoice]) -> list[_Checked]:
    """The choices, each checked: a known region that agreed to contribute, a closed round of it, of
    the bank's instrument (any version of it). Refused with a message naming the first problem."""
    from assessment.results.services.contribution import consent_error, missing_round, not_closed
    from assessment.rounds.models import Attempt, Round

    if not choices:
        raise CalibrationError(_("Choose at least one round to calibrate on."))
    out: list[_Checked] = []
    for choice in dict.fromkeys(choices):
        region = find_region(str(choice.region))
        if region is None:
            raise CalibrationError(_("Unknown region '%(region)s'.") % {"region": choice.region})
        if not region.contributes_to_calibration:
            raise CalibrationError(consent_error(region))
        with schema_context(region.schema_name):
            round_ = Round.objects.select_related("bank").filter(pk=choice.round).first()
            if round_ is None:
                raise CalibrationError(missing_round(region, choice.round))
            if round_.state not in {Round.State.CLOSED, Round.State.PUBLISHED}:
                raise CalibrationError(not_closed(region, round_))
            if round_.bank.code != bank.code:
                raise CalibrationError(
                    _(
                        "Round %(round)s '%(name)s' of %(region)s uses bank %(bank)s, another instrument "
                        "than %(target)s."
                    )
                    % {
                        "round": round_.pk,
                        "name": round_.name,
                        "region": region.name,
                        "bank": round_.bank,
                        "target": bank,
                    }
                )
            persons = Attempt.objects.filter(participant__round=round_, state=Attempt.State.SUBMITTED).count()
        out.append(_Checked(region, choice.round, persons))
    return out


def start_national_calibration(
    bank: ItemBank, choices: Sequence[RoundChoice], requested_by: str, *, min_persons: int = MIN_PERSONS
) -> CalibrationJob:
    """Check the operator's choices (including enough submitted attempts) and queue the calibration
    (after the transaction commits)."""
    from assessment.instrument.tasks import national_calibration_task

    if min_persons < 1:
        raise CalibrationError(_("The fewest persons to calibrate on must be at least 1."), "min_persons")
    checked = _checked(bank, choices)
    submitted = sum(c.persons for c in checked)
    if submitted < min_persons:
        raise CalibrationError(too_few(submitted, min_persons))
    job = CalibrationJob.objects.create(
        bank=bank,
        choices=[{"region": c.region.code, "round": c.round_id} for c in checked],
        min_persons=min_persons,
        requested_by=requested_by.strip()[:254],
        total=len(checked) + 4,
        step="queued",
    )
    transaction.on_commit(lambda: national_calibration_task.delay(job.pk))
    return job


def _update(job: CalibrationJob, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    CalibrationJob.objects.filter(pk=job.pk).update(**fields)


def run_national_calibration(job: CalibrationJob, *, dif_min_group: int = DIF_MIN_GROUP) -> ParameterSet:
    """Do the job: every chosen round's anonymous matrix, then the proposal. Raises CalibrationError
    (and marks the job failed with the message) when it cannot be done."""
    from assessment.results.services.contribution import ContributionError, build_matrix

    with schema_context(get_public_schema_name()):
        _update(job, state=CalibrationJob.State.RUNNING, started_at=timezone.now(), failure="", progress=0)
        try:
            choices = [RoundChoice(str(c["region"]), int(c["round"])) for c in job.choices]
            matrices, sources = [], []
            for n, checked in enumerate(_checked(job.bank, choices), start=1):
                region, round_id = checked.region, checked.round_id
                _update(job, step=f"reading round {round_id} of {region.name}", progress=n - 1)
                matrix = build_matrix(region, round_id)
                matrices.append(matrix)
                sources.append(
                    {
                        "region": region.code,
                        "region_name": region.name,
                        "region_kind": region.kind,
                        "round": round_id,
                        "bank": matrix.bank,
                        "persons": int(matrix.mask.any(axis=1).sum()),
                    }
                )

            def step(text: str) -> None:
                _update(job, step=text[:200], progress=min(job.progress + 1, job.total))

            _update(job, progress=len(matrices))
            parameter_set = propose_national(
                job.bank,
                matrices,
                sources=sources,
                min_persons=job.min_persons,
                dif_min_group=dif_min_group,
                step=step,
            )
        except (CalibrationError, ContributionError) as exc:
            _update(
                job, state=CalibrationJob.State.FAILED, failure=str(exc)[:2000], finished_at=timezone.now()
            )
            raise CalibrationError(str(exc)) from exc
        except Exception as exc:  # an engine error: the operator sees it, the log has the trace
            _update(
                job,
                state=CalibrationJob.State.FAILED,
                failure=(_("The calibration failed unexpectedly: %(error)s") % {"error": exc})[:2000],
                finished_at=timezone.now(),
            )
            raise
        _update(
            job,
            state=CalibrationJob.State.DONE,
            step="done",
            progress=job.total,
            parameter_set=parameter_set,
            finished_at=timezone.now(),
        )
        return parameter_set
