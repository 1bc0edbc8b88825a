"""The talent register: every active employee with their latest scored result and this year's JP.

Design and reasons:

- *Latest scored result*: the employee's newest complete score in a round whose scoring is done,
  newest by the person's own submit time (a round may run for weeks). An incomplete attempt has no
  index and no area levels, so it never hides an older complete one. The figures are the stored ones
  (``results.Score``: index, level, per-area score/SE/level), exactly what the result page and the
  per-employee export read; the shown value is ``planning.shown_value`` (one decimal, rounded down) so a
  number never reads as another level. Nothing is scored again here.
- *Segments*: rank group and age band are the results' own functions
  (``results.services.segments.rank_group`` / ``age_band``) applied to the *current* register (talent
  is about today's staff, not the cell a person was in when tested). Filtering runs in SQL with the
  same rules written as expressions (``rank_group_sql``, ``age_band_q``); a test holds the two equal.
- *Set-based*: a handful of queries whatever the page: the level counts (which give the total: one
  grouped query over employees LEFT JOIN their latest score), the page's employee ids (sorted and cut
  in SQL; the score join only when a level filter or the index sort needs it, so a page by name reads
  the employee table alone), the page's details by primary key (one query), the page's JP
  (``training.services.hours``), and the framework of each round on the page (read once per request;
  the view passes in the one it already read). No query per row.
- *JP sort in SQL*: the year's JP total is a ``SUM`` over a LEFT JOIN of that year's records
  (``with_jp``, the same rule as ``hours.jp_by_employee``), so sorting by JP is ``ORDER BY ... LIMIT``
  like the other sorts instead of ranking every employee in Python. Ties by name, then id.
- *Sub-units*: a unit filter takes the unit with every unit under it (the tree by ``parent``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    Func,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessment.people.models import Employee, WorkUnit
from assessment.results.models import Score, ScoringRun
from assessment.results.planning import shown_value
from assessment.results.services import reading
from assessment.results.services.segments import age_band, rank_group
from assessment.results.services.segments import label as segment_label
from assessment.rounds.models import Round
from assessment.training.services.hours import REQUIRED_JP_PER_YEAR, jp_by_employee

PAGE_SIZE = 50
AGE_BANDS = ("<30", "30-39", "40-49", "50+")
AGE_CUTS = {"<30": (None, 30), "30-39": (30, 40), "40-49": (40, 50), "50+": (50, None)}
RANK_GROUPS = ("I", "II", "III", "IV", "PPPK")
NOT_RECORDED = "none"  # the filter value for a segment the register leaves empty
NOT_MEASURED = "none"  # the level filter value for employees without a scored result
SORTS = ("name", "-index", "index", "unit", "-jp")
ZERO = Decimal("0")


@dataclass(frozen=True)
class TalentFilters:
    unit_id: int | None = None
    position_type: str = ""
    rank_group: str = ""  # I..IV, PPPK, "none"
    age_band: str = ""  # AGE_BANDS or "none"
    level: str = ""  # "1".."4" or "none" (no scored result)
    query: str = ""  # name or NIP
    sort: str = "name"

    def as_audit(self) -> dict[str, Any]:
        """The filters as the audit trail keeps them (a NIP typed as a query is masked by ``scrub``)."""
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


@dataclass(frozen=True)
class AreaMark:
    area: str  # the framework's area code
    name: str
    score: float
    shown: float  # one decimal, rounded down (``planning.shown_value``)
    level: int
    level_name: str
    se: float | None
    low: float | None
    high: float | None
    items: int  # items of the area in the test form


@dataclass(frozen=True)
class LatestResult:
    score_id: int
    round_id: int
    round_name: str
    taken_on: date | None
    index: float
    shown: float
    index_se: float | None
    level: int
    level_name: str
    areas: tuple[AreaMark, ...]
    answered: int
    administered: int
    parameters: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class TalentRow:
    employee_id: int
    name: str
    nip: str
    unit: str
    position_type: str
    status: str
    rank: str
    rank_group: str
    age_band: str
    result: LatestResult | None
    jp: Decimal
    jp_required: int = REQUIRED_JP_PER_YEAR

    @property
    def position_label(self) -> str:
        return segment_label("position_type", self.position_type)

    @property
    def age_label(self) -> str:
        return segment_label("age_band", self.age_band)


@dataclass(frozen=True)
class TalentPage:
    rows: tuple[TalentRow, ...]
    total: int  # employees matching the filters
    level_counts: dict[str, int]  # "1".."4" and "none"
    page: int
    pages: int
    year: int


# --------------------------------------------------------------------------- segments in SQL


def rank_group_sql() -> Case:
    """``segments.rank_group`` as SQL: PPPK of both kinds, else the rank's golongan before the slash."""
    return Case(
        When(
            employment_status__in=[Employee.Status.PPPK, Employee.Status.PPPK_PARUH_WAKTU], then=Value("PPPK")
        ),
        default=Func(F("rank"), Value("/"), Value(1), function="split_part", output_field=CharField()),
        output_field=CharField(),
    )


