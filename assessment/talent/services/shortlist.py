"""A shortlist for a role: "Diskominfo needs five people at level 3 or above in data literacy".

Design and reasons:

- Candidates are the active employees (optionally of a unit with its sub-units, and of a position
  type) whose *latest scored result* (``register.latest_scores``) puts the chosen competence area at
  the minimum level or above. The level is the stored area level, the one the result page shows.
- Ranking: the area's score (EAP, before rounding) from high to low; equal scores by the overall index,
  then by name, so the order is stable and can be explained. The ranking rests on one test per person,
  so the cut is explained too: who beyond it has the same shown score (a tie), and how many beyond it
  are within measurement error of the last one chosen (their 95 % intervals overlap): the order among
  them is not a measured difference.
- Evidence per name: the area score with its SE and interval, level, the items of the area in the
  form, the round and the date of the test, items answered of those administered, JP this year and JP
  in courses of that area (training records matched to the region's catalogue, whose competences name
  the area), and whether the round's parameters were provisional (``instrument.basis``).
- Set-based: candidates come from one query over the filtered register: the area's entry is picked
  from the stored JSON and the level compared in PostgreSQL (``area_entry``), so only the eligible
  people's one entry reaches Python; evidence comes from one query per source for the chosen names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F, Func, JSONField, Sum, Value
from django.db.models.functions import Cast
from django.utils import timezone

from assessment.instrument.basis import ParameterBasis
from assessment.results.models import TrainingCourse
from assessment.results.services import catalogue, reading
from assessment.talent.services import register
from assessment.talent.services.register import AreaMark, LatestResult, TalentFilters
from assessment.training.models import TrainingRecord
from assessment.training.services.hours import jp_by_employee

MAX_WANTED = 100


@dataclass(frozen=True)
class ShortlistRequest:
    role: str
    area: str  # the framework's area code
    min_level: int
    wanted: int
    unit_id: int | None = None
    position_type: str = ""

    def as_audit(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


@dataclass(frozen=True)
class Evidence:
    rank: int
    employee_id: int
    name: str
    nip: str
    unit: str
    position_title: str
    area: AreaMark
    result: LatestResult
    jp_year: Decimal
    jp_area: Decimal  # this year, in catalogue courses of the area
    provisional: bool
    tied: bool  # same shown score as another candidate on the other side of the cut or beside it

    @property
    def completeness(self) -> int:
        """Percent of administered national items answered."""
        if not self.result.administered:
            return 0
        return round(100 * self.result.answered / self.result.administered)


@dataclass(frozen=True)
class Shortlist:
    request: ShortlistRequest
    area_name: str
    chosen: tuple[Evidence, ...]
    eligible: int  # candidates at the level or above
    ties_at_cut: tuple[Evidence, ...]  # beyond the cut, with the last one's shown score (the first 20)
    tied_total: int  # how many beyond the cut have that score (a whole level's worth on a big register)
    within_error: int  # beyond the cut, within measurement error of the last chosen one
    rounds: tuple[tuple[int, str, dict[str, Any]], ...]  # (id, name, parameters) the names rest on
    area_courses: tuple[str, ...]  # catalogue course codes counted as the area's
    year: int

    @property
    def too_few(self) -> bool:
        return self.eligible < self.request.wanted

    @property
    def provisional(self) -> bool:
        return any(ParameterBasis.from_json(p).provisional for _, _, p in self.rounds)


def area_course_codes(area: str, round_id: int | None) -> tuple[str, ...]:
    """Codes of the region's catalogue courses that train a competence of ``area``."""
    rounds = reading.scored_rounds()
    round_ = next((r for r in rounds if r.pk == round_id), rounds[0] if rounds else None)
    if round_ is None:
        return ()
    fw = reading.framework_of(round_)
    catalogue.ensure_seeded()
    codes = []
    for code, competences in TrainingCourse.objects.values_list("code", "competences"):
        if any(fw.competences.get(str(c), ("",))[0] == area for c in competences or []):
            codes.append(code)
    return tuple(sorted(codes))


def _area_jp(year: int, employee_ids: list[int], courses: tuple[str, ...]) -> dict[int, Decimal]:
    if not employee_ids or not courses:
        return {}
    rows = (
        TrainingRecord.objects.filter(
            employee_id__in=employee_ids, completed_on__year=year, course__code__in=courses
        )
        .values("employee_id")
        .annotate(total=Sum("jp"))
        .order_by()
    )
    return {r["employee_id"]: r["total"] for r in rows}


AREA_ENTRY = "$[*] ? (@.area == $number || @.area == $code)"


