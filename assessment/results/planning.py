"""Learning plans for one person and a training roadmap for a region: pure functions, no database.

Scale: competence levels, area scores and indexes run from 1.0 to 4.0 (1 Dasar, 2 Menengah, 3 Mahir,
4 Sangat Mahir). A value's *level* is :func:`assessment.scoring.scale.level_of`, the engine's rule that
the pages, PDFs and exports use as well: the cuts are at 1.5, 2.5 and 3.5 and a value on a cut belongs
to the upper level (2.5 is Mahir, 2.49 Menengah). Planning with another rule (the first version rounded
down, so 2.7 was a gap to level 3) trained 18% of competence values that the same page showed as
mastered.

**Gaps** (:func:`is_gap`). A competence's value is *indicative* (docs/scoring.md 3.2): the area score,
moved by how the person's share of points on the competence's two to four items compares with the
area's. It is a gap to ``target_level`` (3, Mahir) only where the evidence supports it:

* its level is below the target (by the rule above; a value shown at the target is never a gap), and
* either the area score is below the target too (the 12-item area measurement and the competence's
  own items agree), or, in an area at or above the target, the value lies at least
  :data:`RELATIVE_EVIDENCE` (0.75) below the area score. That is a share of points on the competence
  half the maximum or more below the area's share (0 of 3 points against 60%): with two or three items
  a person whose competence matches their area falls that far in under one case in ten, whereas a
  value a few hundredths under the cut in a well-measured area is noise, not a training need.

Without area scores (an old caller) only the first condition applies.

**Learning plan** (:func:`learning_plan`). Gaps are taken largest first (ties by competence code). A
course *fits* a gap when it lists the competence and its level range holds the competence's level
(``level_from <= level < level_to``). For each gap not yet addressed, the plan takes the fitting course
that addresses the most gaps not yet addressed, then the one with fewer JP, then the lower code, among
the courses that still fit in the year's budget (20 JP, the yearly training every ASN is owed). A course
is taken once. When no fitting course fits in the remaining budget, the best fitting one goes to
``later`` (next year). Gaps that no course in the catalogue fits are ``uncovered``.

**Roadmap** (:func:`roadmap`). A planning model; its effect is an *assumption*, not a measured effect.
Assumption: a completed course raises each gap competence it addresses by ``gain_per_course`` levels
(0.25 by default), never above the course's ``level_to`` (the middle of that level's band). An area
score rises by the mean rise of its competences (capped at 4.0), and the index by the mean rise of the
areas. Year by year, people whose projected index is below ``target_index`` are trained, lowest index
first, each with their own learning plan for that year (the same gaps as above, on their projected
values; within ``budget_jp``, never repeating a course completed in an earlier year), until the
projected mean index of *all* people reaches the target or the years run out. People at or above the
target are never trained. ``projected_index`` has one value per year; once the target is reached no
further training is planned, so the later years repeat the value. Only the next round's measurement
shows the real change.
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assessment.instrument.files import Course
from assessment.scoring.scale import DEFAULT_CUTS, level_of

__all__ = [
    "BUDGET_JP",
    "RELATIVE_EVIDENCE",
    "CompetenceNeed",
    "CourseNeed",
    "Gap",
    "LearningPlan",
    "PersonNeed",
    "PlannedCourse",
    "Roadmap",
    "UnitNeed",
    "is_gap",
    "learning_plan",
    "roadmap",
    "shown_value",
]

BUDGET_JP = 20  # jam pelajaran (45 minutes) of training every ASN is owed each year
MIN_LEVEL = 1.0
MAX_LEVEL = 4.0
_EPS = 1e-9
_LEVELS = 5  # whole levels 1..4 as list positions; 0 means "not a gap"
_NOT_MEASURED = math.inf  # the level of a competence a person has no estimate for: never a gap
RELATIVE_EVIDENCE = 0.75  # how far below an at-target area score a competence must lie to be a gap


def is_gap(value: float | None, area_score: float | None = None, target_level: int = 3) -> bool:
    """Whether a competence's indicative value is a gap to ``target_level`` (see the module doc): its
    level (``level_of``) is below the target, and either its area's score is below the target too, or
    the value lies at least ``RELATIVE_EVIDENCE`` below the area score. Unknown area: the level alone."""
    if value is None or not math.isfinite(value) or level_of(value) >= target_level:
        return False
    if area_score is None or not math.isfinite(area_score) or level_of(area_score) < target_level:
        return True
    return value <= area_score - RELATIVE_EVIDENCE + _EPS


def shown_value(value: float, digits: int = 1) -> float:
    """A value on the 1-4 scale with one decimal (or ``digits``), rounded down: the cuts (1.5, 2.5, 3.5)
    are one-decimal numbers, so the shown number always has the level shown beside it (2.47 reads 2.4
    Menengah, never 2.5 Menengah; 2.499 reads 2.49 with two) and a value below the target never reads as
    the target (2.96 never "3.0")."""
    scale = 10**digits
    return math.floor(value * scale + _EPS) / scale


# --------------------------------------------------------------------------- learning plan: types


@dataclass(frozen=True)
class Gap:
    """A competence below the target level."""

    competence: str
    level: float
    target: int

    @property
    def size(self) -> float:
        return self.target - self.level


@dataclass(frozen=True)
class PlannedCourse:
    """A course in a plan and the person's gap competences it addresses."""

    course: Course
    competences: tuple[str, ...]
    reason: str  # Indonesian, shown to the employee