def _turned(on: date, years: int) -> date:
    """The latest birth date of someone who is ``years`` old on ``on`` (29 February falls to the 28th)."""
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def age_band_q(band: str, on: date) -> Q:
    """``segments.age_band`` as a condition on ``birth_date``: age >= n exactly when born on or before
    ``_turned(on, n)``."""
    if band == NOT_RECORDED:
        return Q(birth_date__isnull=True)
    low, high = AGE_CUTS[band]
    q = Q(birth_date__isnull=False)
    if low is not None:
        q &= Q(birth_date__lte=_turned(on, low))
    if high is not None:
        q &= Q(birth_date__gt=_turned(on, high))
    return q


def unit_with_subunits(unit_id: int) -> list[int]:
    """The unit and every unit under it: one query per level of the tree."""
    ids = {unit_id}
    frontier = [unit_id]
    while frontier:
        frontier = [
            pk
            for pk in WorkUnit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            if pk not in ids
        ]
        ids.update(frontier)
    return sorted(ids)


# --------------------------------------------------------------------------- the query


def latest_scores() -> RawSQL:
    """Each employee's newest complete score in a round scored to the end, as one DISTINCT ON
    subquery (pk only). Raw SQL only because a ``FilteredRelation`` refuses a QuerySet in its
    condition; the SQL is the QuerySet's own (no user input), so it follows the models."""
    latest = (
        Score.objects.filter(complete=True, round__scoring__state=ScoringRun.State.DONE)
        .order_by("employee_id", F("attempt__submitted_at").desc(nulls_last=True), "-pk")
        .distinct("employee_id")
        .values("pk")
    )
    sql, params = latest.query.sql_with_params()
    return RawSQL(sql, params)  # noqa: S611


def latest_condition() -> Q:
    """Which of an employee's scores is ``latest``. With one scored round (the usual case: a region
    measures once a year) it is the employee's complete score in it, a plain join; with more, the
    DISTINCT ON subquery, which PostgreSQL runs once and hashes (uncorrelated)."""
    done = list(ScoringRun.objects.filter(state=ScoringRun.State.DONE).values_list("round_id", flat=True)[:2])
    if len(done) == 1:
        return Q(scores__round_id=done[0], scores__complete=True)
    return Q(scores__pk__in=latest_scores())


def employees(filters: TalentFilters, on: date) -> QuerySet[Employee]:
    """Active employees matching ``filters``, each LEFT JOINed to their latest score as ``latest``."""
    qs = Employee.objects.filter(is_active=True).annotate(
        latest=FilteredRelation("scores", condition=latest_condition()),
        rank_grp=rank_group_sql(),
    )
    if filters.unit_id:
        qs = qs.filter(unit_id__in=unit_with_subunits(filters.unit_id))
    if filters.position_type:
        qs = qs.filter(position_type=filters.position_type)
    if filters.rank_group:
        qs = qs.filter(rank_grp="" if filters.rank_group == NOT_RECORDED else filters.rank_group)
    if filters.age_band:
        qs = qs.filter(age_band_q(filters.age_band, on))
    if filters.level == NOT_MEASURED:
        qs = qs.filter(latest__isnull=True)
    elif filters.level:
        qs = qs.filter(latest__level=int(filters.level))
    if filters.query:
        term = filters.query.strip()
        qs = qs.filter(nip__startswith=term) if term.isdigit() else qs.filter(full_name__icontains=term)
    return qs


