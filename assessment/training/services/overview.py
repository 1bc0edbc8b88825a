"""What the region admin sees of training: JP completion by unit for a year, and how the learning
plans from the latest scored round are being met.

**Completion** (:func:`completion_by_unit`): the active employees of each unit, how many completed at
least 20 JP in the calendar year (:data:`hours.REQUIRED_JP_PER_YEAR`) and their mean JP; inactive
employees are left out (they are no longer owed training), their records stay.

**Plan against done** (:func:`plan_progress`). The roadmap (``assessment.results.planning.roadmap``) is
built from each measured person's learning plan; the plan an employee sees on their result page is
``personal_plan`` of their score, this year's courses within 20 JP. So for a year Y:

* the plan is that of the latest round whose scoring finished by the end of Y: each active employee
  with a complete score in it, and the courses of their personal plan (employees without a gap, or
  whose gaps no course fits, have nothing planned and are not counted);
* the *period* runs from the day the round's scoring finished (or 1 January of Y, if later) to
  31 December of Y: training completed before the measurement cannot answer its plan;
* a planned course is *done* when the employee has a training record matched to that catalogue
  course (``TrainingRecord.course``, matched by title and provider at import) completed in the period;
* an employee's plan is *met* when every planned course is done; *started* when at least one is.

JP planned and done are the catalogue JP of the planned courses and of the done ones (the course's
nominal JP, not the certificate's, so that both sides count the same thing). Computing the plans costs
about a millisecond a person; they are cached per round, scoring run and catalogue, as the roadmap is.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from assessment.people.models import Employee
from assessment.results.models import Score, ScoringRun, TrainingCourse
from assessment.results.services import catalogue, roadmaps
from assessment.rounds.models import Round
from assessment.training.models import TrainingRecord
from assessment.training.services.hours import REQUIRED_JP_PER_YEAR, jp_by_employee
from tenants.schemas import current_schema

__all__ = ["PlanProgress", "UnitCompletion", "completion_by_unit", "plan_progress"]

ZERO = Decimal("0")


@dataclass(frozen=True)
class UnitCompletion:
    unit_id: int | None  # None: the region's total
    unit: str
    people: int
    met: int  # with at least 20 JP
    jp_total: Decimal

    @property
    def share(self) -> float:
        return self.met / self.people if self.people else 0.0

    @property
    def mean_jp(self) -> Decimal:
        return (self.jp_total / self.people).quantize(Decimal("0.1")) if self.people else ZERO


def completion_by_unit(year: int) -> tuple[tuple[UnitCompletion, ...], UnitCompletion]:
    """Per unit (by name) and the region's total, for active employees."""
    people = list(Employee.objects.filter(is_active=True).values_list("pk", "unit_id", "unit__name"))
    hours = jp_by_employee(year)
    units: dict[int, list[Decimal]] = defaultdict(list)
    names: dict[int, str] = {}
    for pk, unit_id, unit_name in people:
        units[unit_id].append(hours.get(pk, ZERO))
        names[unit_id] = unit_name
    rows = tuple(
        _completion(unit_id, names[unit_id], jps)
        for unit_id, jps in sorted(units.items(), key=lambda u: names[u[0]])
    )
    total = _completion(None, "", [hours.get(pk, ZERO) for pk, _, _ in people])
    return rows, total


def _completion(unit_id: int | None, name: str, jps: list[Decimal]) -> UnitCompletion:
    return UnitCompletion(
        unit_id=unit_id,
        unit=name,
        people=len(jps),
        met=sum(1 for jp in jps if jp >= REQUIRED_JP_PER_YEAR),
        jp_total=sum(jps, ZERO),
    )


@dataclass(frozen=True)
class PlanProgress:
    round_id: int
    round_name: str
    start: date
    end: date
    people_planned: int
    people_met: int  # every planned course done
    people_started: int  # at least one planned course done
    courses_planned: int
    courses_done: int
    jp_planned: int
    jp_done: int


def plan_round(year: int) -> Round | None:
    """The latest round whose scoring finished by the end of ``year``."""
    end = timezone.make_aware(datetime(year + 1, 1, 1))  # noqa: DTZ001 (made aware in the region's zone)
    return (
        Round.objects.filter(scoring__state=ScoringRun.State.DONE, scoring__finished_at__lt=end)
        .select_related("scoring")
        .order_by("-scoring__finished_at", "-pk")
        .first()
    )


def _plans(round_: Round) -> dict[int, tuple[tuple[str, int], ...]]:
    """Employee id -> ((course code, JP), ...) of their personal plan; cached like the roadmap."""
    courses = catalogue.courses()
    finished = round_.scoring.finished_at.timestamp() if round_.scoring.finished_at else 0
    offer = hashlib.sha256(repr(courses).encode()).hexdigest()[:16]
    key = f"training:plans:{current_schema()}:{round_.pk}:{finished}:{offer}"
    plans: dict[int, tuple[tuple[str, int], ...]] | None = cache.get(key)
    if plans is None:
        plans = {}
        for score in Score.objects.filter(round=round_, complete=True).only(
            "employee_id", "areas", "competences"
        ):
            plan = roadmaps.personal_plan(score)
            if plan.courses:
                plans[score.employee_id] = tuple((p.course.code, p.course.jp) for p in plan.courses)
        cache.set(key, plans, timeout=3600)
    return plans


def plan_progress(year: int) -> PlanProgress | None:
    """Planned against done for ``year`` (see the module's docstring); None without a scored round."""
    round_ = plan_round(year)
    if round_ is None or round_.scoring.finished_at is None:
        return None
    start = max(date(year, 1, 1), timezone.localdate(round_.scoring.finished_at))
    end = date(year, 12, 31)
    active = set(Employee.objects.filter(is_active=True).values_list("pk", flat=True))
    plans = {pk: courses for pk, courses in _plans(round_).items() if pk in active}
    codes = dict(TrainingCourse.objects.values_list("pk", "code"))
    done: dict[int, set[str]] = defaultdict(set)
    for employee_id, course_id in TrainingRecord.objects.filter(
        employee_id__in=list(plans), course__isnull=False, completed_on__range=(start, end)
    ).values_list("employee_id", "course_id"):
        done[employee_id].add(codes.get(course_id, ""))
    met = started = courses_done = jp_done = 0
    for pk, planned in plans.items():
        hits = [(code, jp) for code, jp in planned if code in done[pk]]
        courses_done += len(hits)
        jp_done += sum(jp for _, jp in hits)
        started += bool(hits)
        met += len(hits) == len(planned)
    return PlanProgress(
        round_id=round_.pk,
        round_name=round_.name,
        start=start,
        end=end,
        people_planned=len(plans),
        people_met=met,
        people_started=started,
        courses_planned=sum(len(p) for p in plans.values()),
        courses_done=courses_done,
        jp_planned=sum(jp for p in plans.values() for _, jp in p),
        jp_done=jp_done,
    )
