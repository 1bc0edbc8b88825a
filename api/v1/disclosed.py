"""A round's aggregate figures as an API key with ``results:read`` may read them: the stored figures the
results pages show (``reading.figures``), with small groups hidden by the benchmark's disclosure rule.

Why hide here when the region's own pages show every unit: the pages are read by the region's staff
behind their roles, and the admin may open any single person's result anyway. A ``results:read`` key
is meant for aggregates only (``results:personal`` is the scope for single people), and a unit or a
segment of three people is close to three people's results. So the one rule that decides what leaves
a region for the national benchmark (``benchmark.disclosure.protect``: groups under ``MIN_CELL``
hidden, and enough others that no hidden group can be worked out from the total) decides here too.
It is applied to the counts: the region total, the units as one breakdown, and each segment dimension
as one breakdown; people outside the stored categories form a remainder cell, so every breakdown
partitions the round's participants as the rule requires. The figures of a group shown are the
stored ones (means over plausible values, docs/scoring.md 2.12), unchanged.

A region total under ``MIN_CELL`` hides everything. Ranking follows the pages: only units of
``reading.SMALL_GROUP`` (30) people or more are ranked, best first, among the units shown.

Limit: level shares and the histogram of a group shown are expected counts (means over draws), as the
pages show them; they are not coarsened the way the benchmark's whole-person counts are.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessment.results.models import Aggregate
from assessment.results.services import reading
from assessment.results.services.segments import DIMENSIONS
from assessment.rounds.models import Round
from benchmark import disclosure

REMAINDER = "\x00remainder"  # people outside the stored categories: a cell of its own, never shown
UNIT = "unit"


@dataclass(frozen=True)
class Group:
    """One group of a round as the API shows it: ``figures`` is None when the group is hidden."""

    dimension: str
    key: str
    label: str
    figures: Aggregate | None
    eligible: int | None  # employees invited (units; None for segments)
    rank: int | None  # units of SMALL_GROUP or more, among those shown; None otherwise
    reason: str | None  # why hidden (disclosure.Reason), None when shown

    @property
    def suppressed(self) -> bool:
        return self.figures is None


@dataclass(frozen=True)
class Breakdown:
    dimension: str
    label: str
    withheld: bool  # the whole breakdown is hidden (too few people to protect its cells)
    groups: tuple[Group, ...]


@dataclass(frozen=True)
class DisclosedRound:
    round: Round
    region: Group
    units: tuple[Group, ...]
    segments: tuple[Breakdown, ...]
    min_cell: int = disclosure.MIN_CELL
    small_group: int = reading.SMALL_GROUP


def _table(name: str, rows: list[Aggregate], total: int) -> disclosure.Table:
    cells = {row.key: disclosure.Cell(row.n) for row in rows}
    rest = total - sum(row.n for row in rows)
    if rest > 0:
        cells[REMAINDER] = disclosure.Cell(rest)
    return disclosure.Table(name, cells)


def _reason(table: disclosure.PublishedTable | None, key: str) -> str | None:
    if table is None:
        return None
    if table.suppressed:
        return str(table.reason)
    cell = table.cells.get(key)
    return str(cell.reason) if cell is not None and cell.reason is not None else None


def disclosed(round_: Round) -> DisclosedRound:
    """The region, its units and its segments for a scored round, small groups hidden."""
    figures = reading.figures(round_)
    rows = list(Aggregate.objects.filter(round=round_))
    total = figures.region.n if figures.region is not None else 0
    by_dimension: dict[str, list[Aggregate]] = {}
    for row in rows:
        if row.dimension != "region":
            by_dimension.setdefault(row.dimension, []).append(row)
    names = [UNIT, *DIMENSIONS]
    # Sums can only exceed the total in inconsistent data; the rule's validation would refuse it.
    release = disclosure.Release(
        disclosure.Cell(total), [_table(name, by_dimension.get(name, []), total) for name in names]
    )
    protected = disclosure.protect(release)
    tables = {t.name: t for t in protected.tables}
    region_reason = str(protected.total.reason) if protected.total.reason is not None else None
    region = Group("region", "all", "", None if region_reason else figures.region, None, None, region_reason)

    shown_ranked = [
        u for u in figures.ranked if _reason(tables.get(UNIT), u.key) is None and not region_reason
    ]
    ranks = {u.key: k for k, u in enumerate(shown_ranked, start=1)}

    def group(dimension: str, row: Aggregate, eligible: int | None) -> Group:
        reason = region_reason or _reason(tables.get(dimension), row.key)
        rank = ranks.get(row.key) if dimension == UNIT and reason is None else None
        return Group(dimension, row.key, row.label, None if reason else row, eligible, rank, reason)

    units = tuple(group(UNIT, u, u.eligible) for u in figures.units)
    segments = []
    for dimension, (label, categories) in DIMENSIONS.items():
        order = {key: n for n, (key, _label) in enumerate(categories)}
        stored = sorted(by_dimension.get(dimension, []), key=lambda a: order.get(a.key, 99))
        table = tables.get(dimension)
        withheld = bool(region_reason) or (table is not None and table.suppressed)
        segments.append(
            Breakdown(dimension, str(label), withheld, tuple(group(dimension, a, None) for a in stored))
        )
    return DisclosedRound(round_, region, units, tuple(segments))