FIELDS = (
    "pk",
    "full_name",
    "nip",
    "unit__name",
    "position_type",
    "employment_status",
    "rank",
    "birth_date",
    "latest__pk",
    "latest__round_id",
    "latest__index",
    "latest__index_se",
    "latest__level",
    "latest__areas",
    "latest__answered",
    "latest__attempt__submitted_at",
)


def with_jp(qs: QuerySet[Employee], year: int) -> QuerySet[Employee]:
    """``qs`` annotated with ``jp_year``, the employee's JP completed in ``year`` (0 without records):
    the rule of ``hours.jp_by_employee``, as a LEFT JOIN on that year's records grouped by employee,
    so PostgreSQL sums them in one hashed pass (a correlated subquery per employee costs ~8x more)."""
    decimal = DecimalField(max_digits=9, decimal_places=2)
    return qs.annotate(
        jp_records=FilteredRelation(
            "training_records", condition=Q(training_records__completed_on__year=year)
        ),
        jp_year=Coalesce(Sum("jp_records__jp"), Value(ZERO), output_field=decimal),
    )


def _ordered(qs: QuerySet[Employee], sort: str, year: int) -> QuerySet[Employee]:
    if sort == "-index":
        return qs.order_by(F("latest__index").desc(nulls_last=True), "full_name", "pk")
    if sort == "index":
        return qs.order_by(F("latest__index").asc(nulls_last=True), "full_name", "pk")
    if sort == "unit":
        return qs.order_by("unit__name", "full_name", "pk")
    if sort == "-jp":
        return with_jp(qs, year).order_by(F("jp_year").desc(), "full_name", "pk")
    return qs.order_by("full_name", "pk")


class Frameworks:
    """Rounds and their frameworks, read once per round per request (a region has a handful of rounds);
    the view shares one with the service so the newest round's framework is read once."""

    def __init__(self) -> None:
        self._rounds: dict[int, tuple[Round, reading.Framework]] = {}

    def newest(self) -> reading.Framework | None:
        """The newest scored round's framework (its level names and areas label the filters)."""
        # ``reading.scored_rounds()[0]`` in one query: Round's own ordering, newest first.
        round_ = (
            Round.objects.filter(scoring__state=ScoringRun.State.DONE)
            .select_related("bank__framework", "scoring")
            .first()
        )
        if round_ is None:
            return None
        if round_.pk not in self._rounds:
            self._rounds[round_.pk] = (round_, reading.framework_of(round_))
        return self._rounds[round_.pk][1]

    def get(self, round_id: int) -> tuple[Round, reading.Framework]:
        if round_id not in self._rounds:
            round_ = Round.objects.select_related("bank__framework", "scoring").get(pk=round_id)
            self._rounds[round_id] = (round_, reading.framework_of(round_))
        return self._rounds[round_id]


