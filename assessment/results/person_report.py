"""One employee's report, as the region admin opens it: the page the employee sees (index and its
interval, areas against the region, strengths, where to grow, this year's learning plan), read under the
admin's access rules.

``report_context`` builds what ``results/_person_result.html`` shows, for the employee's own page and
for the admin's; the two differ only in their frame (headings in the second or third person, the
employee's sign-out and idle timer, the admin's way back). Access is decided by the views: the employee
sees their own released result, the admin any scored employee of a scored round (a unit coordinator
does not open single people's results: they follow participation).

``unit_results`` lists one unit's employees with their result in the newest scored round, for the unit
page's links; one query, ordered by name, capped (a unit of a thousand people is paged by name search
on the participant list instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assessment.results import presentation
from assessment.results.models import Aggregate, Score
from assessment.results.services import reading, roadmaps
from assessment.results.services.reading import index_interval
from assessment.rounds.models import Round

UNIT_LIST_LIMIT = 300


def report_context(score: Score, *, about_someone: bool = False) -> dict[str, Any]:
    """The figures of one complete score, as the result page shows them (``about_someone``: to the
    admin, in the third person)."""
    fw = reading.framework_of(score.round)
    areas = reading.area_rows(score, fw)
    region = Aggregate.objects.filter(round=score.round, dimension="region").first()
    plan = roadmaps.personal_plan(score)
    low, high = index_interval(score)
    competences = reading.competence_rows(score, fw)
    return {
        "score": score,
        "employee": score.employee,
        "level_name": fw.levels.get(score.level, ""),
        "areas": areas,
        "chart": presentation.person_charts(areas, region, about_someone=about_someone),
        "gaps": competences[:5],
        "strengths": list(reversed(competences[-3:])),
        "competences": competences,
        "plan": plan,
        "low": low,
        "high": high,
        "framework": fw,
    }


@dataclass(frozen=True)
class UnitResultRow:
    employee_id: int
    name: str
    nip: str
    complete: bool
    index: float | None
    level: int


@dataclass(frozen=True)
class UnitResults:
    round: Round | None
    rows: tuple[UnitResultRow, ...]
    total: int  # scored employees of the unit in the round (rows holds at most UNIT_LIST_LIMIT)


def unit_results(unit_id: int, limit: int = UNIT_LIST_LIMIT) -> UnitResults:
    """The unit's employees with a score in the newest scored round, by name."""
    rounds = reading.scored_rounds()
    if not rounds:
        return UnitResults(None, (), 0)
    round_ = rounds[0]
    scores = Score.objects.filter(round=round_, unit_id=unit_id)
    total = scores.count()
    rows = scores.order_by("employee__full_name").values_list(
        "employee_id", "employee__full_name", "employee__nip", "complete", "index", "level"
    )[:limit]
    return UnitResults(round_, tuple(UnitResultRow(*row) for row in rows), total)