@dataclass(frozen=True)
class LearningPlan:
    """One person's courses for this year, within the JP budget, plus what waits for next year."""

    courses: tuple[PlannedCourse, ...]
    total_jp: int
    total_cost_idr: int
    gaps: tuple[Gap, ...]
    uncovered: tuple[str, ...]  # gap competences that no course in the catalogue fits
    later: tuple[PlannedCourse, ...]  # fitting courses that did not fit in this year's budget


# --------------------------------------------------------------------------- shared greedy core


def _code_key(code: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of competence codes: "1.2" < "1.10"; non-numeric parts sort after numbers."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in code.split("."))


def _clip(value: float) -> float:
    return MIN_LEVEL if value < MIN_LEVEL else MAX_LEVEL if value > MAX_LEVEL else float(value)


def _is_level(value: object) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _levels(values: Mapping[str, float], codes: Sequence[str]) -> list[float]:
    """Values in ``codes`` order, kept within 1-4; a missing, empty or NaN value is "not measured"."""
    return [
        _NOT_MEASURED
        if v is None or v != v
        else MIN_LEVEL
        if v < MIN_LEVEL
        else MAX_LEVEL
        if v > MAX_LEVEL
        else v
        for v in map(values.get, codes)
    ]


_Candidate = tuple[int, int, int, int, tuple[int, ...]]  # course index, JP, level from, level to, competences


class _Catalogue:
    """Courses and competences as small integers, precomputed once for the greedy choice.

    Competence ids follow the competence code order, so sorting gaps by (level, id) sorts them by
    (level, code). Courses are sorted by (JP, code); ``fit[j][w]`` lists the courses that build
    competence ``j`` at whole level ``w`` in that order, so the affordable ones come first.
    """

    def __init__(self, courses: Iterable[Course], codes: Iterable[str] = ()) -> None:
        self.courses: tuple[Course, ...] = tuple(sorted(courses, key=lambda c: (c.jp, c.code)))
        every = {c for course in self.courses for c in course.competences} | set(codes)
        self.codes: tuple[str, ...] = tuple(sorted(every, key=lambda c: (_code_key(c), c)))
        self.cid: dict[str, int] = {c: j for j, c in enumerate(self.codes)}
        self.jp: tuple[int, ...] = tuple(c.jp for c in self.courses)
        self.cost: tuple[int, ...] = tuple(c.cost_idr for c in self.courses)
        self.lo: tuple[int, ...] = tuple(max(1, c.level_from) for c in self.courses)  # 0 means "no gap"
        self.hi: tuple[int, ...] = tuple(c.level_to for c in self.courses)
        self.comps: tuple[tuple[int, ...], ...] = tuple(
            tuple(dict.fromkeys(self.cid[c] for c in course.competences)) for course in self.courses
        )
        fit: list[list[list[int]]] = [[[] for _ in range(_LEVELS)] for _ in self.codes]
        for k, comps in enumerate(self.comps):
            for level in range(self.lo[k], min(_LEVELS - 1, self.hi[k] - 1) + 1):
                for j in comps:
                    fit[j][level].append(k)
        self.fit: tuple[tuple[tuple[_Candidate, ...], ...], ...] = tuple(
            tuple(
                tuple((k, self.jp[k], self.lo[k], self.hi[k], self.comps[k]) for k in ks) for ks in per_level
            )
            for per_level in fit
        )
        self.min_jp: int = min(self.jp, default=0)


@functools.lru_cache(maxsize=8)
def _catalogue_for(courses: tuple[Course, ...], codes: frozenset[str]) -> _Catalogue:
    """One catalogue per (courses, measured competences): a table of plans (the per-employee export,
    10,000 rows) builds it once instead of once per person, which was most of a plan's cost."""
    return _Catalogue(courses, codes)


def _choose(
    order: Sequence[int],
    whole: list[int],
    cat: _Catalogue,
    budget_jp: int,
    done: set[int] | frozenset[int] = frozenset(),
    *,
    plan_later: bool = True,
) -> tuple[list[tuple[int, list[int]]], list[tuple[int, list[int]]], list[int]]:
    """The greedy choice on plain integers: (chosen, later, uncovered), a course as (index, the gaps it
    builds). ``order`` holds the gap competence ids, largest gap first; ``whole[j]`` is the whole level of
    gap ``j`` (0 if ``j`` is not a gap); ``done`` holds courses completed before. Without ``plan_later``
    (the roadmap) ``later`` and ``uncovered`` stay empty and the search stops when the budget is spent."""
    fit = cat.fit
    open_ = whole.copy()  # whole levels of the gaps no chosen course builds yet; 0 once built
    chosen: list[tuple[int, list[int]]] = []
    later: list[tuple[int, list[int]]] = []
    used: set[int] = set(done)
    deferred: set[int] = set()  # built by a course put off to next year
    uncovered: list[int] = []
    left = budget_jp
    min_jp = cat.min_jp
    for j in order:
        w = open_[j]
        if not w:
            continue
        if left < min_jp and not plan_later:
            break
        best: _Candidate | None = None
        best_later: _Candidate | None = None
        best_n = later_n = 0
        for candidate in fit[j][w]:  # by (JP, code): the first of equal coverage wins
            k, jp_k, lo_k, hi_k, comps_k = candidate
            if jp_k > left and (best is not None or not plan_later):
                break  # the rest cost even more
            if k in used:
                continue
            n = 0
            for c in comps_k:
                if lo_k <= open_[c] < hi_k:
                    n += 1
            if jp_k <= left:
                if n > best_n:
                    best, best_n = candidate, n
            elif n > later_n:
                best_later, later_n = candidate, n
        if best is not None:
            k, jp_k, lo_k, hi_k, comps_k = best
            built = [c for c in comps_k if lo_k <= whole[c] < hi_k]
            chosen.append((k, built))
            used.add(k)
            left -= jp_k
            for c in built:
                open_[c] = 0
        elif not plan_later:
            continue
        elif best_later is not None:
            if j not in deferred:
                k, _, lo_k, hi_k, comps_k = best_later
                built = [c for c in comps_k if lo_k <= whole[c] < hi_k]
                later.append((k, built))
                used.add(k)
                deferred.update(built)
        elif j not in deferred:  # no fitting course left: none at all, or all completed before
            uncovered.append(j)
    return chosen, later, uncovered


# --------------------------------------------------------------------------- learning plan


def _decimal(value: float) -> str:
    """One decimal with a comma, rounded down as on the pages (:func:`shown_value`)."""
    return f"{shown_value(value):.1f}".replace(".", ",")


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " dan " + parts[-1]


def _reason(gaps: Sequence[Gap], *, next_year: bool = False) -> str:
    text = "Menutup kesenjangan pada " + _join(
        [f"{g.competence} (tingkat {_decimal(g.level)} → target {g.target})" for g in gaps]
    )
    return text + "; belum muat dalam anggaran JP tahun ini" if next_year else text


def _target_floor(target_level: int) -> float:
    """The least value whose ``level_of`` is ``target_level`` or more (2.5 for level 3)."""
    cuts = DEFAULT_CUTS.score_at_cut
    return (
        -math.inf
        if target_level <= 1
        else math.inf
        if target_level > len(cuts) + 1
        else cuts[target_level - 2]
    )


def _gap_order(
    levels: Sequence[float],
    target_level: int,
    area_scores: Sequence[float] = (),
    area_of: Sequence[int] = (),
) -> tuple[list[int], list[int]]:
    """The gap ids, largest gap first (ties by code), and the level of each competence (0: no gap).
    ``area_scores[area_of[j]]`` is the score of competence ``j``'s area (``_NOT_MEASURED`` if unknown;
    no ``area_of`` at all: the level alone decides). This is :func:`is_gap` with the target's cut taken
    out of the loop: the roadmap runs it for every person, competence and year."""
    floor = _target_floor(target_level)
    whole = [0] * len(levels)
    for j, v in enumerate(levels):
        if v < floor:  # below the target by the rule of level_of (_NOT_MEASURED never is)
            area = area_scores[area_of[j]] if area_of and area_of[j] >= 0 else _NOT_MEASURED
            if area < floor or area == _NOT_MEASURED or v <= area - RELATIVE_EVIDENCE + _EPS:
                whole[j] = level_of(v)
    order = [j for j, w in enumerate(whole) if w]
    order.sort(key=levels.__getitem__)  # stable: equal levels stay in code order
    return order, whole


def learning_plan(
    competence_levels: Mapping[str, float],
    courses: Sequence[Course],
    *,
    budget_jp: int = BUDGET_JP,
    target_level: int = 3,
    area_scores: Mapping[str, float] | None = None,
) -> LearningPlan:
    """This year's courses for one person, from their (indicative) level per competence, 1.0-4.0, and
    their area scores (area code -> score; without them a gap is decided by the level alone)."""
    cat = _catalogue_for(tuple(courses), frozenset(competence_levels))
    levels = _levels(competence_levels, cat.codes)
    area_codes = sorted(area_scores or ())
    aid = {a: m for m, a in enumerate(area_codes)}
    areas = _levels(area_scores or {}, area_codes)
    order, whole = _gap_order(levels, target_level, areas, [aid.get(_area_of(c), -1) for c in cat.codes])
    gaps = {j: Gap(cat.codes[j], levels[j], target_level) for j in order}
    chosen, later, uncovered = _choose(order, whole, cat, budget_jp)

    def planned(k: int, built: list[int], *, next_year: bool = False) -> PlannedCourse:
        return PlannedCourse(
            cat.courses[k],
            tuple(cat.codes[j] for j in built),
            _reason([gaps[j] for j in built], next_year=next_year),
        )

    return LearningPlan(
        courses=tuple(planned(k, b) for k, b in chosen),
        total_jp=sum(cat.jp[k] for k, _ in chosen),
        total_cost_idr=sum(cat.cost[k] for k, _ in chosen),
        gaps=tuple(gaps.values()),
        uncovered=tuple(cat.codes[j] for j in uncovered),
        later=tuple(planned(k, b, next_year=True) for k, b in later),
    )


# --------------------------------------------------------------------------- roadmap: types


@dataclass(frozen=True)
class PersonNeed:
    """What the roadmap needs of one measured person."""

    unit: str
    index: float
    area_scores: Mapping[str, float]  # area code ("1".."5") -> score
    competence_levels: Mapping[str, float]  # competence code ("1.1") -> level


@dataclass(frozen=True)
class CourseNeed:
    code: str
    title: str
    people: int
    jp_total: int
    cost_total: int


@dataclass(frozen=True)
class UnitNeed:
    unit: str
    people: int  # people trained
    jp_total: int
    cost_total: int
    start_index: float  # mean of everyone in the unit
    projected_index: float  # the same after the last planned year


@dataclass(frozen=True)
class CompetenceNeed:
    competence: str
    people: int  # people trained in it


@dataclass(frozen=True)
class Roadmap:
    """The region's training need to move its mean index towards a target, under the stated model."""

    target_index: float
    start_index: float
    projected_index: tuple[float, ...]  # mean index of all people after each year
    reached: bool
    people_trained: int
    by_course: tuple[CourseNeed, ...]  # most people first
    by_unit: tuple[UnitNeed, ...]  # by unit name
    by_competence: tuple[CompetenceNeed, ...]  # by competence code
    total_jp: int
    total_cost_idr: int


# --------------------------------------------------------------------------- roadmap


def _area_of(competence: str) -> str:
    return competence.split(".", 1)[0]


def roadmap(
    people: Sequence[PersonNeed],
    courses: Sequence[Course],
    *,
    target_index: float,
    years: int,
    budget_jp: int = BUDGET_JP,
    gain_per_course: float = 0.25,
    target_level: int = 3,
) -> Roadmap:
    """Plan training year by year until the mean index reaches ``target_index`` (see the module doc)."""
    n = len(people)
    gain = max(0.0, gain_per_course)
    measured_codes = {c for p in people for c in p.competence_levels}
    cat = _Catalogue(courses, measured_codes)
    codes, jp, cost, hi = cat.codes, cat.jp, cat.cost, cat.hi

    # Areas: from the area scores and the competence codes; an area's size counts its measured competences.
    area_codes = sorted({a for p in people for a in p.area_scores} | {_area_of(c) for c in measured_codes})
    aid = {a: m for m, a in enumerate(area_codes)}
    area_of = [aid.get(_area_of(c), -1) for c in codes]
    area_size = [0] * len(area_codes)
    for c in measured_codes:
        area_size[aid[_area_of(c)]] += 1
    n_areas = len(area_codes) or 1

    index = [_clip(p.index) if _is_level(p.index) else MIN_LEVEL for p in people]
    start_of = index.copy()
    start = sum(index) / n if n else 0.0
    total = sum(index)
    goal = target_index * n - _EPS  # compare sums, not means, inside the loop
    # Per person, made when first trained: levels by competence id, area scores by area id, courses done.
    levels: list[list[float] | None] = [None] * n
    areas: list[list[float]] = [[] for _ in range(n)]
    done: list[set[int]] = [set() for _ in range(n)]
    person_jp = [0] * n
    person_cost = [0] * n
    course_people = [0] * len(cat.courses)
    competence_people: list[set[int]] = [set() for _ in codes]
    no_rise = [0.0] * len(area_codes)

    projected: list[float] = []
    for _year in range(max(0, years)):
        if n and total < goal:
            queue = sorted((i for i in range(n) if index[i] < target_index - _EPS), key=index.__getitem__)
            for i in queue:
                if total >= goal:
                    break
                mine = levels[i]
                if mine is None:
                    mine = levels[i] = _levels(people[i].competence_levels, codes)
                    areas[i] = _levels(people[i].area_scores, area_codes)
                score = areas[i]
                order, whole = _gap_order(mine, target_level, score, area_of)
                if not order:
                    continue
                taken = done[i]
                chosen, _, _ = _choose(order, whole, cat, budget_jp, taken, plan_later=False)
                if not chosen:
                    continue
                rise = no_rise.copy()
                for k, built in chosen:
                    taken.add(k)
                    course_people[k] += 1  # a course is never repeated, so enrolments are people
                    person_jp[i] += jp[k]
                    person_cost[i] += cost[k]
                    cap = hi[k]
                    for j in built:
                        competence_people[j].add(i)
                        before = mine[j]
                        after = before + gain if before + gain < cap else cap
                        if after > before:
                            mine[j] = after
                            rise[area_of[j]] += after - before
                index_rise = 0.0
                for m, r in enumerate(rise):
                    if r:
                        up = r / area_size[m]
                        if score[m] != _NOT_MEASURED:
                            up = max(0.0, min(up, MAX_LEVEL - score[m]))
                            score[m] += up
                        index_rise += up
                up = max(0.0, min(index_rise / n_areas, MAX_LEVEL - index[i]))
                index[i] += up
                total += up
        projected.append(min(MAX_LEVEL, total / n) if n else 0.0)

    final = projected[-1] if projected else start
    units: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(people):
        units[p.unit].append(i)
    by_course = sorted(
        (
            CourseNeed(cat.courses[k].code, cat.courses[k].title, count, count * jp[k], count * cost[k])
            for k, count in enumerate(course_people)
            if count
        ),
        key=lambda r: (-r.people, r.code),
    )
    by_unit = [
        UnitNeed(
            unit=u,
            people=sum(1 for i in members if done[i]),
            jp_total=sum(person_jp[i] for i in members),
            cost_total=sum(person_cost[i] for i in members),
            start_index=sum(start_of[i] for i in members) / len(members),
            projected_index=sum(index[i] for i in members) / len(members),
        )
        for u, members in sorted(units.items())
    ]
    by_competence = [CompetenceNeed(codes[j], len(who)) for j, who in enumerate(competence_people) if who]
    return Roadmap(
        target_index=target_index,
        start_index=start,
        projected_index=tuple(projected),
        reached=n > 0 and final >= target_index - _EPS,
        people_trained=sum(1 for d in done if d),
        by_course=tuple(by_course),
        by_unit=tuple(by_unit),
        by_competence=tuple(by_competence),
        total_jp=sum(person_jp),
        total_cost_idr=sum(person_cost),
    )
