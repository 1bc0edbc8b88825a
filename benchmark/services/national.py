"""National figures from what is published now: weighted by participants, always with their counts.

Everything here reads only the benchmark's own tables (protected figures), never a region's schema, and
builds national and group figures from published cells alone: suppressed regions and hidden cells are left
out, not derived (subtracting published cells from a total built with them would expose hidden ones).
Results are cached per benchmark generation: a withdrawal shows at once, a publication once the warm-up
has built its pages (seconds; `generation`), the previous state's pages being served meanwhile.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db.models import Count, Max

from benchmark import coverage
from benchmark.models import Publication, PublishedCell
from benchmark.segments import DIMENSIONS as SEGMENT_KEYS
from benchmark.services import generation
from benchmark.services.cells import AREAS, DIMENSIONS
from tenants import wilayah

T = TypeVar("T")
Z95 = 1.959964
CACHE_SECONDS = 3600  # a generation lives until the next change; the warm-up rebuilds what it replaces
BUILD_SECONDS = 10
LOCAL_ENTRIES = 256  # figures kept per worker process (keys carry the generation: never stale)
_LOCAL: dict[str, Any] = {}


@dataclass(frozen=True)
class Filters:
    # The comparison group: an instrument version's scale, which holds that version's rounds and those
    # of later versions linked to it (Publication.scale); versions not linked are never mixed.
    instrument: str = ""
    period: int | None = None
    province: str = ""
    kind: str = ""

    def key(self) -> str:
        return f"{self.instrument}|{self.period}|{self.province}|{self.kind}"


@dataclass(frozen=True)
class RegionRow:
    """A region's latest published round in the chosen period (published figures only)."""

    code: str
    name: str
    kind: str
    province_code: str
    province_name: str
    publication: int
    round_name: str
    held_on: str
    participants: int
    eligible: int | None
    mean: float
    ci_low: float
    ci_high: float
    area_means: list[float]
    simulated: bool
    rank: int = 0
    provisional: bool = True  # the figures rest on provisional item parameters
    instrument: str = ""  # the version the round used, when it differs from the scale (linked)


@dataclass(frozen=True)
class Figure:
    """A weighted mean over regions or published cells, with how many regions and people it stands on."""

    label: str
    key: str
    regions: int
    people: int
    mean: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    area_means: list[float | None] = field(default_factory=list)
    # Below the coverage rule (benchmark.coverage): marked wherever shown, kept out of the trend line.
    limited: bool = True


@dataclass(frozen=True)
class Overview:
    filters: Filters
    national: Figure
    level_shares: list[float] | None
    level_basis: tuple[int, int]  # people behind the level shares, of whom in merged level groups
    trend: list[Figure]
    provinces: list[Figure]
    kinds: list[Figure]
    segments: dict[str, list[Figure]]
    distribution: tuple[list[float], list[int]]
    simulated: bool
    provisional: int = 0  # regions whose figures rest on provisional item parameters


def cache_key(name: str, key: str, stamp: int | None = None) -> str:
    """The shared cache's key of a figure: its generation, its kind, a digest of its filters."""
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:20]
    return f"benchmark:{generation.current() if stamp is None else stamp}:{name}:{digest}"


def remember(full: str, value: Any) -> None:
    """Keep a value in this process too: the key names its generation, so it can never be stale (except
    generation 0, before any change was recorded, which a rolled-back test database returns to)."""
    if full.startswith("benchmark:0:"):
        return
    if len(_LOCAL) >= LOCAL_ENTRIES:
        _LOCAL.clear()
    _LOCAL[full] = value


def forget() -> None:
    """Drop this process's copies (tests: a database rolled back to an earlier state)."""
    _LOCAL.clear()


def cached(name: str, key: str, build: Callable[[], T]) -> T:
    """``build()`` once per benchmark generation. The warm-up task (``benchmark.tasks``) builds the
    portal's figures right after a change, so a viewer finds them; should one arrive first, the first
    request builds them while the others wait, rather than every worker building the same at once."""
    full = cache_key(name, key)
    if full in _LOCAL:
        return cast(T, _LOCAL[full])
    value = cache.get(full)
    if value is not None:
        remember(full, value)
        return cast(T, value)
    if cache.add(f"{full}:building", 1, BUILD_SECONDS):
        try:
            value = build()
            cache.set(full, value, CACHE_SECONDS)
            remember(full, value)
        finally:
            cache.delete(f"{full}:building")
        return value
    deadline = time.monotonic() + BUILD_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.02)
        value = cache.get(full)
        if value is not None:
            return cast(T, value)
    return build()  # the builder died or is very slow: do not keep the visitor waiting longer