def area_marks(areas: Sequence[dict[str, Any]], fw: reading.Framework) -> tuple[AreaMark, ...]:
    """A score's stored areas as the result page names them (``reading.area_rows``)."""
    return tuple(
        AreaMark(
            area=str(a["area"]),
            name=str(a["name"]),
            score=float(a["score"]),
            shown=shown_value(float(a["score"])),
            level=int(a["level"]),
            level_name=fw.levels.get(int(a["level"]), ""),
            se=a.get("se"),
            low=a.get("low"),
            high=a.get("high"),
            items=int(a.get("n", 0) or 0),
        )
        for a in reading.area_rows(_AreasOnly(areas), fw)  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class _AreasOnly:
    """What ``reading.area_rows`` reads of a score, from a values() row."""

    areas: Sequence[dict[str, Any]]


def result_of(row: dict[str, Any], frameworks: Frameworks) -> LatestResult | None:
    if row["latest__pk"] is None:
        return None
    round_, fw = frameworks.get(row["latest__round_id"])
    marks = area_marks(row["latest__areas"] or [], fw)
    submitted: datetime | None = row["latest__attempt__submitted_at"]
    scoring = getattr(round_, "scoring", None)
    return LatestResult(
        score_id=row["latest__pk"],
        round_id=round_.pk,
        round_name=round_.name,
        taken_on=timezone.localdate(submitted) if submitted else None,
        index=row["latest__index"],
        shown=shown_value(row["latest__index"]),
        index_se=row["latest__index_se"],
        level=row["latest__level"],
        level_name=fw.levels.get(row["latest__level"], ""),
        areas=marks,
        answered=row["latest__answered"],
        administered=sum(m.items for m in marks),
        parameters=dict(scoring.parameters) if scoring is not None else {},
    )


def _row(v: dict[str, Any], on: date, jp: dict[int, Decimal], frameworks: Frameworks) -> TalentRow:
    return TalentRow(
        employee_id=v["pk"],
        name=v["full_name"],
        nip=v["nip"],
        unit=v["unit__name"],
        position_type=v["position_type"],
        status=v["employment_status"],
        rank=v["rank"],
        rank_group=rank_group(v["employment_status"], v["rank"]),
        age_band=age_band(v["birth_date"], on),
        result=result_of(v, frameworks),
        jp=jp.get(v["pk"], ZERO),
    )


def level_counts(qs: QuerySet[Employee]) -> dict[str, int]:
    counts = {"1": 0, "2": 0, "3": 0, "4": 0, NOT_MEASURED: 0}
    levels = qs.order_by().values_list("latest__level").annotate(n=Count("pk"))  # type: ignore[misc]
    for level, n in levels:
        counts[str(level) if level else NOT_MEASURED] += n
    return counts


def page_values(qs: QuerySet[Employee], ids: Sequence[int]) -> list[dict[str, Any]]:
    """The ``FIELDS`` of the given employees, in the order given: one read by primary key (the score
    joined through ``latest``, found by its index on the employee)."""
    found = {v["pk"]: v for v in qs.filter(pk__in=ids).order_by().values(*FIELDS)}
    return [found[pk] for pk in ids if pk in found]


def talent_page(
    filters: TalentFilters,
    page: int = 1,
    *,
    on: date | None = None,
    frameworks: Frameworks | None = None,
) -> TalentPage:
    """One page of the talent register, with the count and the level counts of everyone filtered."""
    on = on or timezone.localdate()
    qs = employees(filters, on)
    counts = level_counts(qs)
    total = sum(counts.values())
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * PAGE_SIZE
    # Narrow rows to sort and cut (ids only); the page's details are read by primary key afterwards.
    ids = list(_ordered(qs, filters.sort, on.year).values_list("pk", flat=True)[start : start + PAGE_SIZE])
    values = page_values(qs, ids) if ids else []
    jp = jp_by_employee(on.year, ids)
    frameworks = frameworks or Frameworks()
    rows = tuple(_row(v, on, jp, frameworks) for v in values)
    return TalentPage(rows, total, counts, page, pages, on.year)


def all_rows(filters: TalentFilters, *, on: date | None = None, chunk: int = 2000) -> Iterator[TalentRow]:
    """Every filtered employee in the page's order, for the export (chunked, JP per chunk; streamed
    from a server-side cursor, so 12,500 rows never sit in memory at once)."""
    on = on or timezone.localdate()
    qs = employees(filters, on)
    values = _ordered(qs, filters.sort, on.year).values(*FIELDS)
    frameworks = Frameworks()
    batch: list[dict[str, Any]] = []
    for v in values.iterator(chunk_size=chunk):
        batch.append(v)
        if len(batch) >= chunk:
            yield from _chunk(batch, on, frameworks)
            batch = []
    if batch:
        yield from _chunk(batch, on, frameworks)


def _chunk(batch: list[dict[str, Any]], on: date, frameworks: Frameworks) -> Iterator[TalentRow]:
    jp = jp_by_employee(on.year, [v["pk"] for v in batch])
    return (_row(v, on, jp, frameworks) for v in batch)


def current_areas() -> list[tuple[str, str]]:
    """The competence areas of the newest scored round's framework (code, name), for choices."""
    rounds = reading.scored_rounds()
    return reading.framework_of(rounds[0]).areas if rounds else []


__all__ = [
    "AGE_BANDS",
    "FIELDS",
    "NOT_MEASURED",
    "NOT_RECORDED",
    "PAGE_SIZE",
    "RANK_GROUPS",
    "SORTS",
    "AreaMark",
    "Frameworks",
    "LatestResult",
    "TalentFilters",
    "TalentPage",
    "TalentRow",
    "age_band_q",
    "all_rows",
    "area_marks",
    "current_areas",
    "employees",
    "latest_scores",
    "rank_group_sql",
    "result_of",
    "shown_value",
    "talent_page",
    "unit_with_subunits",
    "with_jp",
]