def area_entry(area: str) -> Func:
    """The latest score's stored entry for ``area`` (code as text or as number in the JSON), picked in
    PostgreSQL so ~10,000 area lists are not sent over and decoded in Python to keep one entry each."""
    variables = {"code": area, "number": int(area) if area.isdigit() else None}
    return Func(
        F("latest__areas"),
        Value(AREA_ENTRY),
        Cast(Value(json.dumps(variables)), output_field=JSONField()),
        function="jsonb_path_query_first",
        output_field=JSONField(),
    )


def _candidates(req: ShortlistRequest, on: date) -> list[tuple[float, float, str, int, dict[str, Any]]]:
    """(area score, index, name, employee id, area entry) of everyone at the level or above."""
    filters = TalentFilters(unit_id=req.unit_id, position_type=req.position_type)
    qs = register.employees(filters, on).filter(latest__isnull=False)  # type: ignore[misc]
    qs = qs.annotate(entry=area_entry(req.area)).filter(entry__level__gte=req.min_level)
    rows = qs.values_list("pk", "full_name", "latest__index", "entry")
    found = [(float(entry["score"]), float(index or 0), name, pk, entry) for pk, name, index, entry in rows]
    found.sort(key=lambda c: (-c[0], -c[1], c[2], c[3]))
    return found


# Tied names shown with their evidence: on 12,500 employees one shown score can be shared by hundreds,
# and a page of hundreds of evidence cards helps no one choose; the rest are counted.
MAX_TIES_SHOWN = 20


def shortlist(req: ShortlistRequest, *, on: date | None = None) -> Shortlist:
    on = on or timezone.localdate()
    candidates = _candidates(req, on)
    wanted = max(1, min(req.wanted, MAX_WANTED))
    chosen_ids = [c[3] for c in candidates[:wanted]]
    last = candidates[wanted - 1] if len(candidates) >= wanted else None
    beyond = candidates[wanted:]
    tie_ids: list[int] = []
    within = 0
    if last is not None:
        last_shown = register.shown_value(last[0])
        tie_ids = [c[3] for c in beyond if register.shown_value(c[0]) == last_shown]
        last_low = last[4].get("low")
        if last_low is not None:
            within = sum(1 for c in beyond if c[4].get("high") is not None and c[4]["high"] >= last_low)
    tied_total = len(tie_ids)
    tie_ids = tie_ids[:MAX_TIES_SHOWN]  # in rank order; the rest are counted, not each shown with evidence
    wanted_ids = chosen_ids + tie_ids
    details = _details(wanted_ids, on)
    first_round = next((details[pk]["result"].round_id for pk in chosen_ids if pk in details), None)
    courses = area_course_codes(req.area, first_round)
    jp_year = jp_by_employee(on.year, wanted_ids)
    jp_area = _area_jp(on.year, wanted_ids, courses)
    tied_shown = {register.shown_value(last[0])} if last is not None and tie_ids else set()

    def evidence(rank: int, pk: int) -> Evidence:
        d = details[pk]
        result: LatestResult = d["result"]
        mark = next(m for m in result.areas if m.area == req.area)
        return Evidence(
            rank=rank,
            employee_id=pk,
            name=d["name"],
            nip=d["nip"],
            unit=d["unit"],
            position_title=d["position_title"],
            area=mark,
            result=result,
            jp_year=jp_year.get(pk, Decimal(0)),
            jp_area=jp_area.get(pk, Decimal(0)),
            provisional=ParameterBasis.from_json(result.parameters).provisional,
            tied=mark.shown in tied_shown,
        )

    chosen = tuple(evidence(n, pk) for n, pk in enumerate(chosen_ids, start=1))
    ties = tuple(evidence(len(chosen_ids) + n, pk) for n, pk in enumerate(tie_ids, start=1))
    rounds: dict[int, tuple[int, str, dict[str, Any]]] = {}
    for e in chosen:
        rounds.setdefault(e.result.round_id, (e.result.round_id, e.result.round_name, e.result.parameters))
    area_name = next((m.name for e in chosen for m in e.result.areas if m.area == req.area), req.area)
    if not chosen:
        area_name = dict(register.current_areas()).get(req.area, req.area)
    return Shortlist(
        request=req,
        area_name=area_name,
        chosen=chosen,
        eligible=len(candidates),
        ties_at_cut=ties,
        tied_total=tied_total,
        within_error=within,
        rounds=tuple(rounds.values()),
        area_courses=courses,
        year=on.year,
    )


def _details(ids: list[int], on: date) -> dict[int, dict[str, Any]]:
    """Name, unit and latest result of the given employees (one query)."""
    if not ids:
        return {}
    qs = register.employees(TalentFilters(), on).filter(pk__in=ids)
    frameworks = register.Frameworks()
    out: dict[int, dict[str, Any]] = {}
    for v in qs.values(*register.FIELDS, "position_title"):
        out[v["pk"]] = {
            "name": v["full_name"],
            "nip": v["nip"],
            "unit": v["unit__name"],
            "position_title": v["position_title"],
            "result": register.result_of(v, frameworks),
        }
    return out