def instruments() -> list[str]:
    """Instrument versions with published rounds, the most recent first (they are never mixed)."""

    def build() -> list[str]:
        rows = (
            Publication.objects.values("scale")
            .annotate(last=Max("held_on"), n=Count("id"))
            .order_by("-last", "-n", "scale")
        )
        return [row["scale"] for row in rows]

    return cached("instruments", "", build)


def periods(instrument: str) -> list[int]:
    return cached(
        "periods",
        instrument,
        lambda: sorted(set(Publication.objects.filter(scale=instrument).values_list("period", flat=True))),
    )


def resolve(instrument: str = "", period: Any = None, province: str = "", kind: str = "") -> Filters:
    """Filters from a request, unknown values replaced by defaults: the latest instrument and year."""
    known = instruments()
    chosen = instrument if instrument in known else (known[0] if known else "")
    years = periods(chosen) if chosen else []
    try:
        year = int(period) if period not in (None, "") else None
    except (TypeError, ValueError):
        year = None
    if year not in years:
        year = years[-1] if years else None
    provinces = {r.province_code for r in wilayah.official_regions().values()}
    kinds = {wilayah.Kind.PROVINSI, wilayah.Kind.KABUPATEN, wilayah.Kind.KOTA}
    return Filters(chosen, year, province if province in provinces else "", kind if kind in kinds else "")


def _rows(filters: Filters) -> list[RegionRow]:
    """Each region's latest unsuppressed round of the period and instrument, ranked by index (every
    province and kind: ``regions`` narrows them down without asking the database again)."""
    if not filters.instrument or filters.period is None:
        return []
    qs = Publication.objects.filter(
        scale=filters.instrument, period=filters.period, suppressed=False
    ).order_by("region_code", "-held_on", "-published_at")
    fields = [
        "id",
        "region_code",
        "region_name",
        "kind",
        "province_code",
        "province_name",
        "round_name",
        "held_on",
        "participants",
        "eligible",
        "mean",
        "ci_low",
        "ci_high",
        "area_means",
        "simulated",
        "parameters__status",
        "instrument",
    ]
    latest = qs.distinct("region_code").values_list(*fields)
    rows = [
        RegionRow(
            code=r[1],
            name=r[2],
            kind=r[3],
            province_code=r[4],
            province_name=r[5],
            publication=r[0],
            round_name=r[6],
            held_on=r[7].isoformat(),
            participants=r[8],
            eligible=r[9],
            mean=r[10],
            ci_low=r[11] if r[11] is not None else r[10],
            ci_high=r[12] if r[12] is not None else r[10],
            area_means=list(r[13]),
            simulated=r[14],
            provisional=r[15] != "calibrated",
            instrument=r[16] if r[16] != filters.instrument else "",
        )
        for r in latest
    ]
    return _ranked(rows)


def _ranked(rows: Iterable[RegionRow]) -> list[RegionRow]:
    ordered = sorted(rows, key=lambda r: (-r.mean, r.code))
    return [replace(r, rank=i + 1) for i, r in enumerate(ordered)]


def regions(filters: Filters) -> list[RegionRow]:
    """The ranked regions under the filters: the year's rows for every province and kind come from one
    query (built by the warm-up after a change); a province or a kind is a filter of those in Python,
    ranked again within it, so no combination of filters costs a query."""
    if not filters.instrument or filters.period is None:
        return []
    everything = Filters(filters.instrument, filters.period)
    base = cached("rows", everything.key(), lambda: _rows(everything))
    if not filters.province and not filters.kind:
        return base

    def narrow() -> list[RegionRow]:
        return _ranked(
            replace(r, rank=0)
            for r in base
            if (not filters.province or r.province_code == filters.province)
            and (not filters.kind or r.kind == filters.kind)
        )

    return cached("rows", filters.key(), narrow)


def weighted(label: str, key: str, rows: Sequence[RegionRow]) -> Figure:
    """Participant-weighted mean of regions; its interval from the regions' own intervals (independent
    samples, so the variances add with the squared weights)."""
    people = sum(r.participants for r in rows)
    if not people:
        return Figure(label, key, 0, 0, None, limited=True)
    mean = sum(r.participants * r.mean for r in rows) / people
    variance = sum((r.participants / people) ** 2 * ((r.ci_high - r.ci_low) / (2 * Z95)) ** 2 for r in rows)
    half = Z95 * math.sqrt(variance)
    areas: list[float | None] = (
        [sum(r.participants * r.area_means[a] for r in rows) / people for a in range(AREAS)]
        if all(len(r.area_means) == AREAS for r in rows)
        else []
    )
    return Figure(
        label,
        key,
        len(rows),
        people,
        mean,
        mean - half,
        mean + half,
        areas,
        coverage.limited(len(rows), people),
    )


def _grouped(rows: Iterable[RegionRow], key: Callable[[RegionRow], tuple[str, str]]) -> list[Figure]:
    groups: dict[tuple[str, str], list[RegionRow]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    figures = [weighted(label, k, members) for (k, label), members in groups.items()]
    return sorted(figures, key=lambda f: (-(f.mean or 0), f.label))


@dataclass(frozen=True)
class YearCells:
    """The published cells of a year's ranked publications, loaded in one query: each publication's
    group cells (dimension, key, n, mean, area means) and its level groups. National group figures and
    level shares for any filters are sums of these in Python."""

    groups: dict[int, list[tuple[str, str, int, float, list[float]]]]
    levels: dict[int, list[list[int]]]


def year_cells(filters: Filters) -> YearCells:
    everything = Filters(filters.instrument, filters.period)

    def build() -> YearCells:
        ids = [r.publication for r in regions(everything)]
        groups: dict[int, list[tuple[str, str, int, float, list[float]]]] = defaultdict(list)
        levels: dict[int, list[list[int]]] = {}
        cells = PublishedCell.objects.filter(publication_id__in=ids, n__gt=0).values_list(
            "publication_id", "dimension", "key", "n", "mean", "area_means", "levels"
        )
        for pub, dimension, key, n, mean, areas, groups_of_levels in cells:
            if dimension == "region":
                levels[pub] = groups_of_levels or []
            else:
                groups[pub].append((dimension, key, n, mean, list(areas)))
        return YearCells(dict(groups), levels)

    return cached("cells", everything.key(), build)


def _segments(publications: Sequence[int], cells: YearCells) -> dict[str, list[Figure]]:
    """National figures per segment from the published cells only (hidden cells are not estimated)."""
    out: dict[str, list[Figure]] = {}
    if not publications:
        return out
    sums: dict[tuple[str, str], list[Any]] = {}
    for pub in publications:
        for dimension, key, n, mean, areas in cells.groups.get(pub, ()):
            found = sums.setdefault((dimension, key), [0, 0, 0.0, [0.0] * AREAS])
            found[0] += 1
            found[1] += n
            found[2] += n * mean
            for a in range(min(AREAS, len(areas))):
                found[3][a] += n * areas[a]
    for dimension in DIMENSIONS:
        figures = []
        for key, _text in SEGMENT_KEYS[dimension][1]:
            summed = sums.get((dimension, key))
            if summed is None or not summed[1]:
                continue
            regions_n, people, total, area_sums = summed
            figures.append(
                Figure(
                    key,  # labels are translated where shown: cached figures serve every language
                    key,
                    regions_n,
                    people,
                    total / people,
                    area_means=[a / people for a in area_sums],
                    limited=coverage.limited(regions_n, people),
                )
            )
        out[dimension] = figures
    return out


def _levels(publications: Sequence[int], cells: YearCells) -> tuple[list[float] | None, tuple[int, int]]:
    """National level shares from every region's published level groups. A group a region merged to
    protect small counts ("levels 3-4") is split in the proportions of the levels where regions published
    them apart; the second number of the basis says how many people sit in such merged groups."""
    groups_by_region = [cells.levels[pub] for pub in publications if pub in cells.levels]
    exact = [0.0, 0.0, 0.0, 0.0]
    for groups in groups_by_region:
        for start, stop, count in groups or []:
            if stop - start == 1:
                exact[start] += count
    counts = list(exact)
    merged_people = 0
    for groups in groups_by_region:
        for start, stop, count in groups or []:
            if stop - start > 1:
                merged_people += count
                weights = exact[start:stop]
                total = sum(weights)
                for k in range(start, stop):
                    counts[k] += count * (exact[k] / total if total else 1 / (stop - start))
    people = sum(counts)
    if not people:
        return None, (0, 0)
    return [c / people for c in counts], (round(people), merged_people)


def distribution(rows: Sequence[RegionRow], width: float = 0.1) -> tuple[list[float], list[int]]:
    """Histogram of the regions' index, bins of ``width`` on the 1-4 scale covering the data."""
    if not rows:
        return [], []
    lo = math.floor(min(r.mean for r in rows) / width) * width
    hi = math.ceil(max(r.mean for r in rows) / width + 1e-9) * width
    bins = max(1, round((hi - lo) / width))
    edges = [round(lo + width * k, 4) for k in range(bins + 1)]
    counts = [0] * bins
    for r in rows:
        counts[min(bins - 1, int((r.mean - lo) / width + 1e-9))] += 1
    return edges, counts


def _trend(filters: Filters) -> list[Figure]:
    """The national figure of every year, from each region's latest round of the year (the same rows
    as each year's ranking, so no query once the years are built)."""
    out = []
    for year in periods(filters.instrument):
        rows = regions(replace(filters, period=year))
        if rows:
            out.append(replace(weighted(str(year), str(year), rows), area_means=[]))
    return out


def overview(filters: Filters) -> Overview:
    def build() -> Overview:
        rows = regions(filters)
        ids = [r.publication for r in rows]
        cells = year_cells(filters) if rows else YearCells({}, {})
        levels, basis = _levels(ids, cells)
        return Overview(
            filters=filters,
            national=weighted("all", "all", rows),
            level_shares=levels,
            level_basis=basis,
            trend=_trend(filters),
            provinces=_grouped(rows, lambda r: (r.province_code, r.province_name)),
            kinds=_grouped(rows, lambda r: (r.kind, r.kind)),
            segments=_segments(ids, cells),
            distribution=distribution(rows),
            simulated=any(r.simulated for r in rows),
            provisional=sum(1 for r in rows if r.provisional),
        )

    return cached("overview", filters.key(), build)


def percentile(rows: Sequence[RegionRow], code: str) -> float | None:
    """Share of the other regions with a lower index, in percent (ties count half)."""
    mine = next((r for r in rows if r.code == code), None)
    others = [r for r in rows if r.code != code]
    if mine is None or not others:
        return None
    below = sum(1 for r in others if r.mean < mine.mean) + 0.5 * sum(1 for r in others if r.mean == mine.mean)
    return 100.0 * below / len(others)


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    kind: str
    province_code: str
    province_name: str
    publications: list[dict[str, Any]]  # every published round, newest first, with its figures


def profile_of(official: wilayah.OfficialRegion, publications: Iterable[Publication]) -> Profile:
    items = [
        {
            "id": p.pk,
            "round_name": p.round_name,
            "period": p.period,
            "held_on": p.held_on,
            "instrument": p.instrument,
            "scale": p.scale or p.instrument,
            "scale_note": p.scale_note,
            "simulated": p.simulated,
            "parameters": p.parameters,
            "published_at": p.published_at,
            "suppressed": p.suppressed,
            "participants": p.participants,
            "eligible": p.eligible,
            "mean": p.mean,
            "sd": p.sd,
            "ci_low": p.ci_low,
            "ci_high": p.ci_high,
            "area_means": p.area_means,
            "figures": p.figures,
        }
        for p in publications
    ]
    return Profile(
        official.code, official.name, official.kind, official.province_code, official.province_name, items
    )


def profile(code: str) -> Profile | None:
    """Every published round of a region, newest first (the warm-up builds all of them after a change)."""
    official = wilayah.get(code)
    if official is None:
        return None

    def build() -> Profile:
        pubs = Publication.objects.filter(region_code=official.code).order_by("-held_on", "-published_at")
        return profile_of(official, pubs)

    return cached("profile", official.code, build)
