"""Small-cell protection for the national benchmark: the one place where the disclosure rule lives.

Only aggregates of a region's round cross into the public schema. Before they do, ``protect`` hides every
group of fewer than ``MIN_CELL`` (10) people, and enough other numbers that no hidden group can be worked out
again from totals, margins, means or the other published tables. ``audit`` then checks the result on its own,
using only what a reader of the benchmark would see. **CI relies on ``audit``**: a release is publishable when
``audit(protect(release))`` returns no findings, and the property tests check that over many random releases.
A round published again must also pass ``audit_versions`` against every version published before (rule 7).

The rule (see ``docs/disclosure.md`` for the plain-language version):

1. Region. A region whose round has N < min_cell participants publishes nothing but that fact.
2. Primary suppression. In every breakdown (employment status, position, rank, age, sex, education; each
   partitions the N participants), a category with 0 < n < min_cell is hidden, all of it: n, means, SD, CI,
   level counts, histogram.
3. Zeros are published. n == 0 means only "nobody in this region is in that group" and singles no one out.
   A zero is never hidden to protect another cell: many zeros are structural (no PPPK in rank group IV), so a
   reader already knows them and hiding them would protect nothing. So a reader knows every hidden cell has
   n >= 1, and the next rule is built on that.
4. Complementary suppression. Within a breakdown, ``N - sum(published n)`` gives the combined size of the
   hidden cells, and ``N*mean - sum(n*mean)`` their combined score. So the hidden set H must have at least
   two cells, and each hidden cell must be able to hold min_cell people or more given that the others hold
   >= 1: ``sum(n over H) - (|H| - 1) >= min_cell``. The weaker "combined n >= min_cell" is not enough:
   hiding 9 and 1 (10 together) still tells the reader that both groups are small. More cells are hidden
   smallest n first (ties in category order). One extra cell of n >= min_cell always meets the condition, so
   smallest-first is also the choice that hides the fewest people. If no cell of n >= min_cell is left (only
   in tiny regions), the whole breakdown is withheld, zeros included.
5. Count vectors inside a cell (level counts overall and per area, the index histogram) count people too.
   They are **coarsened, never hidden bin by bin**: adjacent bins are merged until every published count is 0
   or >= min_cell. A level-4 count hidden in the "male" row would come back as ``total_L4 - female_L4``,
   because the region total's level counts are the column margin of every breakdown. Protecting that would
   take two-dimensional complementary suppression linked across all six breakdowns through the shared total.
   Instead each breakdown uses **one bin partition for all its cells**, and that partition
   - leaves every published cell's count, and the hidden cells' combined (derivable) count, 0 or >= min_cell;
   - is a coarsening of the partition published for the region total (which keeps the total fully published,
     so the breakdowns stay independent, see below).
   Then nothing finer than a published bin can be derived. By the Frechet bounds of a transportation table,
   any finer count lies in an interval whose top is a published count (0 or >= min_cell). The partition is
   chosen by dynamic programming. It keeps as many declared preferred cuts as it can (the level thresholds,
   see ``Nesting``), then as many bins as it can. Ties go to the leftmost cut.
6. Two vectors of the same value. If the overall level is a function of the index, and its thresholds fall on
   histogram edges (declared with ``Nesting``), a level count minus a histogram bin would expose people in the
   gap between them. So the level vector is published only at cuts that the histogram partition also has:
   merged levels, never new information.

7. Republication. A round may be published again (re-scored, withdrawn and sent again). Replacing the old
   figures does not make readers forget them, so every version ever published counts as known, and
   ``protect_against`` protects a new version against all of them; ``audit_versions`` checks it. The
   difference of two versions is what changed in between: people who came, left, moved between categories,
   or were scored again. If fewer than min_cell people make a difference, it gives them away: one person
   moved from S1 to S2 shows as n - 1 and n + 1 with sums that differ by exactly that person's scores.
   - Groups: each version publishes or implies blocks (its published cells, and its hidden cells together).
     A group both versions give is a union of *components*, the categories chained together by blocks of
     either version. Every union of components (not only each component: +13 and -12 cancel to +1) must
     change in size by 0 or >= min_cell, and so must every set of its bins where its size changed.
   - Values: a group of unchanged size may change its values only in a full re-score (``rescored``): then
     every person's values changed and the difference is a sum over the whole group. Otherwise the change
     may be one reopened attempt's. A declared re-score that leaves some groups exactly as they were is
     not one. From aggregates alone "one big change" cannot be told from "many small ones", so the region
     must say; the flag is its word, checked as far as the figures allow.
   - Monotone: a cell hidden in any version stays hidden (even when it is empty now: showing 0 would say
     its few people left), a withheld breakdown stays withheld, a hidden eligible count stays hidden, and
     no vector gets finer bins than before. Otherwise the two versions together narrow what each hid.
   - Remainder: cells shown before and hidden now are known to a reader who takes them as unchanged, so the
     cells hidden in every version must hold as a hidden set on their own (>= 2 cells, room for min_cell).
   ``protect_against`` hides the cells that a small difference runs through together with the cells it
   ran to (their union then shows no change), withholds a breakdown where that is not enough, and merges
   bins. The region total cannot be hidden: if it changed by 1..min_cell-1 people, or its values changed
   without a full re-score, the new version must be refused, and the earlier one stays.

Linked tables. The six breakdowns share only the region total, and every number of the total is published.
Each hidden cell appears in exactly one breakdown, and the constraints of one breakdown involve only its own
cells and the total. Given the total, the feasible sets of different breakdowns are independent, so combining
breakdowns cannot narrow a hidden cell beyond what its own breakdown allows. ``audit`` uses that split only
when the total is fully published; otherwise it solves one joint LP, so another scheme's cross-table leak
would show.

Limits, handled elsewhere or accepted (see the docs): republishing a round must replace the old figures, not
add to them, and be protected against every earlier version (7.); rounding of published means only removes
information; an attacker
who knows this algorithm can infer a little from which cells were chosen; a group whose people are all at one
level or one histogram bin reveals that value for each member (group attribute disclosure). National or
provincial figures must be built from protected figures only: aggregate minus published cells would
otherwise recover hidden cells and suppressed regions.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

MIN_CELL = 10
"""Smallest group size that may be published (ONS uses 10; see research C section 5)."""

_TOL = 1e-6
_V = TypeVar("_V")


class Reason(StrEnum):
    """Why a cell or table is hidden. Internal: the public view never shows it (see ``public_view``)."""

    PRIMARY = "primary"
    COMPLEMENTARY = "complementary"
    TABLE = "table"
    REGION = "region"
    EARLIER = "earlier"  # hidden because an earlier version of the same round hid it (protect_against)
    STORED = "stored"  # read back from a stored public view, which keeps no reasons (from_view)


class _FrozenMap(Mapping[str, _V]):
    """A read-only copy of a mapping that, unlike MappingProxyType, can be pickled and deep-copied."""

    __slots__ = ("_data",)

    def __init__(self, items: Mapping[str, _V]) -> None:
        self._data = dict(items)

    def __getitem__(self, key: str) -> _V:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return repr(self._data)

    def __reduce__(self) -> tuple[type[_FrozenMap[_V]], tuple[dict[str, _V]]]:
        return (_FrozenMap, (self._data,))


def _frozen_map(items: Mapping[str, _V]) -> Mapping[str, _V]:
    # Copy and freeze, so that neither caller nor callee can mutate the other's data.
    return _FrozenMap(items)


# ---------------------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True, eq=True)
class Cell:
    """One group's statistics, before protection.

    ``means`` are n-weighted means on the score scale (index, the five area means): the module relies on
    ``sum(n_i * mean_i) == N * mean`` holding over a breakdown. ``stats`` are the other values shown with the
    cell (SD, CI bounds); they are published or hidden with the cell. ``vectors`` are counts of people over
    ordered categories (levels 1-4 overall and per area, histogram bins); each sums to ``n``.
    """

    n: int
    means: Mapping[str, float] = field(default_factory=dict)
    stats: Mapping[str, float] = field(default_factory=dict)
    vectors: Mapping[str, Sequence[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "means", _frozen_map(self.means))
        object.__setattr__(self, "stats", _frozen_map(self.stats))
        object.__setattr__(self, "vectors", _frozen_map({k: tuple(v) for k, v in self.vectors.items()}))


@dataclass(frozen=True)
class Table:
    """A one-dimensional breakdown: its categories partition the region's participants (incl. "unknown")."""

    name: str
    cells: Mapping[str, Cell]

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", _frozen_map(self.cells))


@dataclass(frozen=True)
class Nesting:
    """Vector ``child`` is an aggregation of vector ``parent`` in every cell.

    Category ``c`` of the child covers parent bins ``starts[c]`` up to ``starts[c + 1]`` (the last one up to
    the end); ``starts[0]`` is 0. Example: overall level 1-4 from a 12-bin index histogram with thresholds
    on bin edges, ``Nesting("level", "histogram", (0, 3, 6, 9))``.
    """

    child: str
    parent: str
    starts: tuple[int, ...]


@dataclass(frozen=True)
class Release:
    """Everything one region publishes for one round: the region total and its breakdowns.

    ``value_range`` bounds every mean; ``audit`` gives the attacker that bound. ``eligible`` is the number
    of employees who could take part; it is published only when ``eligible - N`` (non-participants) is 0 or
    at least min_cell.
    """

    total: Cell
    tables: Sequence[Table]
    eligible: int | None = None
    value_range: tuple[float, float] = (1.0, 4.0)
    nestings: Sequence[Nesting] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", tuple(self.tables))
        object.__setattr__(self, "nestings", tuple(self.nestings))


# ---------------------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True)
class Group:
    """A published bin: bins ``start`` (inclusive) to ``stop`` (exclusive) of a vector merged into one count.

    ``count`` is None for a count hidden inside a published cell. ``protect`` never does that (it coarsens),
    but ``audit`` accepts it, so that it can also judge other schemes (the tests show why they leak).
    """

    start: int
    stop: int
    count: int | None


@dataclass(frozen=True)
class PublishedCell:
    """A cell after protection. A hidden cell keeps no values at all: ``n`` is None and the maps are empty."""

    n: int | None
    means: Mapping[str, float] = field(default_factory=dict)
    stats: Mapping[str, float] = field(default_factory=dict)
    vectors: Mapping[str, tuple[Group, ...]] = field(default_factory=dict)
    reason: Reason | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "means", _frozen_map(self.means))
        object.__setattr__(self, "stats", _frozen_map(self.stats))
        object.__setattr__(self, "vectors", _frozen_map({k: tuple(v) for k, v in self.vectors.items()}))

    @property
    def suppressed(self) -> bool:
        return self.reason is not None


@dataclass(frozen=True)
class PublishedTable:
    """A breakdown after protection. ``reason`` is set when the whole breakdown is withheld."""

    name: str
    cells: Mapping[str, PublishedCell]
    reason: Reason | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", _frozen_map(self.cells))

    @property
    def suppressed(self) -> bool:
        return self.reason is not None


@dataclass(frozen=True)
class ProtectedRelease:
    """The output of ``protect``: the same shape as ``Release``, with hidden values removed."""

    total: PublishedCell
    tables: tuple[PublishedTable, ...]
    eligible: int | None
    eligible_suppressed: bool
    min_cell: int
    value_range: tuple[float, float]
    nestings: tuple[Nesting, ...]

    @property
    def region_suppressed(self) -> bool:
        return self.total.suppressed


class FindingKind(StrEnum):
    SMALL_COUNT = "small_count"  # a published or exactly derivable count of people in 1..min_cell-1
    PINNED = "pinned"  # a hidden count has at most one feasible integer value
    SMALL_INTERVAL = "small_interval"  # a hidden count provably lies in 1..min_cell-1
    STRUCTURE = "structure"  # inconsistent numbers, or a hidden cell that still shows values
    # Between versions of one round (audit_versions):
    DIFFERENCE = "difference"  # a group's or a bin's count changed by 1..min_cell-1 people
    CHANGED = "changed"  # a group's values changed while its size did not, and not in a full re-score
    UNHIDDEN = "unhidden"  # shows what an earlier version hid, or pins down what every version hid


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    where: str
    lo: float | None = None
    hi: float | None = None
    detail: str = ""


# ---------------------------------------------------------------------------------------------------------
# protect


def protect(release: Release, *, min_cell: int = MIN_CELL) -> ProtectedRelease:
    """Apply the disclosure rule to one region's round and return what may be published.

    The input is validated (inconsistent input would make any protection argument void) and never mutated.
    The output is deterministic: it depends only on the input values and category order.
    """
    return _protect(release, min_cell, _Plan())


@dataclass(frozen=True)
class _Plan:
    """What ``protect`` must do beyond the rule for one release: the constraints that earlier versions of
    the same round set (``protect_against``). The empty plan is the rule alone."""

    hidden: Mapping[str, frozenset[str]] = field(default_factory=dict)  # breakdown -> categories to hide
    withheld: frozenset[str] = frozenset()  # breakdowns to withhold whole
    total_cuts: Mapping[str, frozenset[int]] = field(default_factory=dict)  # vector -> cuts it may keep
    table_cuts: Mapping[tuple[str, str], frozenset[int]] = field(default_factory=dict)  # (breakdown, vector)
    hide_eligible: bool = False


def _protect(release: Release, min_cell: int, plan: _Plan) -> ProtectedRelease:
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    _validate(release)
    total = release.total
    nestings = tuple(release.nestings)
    if total.n < min_cell:
        hidden = PublishedCell(n=None, reason=Reason.REGION)
        tables = tuple(PublishedTable(t.name, {}, Reason.REGION) for t in release.tables)
        return ProtectedRelease(hidden, tables, None, True, min_cell, release.value_range, nestings)

    children = {nest.child: nest for nest in nestings}
    preferred: dict[str, frozenset[int]] = {}
    for nest in nestings:
        preferred[nest.parent] = preferred.get(nest.parent, frozenset()) | frozenset(nest.starts[1:])
    sizes = {name: len(vector) for name, vector in total.vectors.items()}

    def partitions(
        rows: Sequence[Mapping[str, Sequence[int]]],
        base: Mapping[str, tuple[int, ...]] | None,
        limits: Mapping[str, frozenset[int]],
    ) -> dict[str, tuple[int, ...]]:
        cuts: dict[str, tuple[int, ...]] = {}
        for name in sizes:
            if name in children:
                continue
            allowed = base[name] if base is not None else tuple(range(sizes[name] + 1))
            if name in limits:  # an earlier version's bins: never publish finer than those
                allowed = tuple(c for c in allowed if c in limits[name])
            cuts[name] = _coarsen(
                [r[name] for r in rows], allowed, preferred.get(name, frozenset()), min_cell
            )
        for name, nest in children.items():
            kept = set(cuts[nest.parent])
            inner = [c for c in range(1, sizes[name]) if nest.starts[c] in kept]
            cuts[name] = (0, *inner, sizes[name])
        return cuts

    total_cuts = partitions([total.vectors], None, plan.total_cuts)
    out_total = _published(total, total_cuts, sizes)

    out_tables: list[PublishedTable] = []
    for table in release.tables:
        if table.name in plan.withheld:
            hidden_cells = {k: PublishedCell(n=None, reason=Reason.EARLIER) for k in table.cells}
            out_tables.append(PublishedTable(table.name, hidden_cells, Reason.TABLE))
            continue
        forced = plan.hidden.get(table.name, frozenset())
        reasons, withheld = _choose_suppression(table.cells, min_cell, forced)
        if withheld:
            hidden_cells = {k: PublishedCell(n=None, reason=reasons[k]) for k in table.cells}
            out_tables.append(PublishedTable(table.name, hidden_cells, Reason.TABLE))
            continue
        rows = [c.vectors for k, c in table.cells.items() if k not in reasons and c.n > 0]
        if reasons:
            hidden_vectors = [table.cells[k].vectors for k in reasons]  # empty cells too, when kept hidden
            rows.append(
                {name: _add(v.get(name, (0,) * size) for v in hidden_vectors) for name, size in sizes.items()}
            )
        limits = {name: cuts for (t, name), cuts in plan.table_cuts.items() if t == table.name}
        cuts = partitions(rows, total_cuts, limits)
        cells: dict[str, PublishedCell] = {}
        for key, cell in table.cells.items():
            reason = reasons.get(key)
            cells[key] = PublishedCell(n=None, reason=reason) if reason else _published(cell, cuts, sizes)
        out_tables.append(PublishedTable(table.name, cells))

    eligible: int | None = release.eligible
    eligible_hidden = False
    if eligible is not None and (plan.hide_eligible or not _publishable(eligible - total.n, min_cell)):
        eligible, eligible_hidden = None, True
    return ProtectedRelease(
        out_total, tuple(out_tables), eligible, eligible_hidden, min_cell, release.value_range, nestings
    )


def _publishable(count: int, min_cell: int) -> bool:
    return count == 0 or count >= min_cell


def _add(vectors: Iterable[Sequence[int]]) -> tuple[int, ...]:
    return tuple(sum(column) for column in zip(*vectors, strict=True))


def _choose_suppression(
    cells: Mapping[str, Cell], min_cell: int, forced: frozenset[str] = frozenset()
) -> tuple[dict[str, Reason], bool]:
    """Primary cells, the ``forced`` ones (hidden by an earlier version), then complementary ones smallest n
    first; True if the whole table must be withheld."""
    reasons = {k: Reason.PRIMARY for k, c in cells.items() if 0 < c.n < min_cell}
    reasons.update({k: Reason.EARLIER for k in cells if k in forced and k not in reasons})
    if not reasons:
        return reasons, False

    def safe() -> bool:
        # Each hidden cell is >= 1 (zeros are shown), so one of them can be at most sum - (|H| - 1).
        hidden_n = sum(cells[k].n for k in reasons)
        return len(reasons) >= 2 and hidden_n - (len(reasons) - 1) >= min_cell

    order = {k: i for i, k in enumerate(cells)}
    candidates = sorted(
        (k for k, c in cells.items() if c.n >= min_cell and k not in reasons),
        key=lambda k: (cells[k].n, order[k]),
    )
    for key in candidates:
        if safe():
            break
        reasons[key] = Reason.COMPLEMENTARY
    if safe():
        return reasons, False
    # Only small cells left: withhold the breakdown, zeros included, so no category is known to be small.
    return {k: reasons.get(k, Reason.COMPLEMENTARY) for k in cells}, True


def _coarsen(
    rows: Sequence[Sequence[int]], allowed: Sequence[int], preferred: frozenset[int], min_cell: int
) -> tuple[int, ...]:
    """The cut positions (from ``allowed``) of one partition valid for every row, chosen by DP.

    Valid: every row's count in every merged bin is 0 or >= min_cell. Best: most preferred cuts kept, then
    most bins, ties to the leftmost cut. The single bin is always valid because each row's sum is 0 or >=
    min_cell, so a solution always exists.
    """
    prefix = [list(itertools.accumulate(row, initial=0)) for row in rows]

    def valid(a: int, b: int) -> bool:
        return all(_publishable(p[b] - p[a], min_cell) for p in prefix)

    best: list[tuple[int, int] | None] = [None] * len(allowed)
    back = [0] * len(allowed)
    best[0] = (0, 0)
    for j in range(1, len(allowed)):
        for i in range(j):
            score = best[i]
            if score is None or not valid(allowed[i], allowed[j]):
                continue
            candidate = (score[0] + (allowed[i] in preferred), score[1] + 1)
            current = best[j]
            if current is None or candidate > current:
                best[j], back[j] = candidate, i
    if best[-1] is None:
        raise RuntimeError("no valid partition: a row sums to 1..min_cell-1")
    cuts = [len(allowed) - 1]
    while cuts[-1] != 0:
        cuts.append(back[cuts[-1]])
    return tuple(allowed[i] for i in reversed(cuts))


def _published(cell: Cell, cuts: Mapping[str, tuple[int, ...]], sizes: Mapping[str, int]) -> PublishedCell:
    vectors: dict[str, tuple[Group, ...]] = {}
    for name, size in sizes.items():
        counts = cell.vectors.get(name, (0,) * size)
        vectors[name] = tuple(Group(a, b, sum(counts[a:b])) for a, b in itertools.pairwise(cuts[name]))
    if cell.n == 0:
        return PublishedCell(n=0, vectors=vectors)
    return PublishedCell(n=cell.n, means=cell.means, stats=cell.stats, vectors=vectors)


def _validate(release: Release) -> None:
    total = release.total
    lo, hi = release.value_range
    if not lo < hi:
        raise ValueError("value_range must be (low, high) with low < high")
    sizes = {name: len(v) for name, v in total.vectors.items()}
    names = [t.name for t in release.tables]
    if len(set(names)) != len(names):
        raise ValueError("table names must be unique")

    def check_cell(where: str, cell: Cell) -> None:
        if cell.n < 0:
            raise ValueError(f"{where}: n is negative")
        if cell.n == 0:
            if any(any(v) for v in cell.vectors.values()):
                raise ValueError(f"{where}: n == 0 but a vector has counts")
            return
        if set(cell.vectors) != set(sizes) or any(len(v) != sizes[k] for k, v in cell.vectors.items()):
            raise ValueError(f"{where}: vectors differ from the region total's")
        for name, vector in cell.vectors.items():
            if min(vector, default=0) < 0 or sum(vector) != cell.n:
                raise ValueError(f"{where}: vector {name!r} must be non-negative and sum to n")
        if set(cell.means) != set(total.means):
            raise ValueError(f"{where}: means differ from the region total's")
        for name, mean in cell.means.items():
            if not lo - _TOL <= mean <= hi + _TOL:
                raise ValueError(f"{where}: mean {name!r} outside value_range")

    check_cell("total", total)
    for table in release.tables:
        for key, cell in table.cells.items():
            check_cell(f"{table.name}/{key}", cell)
        if sum(c.n for c in table.cells.values()) != total.n:
            raise ValueError(f"{table.name}: cells must sum to the region total N")
        for name, size in sizes.items():
            column = _add(c.vectors.get(name, (0,) * size) for c in table.cells.values())
            if column != tuple(total.vectors[name]):
                raise ValueError(f"{table.name}: vector {name!r} does not add up to the region total's")
        for name, mean in total.means.items():
            weighted = sum(c.n * c.means[name] for c in table.cells.values() if c.n > 0)
            if not math.isclose(weighted, total.n * mean, rel_tol=1e-9, abs_tol=1e-6):
                raise ValueError(f"{table.name}: n-weighted mean {name!r} does not add up to the total's")

    if release.eligible is not None and release.eligible < total.n:
        raise ValueError("eligible is smaller than the number of participants")
    seen_children: set[str] = set()
    parents = {nest.parent for nest in release.nestings}
    for nest in release.nestings:
        if nest.child not in sizes or nest.parent not in sizes or nest.child in parents:
            raise ValueError(f"nesting {nest.child!r} in {nest.parent!r}: unknown vector or a chain")
        if nest.child in seen_children:
            raise ValueError(f"vector {nest.child!r} nested twice")
        seen_children.add(nest.child)
        bounds = (*nest.starts, sizes[nest.parent])
        if (
            len(nest.starts) != sizes[nest.child]
            or nest.starts[0] != 0
            or list(bounds) != sorted(set(bounds))
        ):
            raise ValueError(f"nesting {nest.child!r}: starts must rise from 0, one per child category")
        cells = [total, *(c for t in release.tables for c in t.cells.values() if c.n > 0)]
        for cell in cells:
            parent = cell.vectors[nest.parent]
            derived = tuple(sum(parent[a:b]) for a, b in itertools.pairwise(bounds))
            if derived != tuple(cell.vectors[nest.child]):
                raise ValueError(f"nesting {nest.child!r}: counts differ from the {nest.parent!r} sums")


# ---------------------------------------------------------------------------------------------------------
# audit


def audit(result: ProtectedRelease, *, min_cell: int = MIN_CELL) -> list[Finding]:
    """Check a protected release the way a reader of the benchmark could attack it. Empty means safe.

    Independent of ``protect``: it uses only what is published, plus public facts: means lie in
    ``value_range``, vectors nest as declared, and zeros are shown. It does not read the reasons.

    1. Every published count is 0 or >= min_cell: N, eligible, non-participants, each cell's n, each bin.
    2. Structure: hidden cells show nothing, bins partition their vector, published numbers add up.
    3. Linear programming (``scipy.optimize.linprog``) over every published constraint:
       - each breakdown sums to the total, and each cell's vectors sum to its n;
       - every vector's columns sum to the region total's;
       - n-weighted means: each hidden cell's score sum lies between low*n and high*n;
       - nestings;
       - n >= 1 for hidden cells and hidden bins.
       The LP gives the interval [lo, hi] a reader can prove for each of these counts:
       - each hidden cell's n and its count in every published bin and every atom;
       - the same for the hidden cells of a breakdown taken together;
       - every hidden bin;
       - every atom inside a merged bin.
       (Atoms are the smallest spans that published bin edges cut out.)
       A hidden count is a finding when [lo, hi] holds a single integer other than 0 (recovered), or lies
       inside 1..min_cell-1 (the reader learns the group is small). A derivable count, such as the hidden
       cells together or an atom of a published cell, is a finding when it is exactly 1..min_cell-1, or
       provably inside that range.

    The LP relaxes the integer problem, so its intervals may be wider than the integer hull. To judge
    "recovered", it counts the integers inside [lo, hi] rather than testing hi - lo < 1. A count pinned at 0
    is never a finding: zeros are publishable.
    """
    findings = _count_findings(result, min_cell)
    structure = _structure_findings(result)
    findings.extend(structure)
    if structure or result.region_suppressed:
        return findings
    for index, tables in enumerate(_scopes(result)):
        compiled, targets = _build(result, tables, with_total_targets=index == 0)
        if targets and not compiled.seed_points(4):
            return [
                *findings,
                Finding(FindingKind.STRUCTURE, tables[0].name if tables else "total", detail="inconsistent"),
            ]
        for target in targets:
            # Shortcut: every solution found so far is feasible, so its value lies inside the true interval;
            # when those values already clear the target, the two exact LPs add nothing. Findings always come
            # from exact bounds.
            if _judge(target, compiled.hull(target.inner), min_cell, conclusive_only=True) is None:
                continue
            interval = compiled.interval(target.inner, target.outer)
            if interval is None:
                return [
                    *findings,
                    Finding(FindingKind.STRUCTURE, target.where, detail="numbers are inconsistent"),
                ]
            finding = _judge(target, interval, min_cell)
            if finding is not None:
                findings.append(finding)
    return findings


def feasible_interval(
    result: ProtectedRelease,
    table: str | None,
    cell: str | None = None,
    vector: str | None = None,
    span: tuple[int, int] | None = None,
) -> tuple[float, float]:
    """The interval a reader can prove for one count, by the same LP as ``audit``.

    ``table=None`` means the region total. Without ``vector`` the count is the cell's n. Otherwise it is the
    cell's count in bins ``span`` (default: all) of that vector, at any granularity, finer than published
    included. Inside an atom the split between fine bins is free, which the bounds reflect.
    """
    if result.region_suppressed:
        raise ValueError("the region is suppressed: nothing is published")
    scopes = _scopes(result)
    scope = next((s for s in scopes if table is None or any(t.name == table for t in s)), ())
    model = _Builder(result, scope)
    if table is None:
        row = model.total
    elif cell is not None and (table, cell) in model.rows:
        row = model.rows[table, cell]
    else:
        raise KeyError(f"no cell {table}/{cell}")
    if vector is None:
        inner = outer = {row.n: 1.0}
    else:
        a, b = span if span is not None else (0, model.sizes[vector])
        inner = model.span(row, vector, a, b, inner=True)
        outer = model.span(row, vector, a, b, inner=False)
    interval = model.compile().interval(inner, outer)
    if interval is None:
        raise ValueError("published numbers are inconsistent")
    return interval


def _count_findings(result: ProtectedRelease, min_cell: int) -> list[Finding]:
    found: list[Finding] = []

    def check(where: str, count: int | None) -> None:
        if count is not None and not _publishable(count, min_cell):
            found.append(
                Finding(FindingKind.SMALL_COUNT, where, count, count, "published count below min_cell")
            )

    def check_cell(where: str, cell: PublishedCell) -> None:
        check(f"{where}: n", cell.n)
        for name, groups in cell.vectors.items():
            for g in groups:
                check(f"{where}: {name}[{g.start}:{g.stop}]", g.count)

    check_cell("total", result.total)
    if result.eligible is not None and result.total.n is not None:
        check("eligible", result.eligible)
        check("eligible - N (non-participants)", result.eligible - result.total.n)
    for table in result.tables:
        for key, cell in table.cells.items():
            check_cell(f"{table.name}/{key}", cell)
    return found


def _structure_findings(result: ProtectedRelease) -> list[Finding]:
    found: list[Finding] = []

    def bad(where: str, detail: str) -> None:
        found.append(Finding(FindingKind.STRUCTURE, where, detail=detail))

    def shows_values(cell: PublishedCell) -> bool:
        return cell.n is not None or bool(cell.means or cell.stats or cell.vectors)

    total = result.total
    if total.suppressed:
        if shows_values(total) or result.eligible is not None:
            bad("total", "suppressed region still shows values")
        for table in result.tables:
            if any(not c.suppressed or shows_values(c) for c in table.cells.values()):
                bad(table.name, "suppressed region still shows cells")
        return found
    if total.n is None or any(not groups for groups in total.vectors.values()):
        bad("total", "published total without n or with an empty vector")
        return found
    sizes = _sizes(result)
    rows = [("total", total)] + [(f"{t.name}/{k}", c) for t in result.tables for k, c in t.cells.items()]
    for where, cell in rows:
        if cell.suppressed:
            if shows_values(cell):
                bad(where, "hidden cell still shows values")
            continue
        if cell.n is None or set(cell.vectors) != set(sizes):
            bad(where, "published cell without n, or with vectors unlike the region total's")
            continue
        for name, groups in cell.vectors.items():
            edges = [0, *(g.stop for g in groups)]
            if (
                [g.start for g in groups] != edges[:-1]
                or edges[-1] != sizes[name]
                or edges != sorted(set(edges))
            ):
                bad(where, f"bins of {name!r} do not partition the vector")
            known = [g.count for g in groups if g.count is not None]
            complete = len(known) == len(groups)
            if min(known, default=0) < 0 or sum(known) > cell.n or (complete and sum(known) != cell.n):
                bad(where, f"bins of {name!r} do not add up to n")
    for table in result.tables:
        published = [c.n for c in table.cells.values() if c.n is not None]
        all_shown = all(not c.suppressed for c in table.cells.values())
        if sum(published) > total.n or (all_shown and sum(published) != total.n):
            bad(table.name, "cells do not add up to the region total")
        if table.suppressed and not all(c.suppressed for c in table.cells.values()):
            bad(table.name, "withheld breakdown still shows cells")
    return found


def _sizes(result: ProtectedRelease) -> dict[str, int]:
    return {name: groups[-1].stop for name, groups in result.total.vectors.items()}


def _atom_cuts(result: ProtectedRelease) -> dict[str, tuple[int, ...]]:
    """Every bin edge published anywhere, closed under the nestings: the LP never needs finer bins."""
    sizes = _sizes(result)
    cuts = {name: {0, size} for name, size in sizes.items()}
    rows = [result.total, *(c for t in result.tables for c in t.cells.values())]
    for cell in rows:
        for name, groups in cell.vectors.items():
            cuts[name].update(e for g in groups for e in (g.start, g.stop))
    changed = True
    while changed:
        changed = False
        for nest in result.nestings:
            starts = (*nest.starts, sizes[nest.parent])
            for c, start in enumerate(starts):
                if (c in cuts[nest.child]) != (start in cuts[nest.parent]):
                    cuts[nest.child].add(c)
                    cuts[nest.parent].add(start)
                    changed = True
    return {name: tuple(sorted(c)) for name, c in cuts.items()}


def _scopes(result: ProtectedRelease) -> list[tuple[PublishedTable, ...]]:
    """Independent LPs. Breakdowns share only the region total; when all its atoms are published they
    decouple exactly and each gets its own small LP. Otherwise one joint LP covers them all."""
    atoms = _atom_cuts(result)
    fixed = all(
        all(g.count is not None for g in groups) and atoms[name] == (0, *(g.stop for g in groups))
        for name, groups in result.total.vectors.items()
    )
    if fixed and result.tables:
        return [(t,) for t in result.tables]
    return [tuple(result.tables)]


class _Compiled:
    """A linear programme in scipy's form; answers min and max of linear targets."""

    def __init__(
        self,
        eq: list[tuple[dict[int, float], float]],
        le: list[tuple[dict[int, float], float]],
        bounds: list[tuple[float | None, float | None]],
    ) -> None:
        self._a_eq, self._b_eq = self._matrix(eq, len(bounds))
        self._a_le, self._b_le = self._matrix(le, len(bounds))
        self._bounds = tuple(bounds)
        self._points: list[Any] = []  # feasible solutions seen so far (see audit's shortcut)

    @staticmethod
    def _matrix(rows: list[tuple[dict[int, float], float]], width: int) -> tuple[csr_matrix | None, Any]:
        if not rows:
            return None, None
        data: list[float] = []
        ri: list[int] = []
        ci: list[int] = []
        for r, (coefs, _) in enumerate(rows):
            ri.extend([r] * len(coefs))
            ci.extend(coefs)
            data.extend(coefs.values())
        matrix = csr_matrix((data, (ri, ci)), shape=(len(rows), width))
        return matrix, np.array([rhs for _, rhs in rows], dtype=float)

    def _extreme(self, coefs: Mapping[int, float], sign: float) -> float | None:
        c = np.zeros(len(self._bounds))
        for k, v in coefs.items():
            c[k] = sign * v
        return self._solve(c)

    def _solve(self, c: Any) -> float | None:
        res = linprog(
            c,
            A_ub=self._a_le,
            b_ub=self._b_le,
            A_eq=self._a_eq,
            b_eq=self._b_eq,
            bounds=self._bounds,
            method="highs",
        )
        if res.status == 2:
            return None
        if res.status == 3:
            return -math.inf
        if res.status != 0:
            raise RuntimeError(f"LP solver failed: {res.message}")
        self._points.append(res.x)
        return float(res.fun)

    def seed_points(self, count: int) -> bool:
        """Collect a few feasible points from fixed pseudo-random objectives; False if infeasible."""
        rng = np.random.default_rng(0)  # local and seeded: the audit is deterministic
        return all(self._solve(rng.uniform(-1.0, 1.0, len(self._bounds))) is not None for _ in range(count))

    def hull(self, coefs: Mapping[int, float]) -> tuple[float, float]:
        """Range of the target over the feasible points seen so far: inside the true interval."""
        keys = np.fromiter(coefs.keys(), dtype=int, count=len(coefs))
        weights = np.fromiter(coefs.values(), dtype=float, count=len(coefs))
        values = [float(point[keys] @ weights) for point in self._points]
        return min(values), max(values)

    def interval(self, inner: Mapping[int, float], outer: Mapping[int, float]) -> tuple[float, float] | None:
        """[min of inner, max of outer]; the two differ only for spans that cut through an atom."""
        lo = self._extreme(inner, 1.0)
        neg_hi = self._extreme(outer, -1.0)
        return None if lo is None or neg_hi is None else (lo + 0.0, -neg_hi + 0.0)  # + 0.0: no -0.0


@dataclass(frozen=True)
class _Row:
    n: int
    x: Mapping[str, tuple[int, ...]]  # one variable per atom
    s: Mapping[str, int]  # score sum per mean: n * mean


@dataclass(frozen=True)
class _Target:
    where: str
    inner: Mapping[int, float]
    outer: Mapping[int, float]
    derived: bool  # a count a reader may compute (hidden cells together, an atom), not a hidden value


class _Builder:
    """The LP for the region total and the given breakdowns, at atom granularity."""

    def __init__(self, result: ProtectedRelease, tables: Sequence[PublishedTable]) -> None:
        self.result = result
        self.sizes = _sizes(result)
        self.atoms = {name: tuple(itertools.pairwise(c)) for name, c in _atom_cuts(result).items()}
        # Atoms inside a bin where the region total shows 0 are 0 in every cell (column sums, counts >= 0).
        self.empty = {
            name: frozenset(
                k
                for k, (lo, hi) in enumerate(atoms)
                for g in result.total.vectors[name]
                if g.count == 0 and g.start <= lo and hi <= g.stop
            )
            for name, atoms in self.atoms.items()
        }
        self.bounds: list[tuple[float | None, float | None]] = []
        self.eq: list[tuple[dict[int, float], float]] = []
        self.le: list[tuple[dict[int, float], float]] = []
        self.rows: dict[tuple[str, str], _Row] = {}
        self.fixed_zero: set[int] = set()
        self.total = self._row(result.total, hidden_lb=0)
        total = result.total
        assert total.n is not None  # audit and feasible_interval stop before this for a suppressed region
        for table in tables:
            # A withheld breakdown hides its zeros too, so there a hidden cell may be empty.
            rows = {k: self._row(c, hidden_lb=0 if table.suppressed else 1) for k, c in table.cells.items()}
            self.rows.update({(table.name, k): r for k, r in rows.items()})
            self.eq.append(({self.total.n: -1.0, **{r.n: 1.0 for r in rows.values()}}, 0.0))
            for name, atoms in self.atoms.items():
                for a in range(len(atoms)):
                    self.eq.append(
                        ({self.total.x[name][a]: -1.0, **{r.x[name][a]: 1.0 for r in rows.values()}}, 0.0)
                    )
            for name in total.means:
                span = {self.total.s[name]: -1.0, **{r.s[name]: 1.0 for r in rows.values()}}
                slack = _TOL * max(1.0, abs(total.n * total.means[name]))  # float error in n * mean
                self.le.append((span, slack))
                self.le.append(({k: -v for k, v in span.items()}, slack))

    def _var(self, lo: float | None = 0.0, hi: float | None = None) -> int:
        self.bounds.append((lo, hi))
        return len(self.bounds) - 1

    def _row(self, cell: PublishedCell, hidden_lb: int) -> _Row:
        low, high = self.result.value_range
        n = self._var(hidden_lb) if cell.n is None else self._var(cell.n, cell.n)
        x = {
            name: tuple(self._var(0.0, 0.0 if k in self.empty[name] else None) for k in range(len(atoms)))
            for name, atoms in self.atoms.items()
        }
        self.fixed_zero.update(x[name][k] for name in x for k in self.empty[name])
        s: dict[str, int] = {}
        for name in self.result.total.means:
            if cell.n == 0 or (cell.n is not None and name in cell.means):
                value = cell.n * cell.means[name] if cell.n else 0.0
                s[name] = self._var(value, value)
            else:
                s[name] = self._var(None)
                self.le.append(({n: low, s[name]: -1.0}, 0.0))
                self.le.append(({s[name]: 1.0, n: -high}, 0.0))
        row = _Row(n, x, s)
        for name in self.atoms:
            self.eq.append(({n: -1.0, **dict.fromkeys(x[name], 1.0)}, 0.0))
        for name, groups in cell.vectors.items():
            for g in groups:
                span = self.span(row, name, g.start, g.stop, inner=True)
                if g.count is None:
                    self.le.append(({i: -v for i, v in span.items()}, -1.0))  # zeros are shown: hidden >= 1
                else:
                    self.eq.append((span, float(g.count)))
        for nest in self.result.nestings:
            starts = (*nest.starts, self.sizes[nest.parent])
            for (a, b), var in zip(self.atoms[nest.child], x[nest.child], strict=True):
                parent = self.span(row, nest.parent, starts[a], starts[b], inner=True)
                self.eq.append(({var: 1.0, **{i: -v for i, v in parent.items()}}, 0.0))
        return row

    def span(self, row: _Row, name: str, a: int, b: int, *, inner: bool) -> dict[int, float]:
        """Atoms of bins [a, b): those inside it (inner) or those touching it (outer)."""
        chosen = (
            var
            for (lo, hi), var in zip(self.atoms[name], row.x[name], strict=True)
            if (a <= lo and hi <= b if inner else lo < b and a < hi)
        )
        return dict.fromkeys(chosen, 1.0)

    def compile(self) -> _Compiled:
        return _Compiled(self.eq, self.le, self.bounds)


def _build(
    result: ProtectedRelease, tables: Sequence[PublishedTable], *, with_total_targets: bool
) -> tuple[_Compiled, list[_Target]]:
    model = _Builder(result, tables)
    targets: list[_Target] = []

    def add(where: str, coefs: dict[int, float], derived: bool) -> None:
        coefs = {k: v for k, v in coefs.items() if k not in model.fixed_zero}
        if coefs:  # a count made only of known-empty atoms is 0: publishable
            targets.append(_Target(where, coefs, coefs, derived))

    def published_cell_targets(where: str, cell: PublishedCell, row: _Row) -> None:
        for name, groups in cell.vectors.items():
            for g in groups:
                inside = [k for k, (lo, hi) in enumerate(model.atoms[name]) if g.start <= lo and hi <= g.stop]
                if g.count is None:
                    add(
                        f"{where}: {name}[{g.start}:{g.stop}]",
                        model.span(row, name, g.start, g.stop, inner=True),
                        False,
                    )
                if len(inside) > 1:  # atoms inside a merged or hidden bin
                    for k in inside:
                        lo, hi = model.atoms[name][k]
                        add(f"{where}: {name}[{lo}:{hi}]", {row.x[name][k]: 1.0}, True)

    if with_total_targets:
        published_cell_targets("total", result.total, model.total)
    for table in tables:
        spans = _spans(model, [result.total, *table.cells.values()])
        hidden: list[tuple[str, _Row]] = []
        for key, cell in table.cells.items():
            row = model.rows[table.name, key]
            if cell.suppressed:
                hidden.append((key, row))
            else:
                published_cell_targets(f"{table.name}/{key}", cell, row)
        groups = [(f"{table.name}/{key}", [row]) for key, row in hidden]
        if len(hidden) > 1:
            groups.append((f"{table.name}/(hidden cells together)", [row for _, row in hidden]))
        for where, rows in groups:
            derived = len(rows) > 1
            add(f"{where}: n", {r.n: 1.0 for r in rows}, derived)
            for name, name_spans in spans.items():
                for a, b in name_spans:
                    coefs = {i: 1.0 for r in rows for i in model.span(r, name, a, b, inner=True)}
                    add(f"{where}: {name}[{a}:{b}]", coefs, derived)
    return model.compile(), targets


def _spans(model: _Builder, cells: Iterable[PublishedCell]) -> dict[str, list[tuple[int, int]]]:
    """Published bins of these cells, plus every atom: the counts a reader would look at."""
    spans = {name: set(atoms) for name, atoms in model.atoms.items()}
    for cell in cells:
        for name, groups in cell.vectors.items():
            spans[name].update((g.start, g.stop) for g in groups)
    return {name: sorted(s) for name, s in spans.items()}


def _judge(
    target: _Target, interval: tuple[float, float], min_cell: int, *, conclusive_only: bool = False
) -> Finding | None:
    """The finding for a count whose feasible values span ``interval``.

    With ``conclusive_only`` the interval is an inner estimate. Only a clean bill counts: anything not
    clearly safe (not pinned, not provably small) returns a placeholder, so the caller solves exactly.
    """
    lo, hi = interval
    lo_int, hi_int = math.ceil(lo - _TOL), math.floor(hi + _TOL)
    if conclusive_only:
        # The true interval contains this one. A feasible 0 rules out every finding below. So does a feasible
        # value >= min_cell, for a derivable count; for a hidden count, only with a second integer as well.
        clear = lo_int <= 0 or (hi_int >= min_cell and (target.derived or hi_int > lo_int))
        return None if clear else Finding(FindingKind.STRUCTURE, target.where, detail="undecided")
    if hi_int <= lo_int:
        if lo_int == 0:
            return None  # known to be empty: zeros are publishable
        if not target.derived:
            return Finding(FindingKind.PINNED, target.where, lo, hi, "hidden count is recovered")
        if lo_int < min_cell:
            return Finding(FindingKind.SMALL_COUNT, target.where, lo, hi, "derivable count below min_cell")
        return None
    if lo_int >= 1 and hi_int <= min_cell - 1:
        return Finding(FindingKind.SMALL_INTERVAL, target.where, lo, hi, "provably a small group")
    return None


# ---------------------------------------------------------------------------------------------------------
# Republication: every version of a round ever published is known

_MAX_ROUNDS = 500  # protect_against: each round hides more or merges bins, so it ends well before this


@dataclass(frozen=True)
class _Block:
    """Categories whose numbers one version publishes or lets a reader derive: a published cell (or a
    category the version lists as, or implies to be, empty), the hidden cells of a breakdown together, or
    for a withheld breakdown all its categories, which is the region total."""

    keys: frozenset[str]
    n: int
    sums: Mapping[str, float]  # n * mean, per mean
    prefix: Mapping[str, Mapping[int, int]]  # per vector: people below each cut the reader can place
    stats: Mapping[str, float] | None = None  # a published cell's own SD and CI
    hidden: bool = False
    weight: int = 0  # the sums rest on means published for this many people: each rounded by half a unit


@dataclass(frozen=True)
class _Issue:
    """A finding of ``audit_versions``, with what ``protect_against`` needs to act on it."""

    finding: Finding
    table: str | None = None  # None: the region total, the eligible count or the round as a whole
    keys: frozenset[str] = frozenset()  # the categories of the group concerned
    vector: str | None = None
    cut: int | None = None  # merging the bins of ``vector`` at this cut merges the issue's bins
    eligible: bool = False
    remainder: bool = False  # hiding more cells cannot help: only withholding the breakdown


@dataclass(frozen=True)
class _Verdicts:
    issues: list[_Issue]
    unchanged: list[str]  # non-empty groups whose published numbers all stayed exactly the same
    changed: list[str]


def rounded(result: ProtectedRelease, digits: int) -> ProtectedRelease:
    """The release with its means and stats rounded as published: what a reader compares versions on."""

    def cell(c: PublishedCell) -> PublishedCell:
        if c.suppressed:
            return c
        return replace(
            c,
            means={k: round(v, digits) for k, v in c.means.items()},
            stats={k: round(v, digits) for k, v in c.stats.items()},
        )

    tables = tuple(replace(t, cells={k: cell(c) for k, c in t.cells.items()}) for t in result.tables)
    return replace(result, total=cell(result.total), tables=tables)


def from_view(
    view: Mapping[str, Any],
    *,
    value_range: tuple[float, float] = (1.0, 4.0),
    nestings: Sequence[Nesting] = (),
) -> ProtectedRelease:
    """A stored public view (``public_view``) read back, for ``audit_versions`` and ``protect_against``.

    A view keeps no reasons: hidden cells and withheld breakdowns come back with ``Reason.STORED``, a
    withheld breakdown without its categories. An absent eligible count reads as hidden: a view cannot
    tell "hidden" from "not given", and hidden is the safe reading.
    """
    min_cell = int(view.get("min_cell", MIN_CELL))
    if view.get("suppressed"):
        total = PublishedCell(n=None, reason=Reason.REGION)
        return ProtectedRelease(total, (), None, True, min_cell, value_range, tuple(nestings))

    def cell(data: Mapping[str, Any]) -> PublishedCell:
        if data.get("suppressed"):
            return PublishedCell(n=None, reason=Reason.STORED)
        vectors = {
            name: tuple(
                Group(int(g["start"]), int(g["stop"]), None if g["count"] is None else int(g["count"]))
                for g in groups
            )
            for name, groups in (data.get("vectors") or {}).items()
        }
        means = {k: float(v) for k, v in (data.get("means") or {}).items()}
        stats = {k: float(v) for k, v in (data.get("stats") or {}).items()}
        return PublishedCell(int(data["n"]), means, stats, vectors)

    tables = []
    for name, table in (view.get("tables") or {}).items():
        if table.get("suppressed"):
            tables.append(PublishedTable(name, {}, Reason.STORED))
        else:
            tables.append(PublishedTable(name, {k: cell(c) for k, c in table["cells"].items()}))
    eligible = view.get("eligible")
    return ProtectedRelease(
        cell(view["total"]),
        tuple(tables),
        None if eligible is None else int(eligible),
        eligible is None,
        min_cell,
        value_range,
        tuple(nestings),
    )


def protect_against(
    release: Release,
    earlier: Sequence[ProtectedRelease],
    *,
    min_cell: int = MIN_CELL,
    rescored: bool = False,
    digits: int | None = None,
) -> ProtectedRelease:
    """``protect``, and more, so that the result may follow ``earlier``: every version of the same round
    published before (all of them: a reader may have kept any).

    It starts from what the earlier versions imply: a cell hidden in any of them stays hidden (even when
    it is empty now), a withheld breakdown stays withheld, a hidden eligible count stays hidden, and no
    vector is published finer than before. Then it runs the checks of ``audit_versions`` and acts on them
    until they pass or nothing more helps: a group whose difference between versions isolates a few
    people is hidden, together with the groups it changed against (people who moved from one cell to
    another) and complementary cells, so that the difference covers only their union; where that is not
    enough the breakdown is withheld; bins whose differences are small are merged. What no protection of
    the new version can mend (the region total changed by 1..min_cell-1 people, values changed without a
    full re-score) is left for ``audit_versions`` to report, and the caller must refuse.

    Pure and deterministic, like ``protect``. Without earlier versions it is ``protect``. Resending the
    same figures gives the same result as before. ``rescored`` and ``digits``: see ``audit_versions``.
    """
    result = protect(release, min_cell=min_cell)
    known = tuple(e for e in earlier if not e.region_suppressed)
    if not known or result.region_suppressed:
        return result
    plan = _initial_plan(known)
    for _ in range(_MAX_ROUNDS):
        result = _protect(release, min_cell, plan)
        shown = result if digits is None else rounded(result, digits)
        issues = [i for old in known for i in _issues(shown, old, min_cell, rescored, digits, "")]
        if any(i.table is None and i.vector is None and not i.eligible for i in issues):
            break  # the region total (or the round as a whole) gives people away: only refusing helps
        following = _absorb(plan, issues, result)
        if following == plan:
            break
        plan = following
    return result


def audit_versions(
    new: ProtectedRelease,
    earlier: Sequence[ProtectedRelease],
    *,
    min_cell: int = MIN_CELL,
    rescored: bool = False,
    digits: int | None = None,
) -> list[Finding]:
    """Check a release against every version of the same round published before. Empty means safe.

    A reader who kept an earlier version subtracts it from the new one. For every group that both versions
    publish or let a reader derive, the difference is what changed in it: people who came, left, moved,
    or were scored again. Those groups are the unions of *components*: a component joins the categories
    that a block of either version joins (a published cell is a block on its own; the hidden cells of a
    breakdown together are one block). Every union is checked, not only the components, because changes
    of opposite sign cancel in a union (12 people moved from A to B and 1 came to A: A +13, B -12, and
    A with B +1). The rules, against each earlier version:

    1. A group's size changes by 0 or by at least min_cell people. A change of 1..min_cell-1 may be the
       doing of that few people, and the difference of the sums is then their values (DIFFERENCE).
    2. A group whose size did not change may change its values only in a full re-score (``rescored``:
       every participant's values were computed again). Otherwise the change may be one person's (a
       reopened attempt) and the difference of the sums is that person's change (CHANGED). A declared
       re-score must look like one: when some groups changed and others stayed exactly as they were, the
       change was not everyone's (CHANGED).
    3. Counts per bin (levels, histogram): where a group's size changed, every set of its bins changes by 0
       or by at least min_cell people (DIFFERENCE); where it did not, rule 2 applies.
    4. Nothing hidden before is shown now: no cell, no withheld breakdown, no eligible count, no bin finer
       than before. And the cells hidden in every version must stay protected from a reader who takes the
       cells shown before and hidden now as unchanged, and subtracts them (UNHIDDEN).

    ``digits``: the means are published rounded to that many digits, and the new release is compared as
    published; the earlier ones are taken as stored. Values count as changed (rule 2) when a reader can
    prove it: when a difference of sums exceeds what the rounding of the means it rests on can explain.
    Counts are exact.
    """
    shown = new if digits is None else rounded(new, digits)
    found: list[Finding] = []
    for number, old in enumerate(earlier, 1):
        issues = _issues(shown, old, min_cell, rescored, digits, f"version {number}")
        found.extend(i.finding for i in issues)
    return found


def _initial_plan(earlier: Sequence[ProtectedRelease]) -> _Plan:
    """What the earlier versions imply by themselves (rule 4's first half)."""
    hidden: dict[str, frozenset[str]] = {}
    withheld: set[str] = set()
    total_cuts: dict[str, frozenset[int]] = {}
    table_cuts: dict[tuple[str, str], frozenset[int]] = {}

    def narrow(into: dict[Any, frozenset[int]], key: Any, cuts: Iterable[int]) -> None:
        into[key] = into[key] & frozenset(cuts) if key in into else frozenset(cuts)

    for old in earlier:
        assert old.total.n is not None
        for name, prefix in _prefixes(old.total.n, old.total.vectors, old.nestings).items():
            narrow(total_cuts, name, prefix)
        for table in old.tables:
            if table.suppressed:
                withheld.add(table.name)
                continue
            was_hidden = frozenset(k for k, c in table.cells.items() if c.suppressed)
            hidden[table.name] = hidden.get(table.name, frozenset()) | was_hidden
            for name, cuts in _table_cuts(old, table).items():
                narrow(table_cuts, (table.name, name), cuts)
    hide_eligible = any(old.eligible is None and old.eligible_suppressed for old in earlier)
    return _Plan(hidden, frozenset(withheld), total_cuts, table_cuts, hide_eligible)


def _absorb(plan: _Plan, issues: Sequence[_Issue], result: ProtectedRelease) -> _Plan:
    """The plan for the next round: hide, withhold or merge what the issues point at."""
    hidden = dict(plan.hidden)
    withheld = set(plan.withheld)
    total_cuts = dict(plan.total_cuts)
    table_cuts = dict(plan.table_cuts)
    tables = {t.name: t for t in result.tables}
    sizes = _sizes(result)
    nested = {nest.child: nest for nest in result.nestings}

    grouped: set[str] = set()
    for name, table in tables.items():
        group = [i for i in issues if i.table == name and i.vector is None]
        if not group:
            continue
        grouped.add(name)
        now_hidden = frozenset(k for k, c in table.cells.items() if c.suppressed)
        wanted = now_hidden.union(*(i.keys for i in group))
        if table.suppressed or wanted == now_hidden or any(i.remainder for i in group):
            withheld.add(name)  # hiding more cells cannot join these groups any further
        else:
            hidden[name] = hidden.get(name, frozenset()) | wanted

    merged: set[tuple[str | None, str]] = set()
    for issue in issues:
        if issue.vector is None or issue.cut is None or issue.table in grouped:
            continue  # bins are judged again once the cells are settled
        name, cut = issue.vector, issue.cut
        if name in nested:  # a child's bins merge where its parent's do
            nest = nested[name]
            name, cut = nest.parent, (*nest.starts, sizes[nest.parent])[cut]
        within = tables.get(issue.table) if issue.table is not None else None
        shown = _first_shown(within) if within is not None else None
        # A breakdown that shows no cell shows no bins: what the issue saw there are the total's bins.
        cell, owner = (result.total, None) if shown is None else (shown, issue.table)
        if (owner, name) in merged:
            continue  # one merge per vector and round: the next round judges the merged bins afresh
        merged.add((owner, name))
        current = frozenset(_cuts(cell.vectors[name]))
        if cut in current and 0 < cut < sizes[name]:
            if owner is None:
                total_cuts[name] = current - {cut}
            else:
                table_cuts[owner, name] = current - {cut}
    hide_eligible = plan.hide_eligible or any(i.eligible for i in issues)
    return _Plan(hidden, frozenset(withheld), total_cuts, table_cuts, hide_eligible)


def _first_shown(table: PublishedTable) -> PublishedCell | None:
    return next((c for c in table.cells.values() if not c.suppressed), None)


def _cuts(groups: Sequence[Group]) -> tuple[int, ...]:
    return (0, *(g.stop for g in groups))


def _prefixes(
    n: int, vectors: Mapping[str, Sequence[Group]], nestings: Sequence[Nesting]
) -> dict[str, dict[int, int]]:
    """People below each cut a reader can place, per vector: the published bin edges (counted from the
    front, or from the back past a hidden bin), and through a nesting the edges of the other vector."""
    out: dict[str, dict[int, int]] = {}
    for name, groups in vectors.items():
        counts = [g.count for g in groups]
        prefix: dict[int, int] = {}
        for i, edge in enumerate(_cuts(groups)):
            before, after = counts[:i], counts[i:]
            if None not in before:
                prefix[edge] = sum(c or 0 for c in before)
            elif None not in after:
                prefix[edge] = n - sum(c or 0 for c in after)
        out[name] = prefix
    for nest in nestings:
        child, parent = out.get(nest.child), out.get(nest.parent)
        if child is None or parent is None:
            continue
        bounds = (*nest.starts, max(parent))
        for c, at in enumerate(bounds):
            if c in child:
                parent.setdefault(at, child[c])
        for c, at in enumerate(bounds):
            if at in parent:
                child.setdefault(c, parent[at])
    return out


def _table_cuts(result: ProtectedRelease, table: PublishedTable) -> dict[str, frozenset[int]]:
    """The cuts at which every published non-empty cell of a breakdown can be placed."""
    cuts: dict[str, frozenset[int]] = {}
    for cell in table.cells.values():
        if cell.suppressed or not cell.n:
            continue
        for name, prefix in _prefixes(cell.n, cell.vectors, result.nestings).items():
            cuts[name] = cuts[name] & frozenset(prefix) if name in cuts else frozenset(prefix)
    return cuts


def _sums(cell: PublishedCell, names: Iterable[str]) -> dict[str, float]:
    return {m: cell.n * cell.means[m] if cell.n else 0.0 for m in names}


def _total_block(result: ProtectedRelease, keys: Iterable[str], *, hidden: bool = False) -> _Block:
    total = result.total
    assert total.n is not None  # callers stop before this for a suppressed region
    prefix = _prefixes(total.n, total.vectors, result.nestings)
    stats = None if hidden else dict(total.stats)
    return _Block(frozenset(keys), total.n, _sums(total, total.means), prefix, stats, hidden, total.n)


def _table_blocks(result: ProtectedRelease, table: PublishedTable, keys: Iterable[str]) -> list[_Block]:
    """The blocks of one breakdown in one version; a category the version does not list counts as 0."""
    names = tuple(result.total.means)
    if table.suppressed:
        return [_total_block(result, keys, hidden=True)]
    blocks: list[_Block] = []
    hidden: list[str] = []
    for key in sorted(keys):
        cell = table.cells.get(key)
        if cell is not None and cell.suppressed:
            hidden.append(key)
        elif cell is None or not cell.n:
            blocks.append(_Block(frozenset({key}), 0, dict.fromkeys(names, 0.0), {}))
        else:
            prefix = _prefixes(cell.n, cell.vectors, result.nestings)
            sums = _sums(cell, names)
            blocks.append(_Block(frozenset({key}), cell.n, sums, prefix, dict(cell.stats), weight=cell.n))
    if hidden:
        total = _total_block(result, keys)
        shown = [b for b in blocks if b.n]
        prefix = {}
        for name, at in total.prefix.items():
            cuts = set(at).intersection(*(b.prefix.get(name, {}) for b in shown))
            prefix[name] = {c: at[c] - sum(b.prefix[name][c] for b in shown) for c in cuts}
        n = total.n - sum(b.n for b in blocks)
        sums = {m: total.sums[m] - sum(b.sums[m] for b in blocks) for m in names}
        weight = total.weight + sum(b.weight for b in blocks)
        blocks.append(_Block(frozenset(hidden), n, sums, prefix, hidden=True, weight=weight))
    return blocks


def _components(keys: Iterable[str], blocks: Iterable[_Block]) -> list[frozenset[str]]:
    """The finest groups that both versions give: categories chained together by any block."""
    parent = {k: k for k in keys}

    def root(k: str) -> str:
        while parent[k] != k:
            k = parent[k]
        return k

    for block in blocks:
        first, *rest = sorted(block.keys)
        for k in rest:
            parent[root(k)] = root(first)
    components: dict[str, set[str]] = {}
    for k in sorted(parent):
        components.setdefault(root(k), set()).add(k)
    return [frozenset(c) for c in components.values()]


@functools.cache
def _subsets(size: int) -> np.ndarray:
    """Every non-empty subset of ``size`` items as 0/1 rows, fewest items first, then in binary order, so
    the first ``size`` rows are the items alone and the last row is all of them."""
    masks = sorted(range(1, 1 << size), key=lambda m: (m.bit_count(), m))
    rows = np.array([[(m >> i) & 1 for i in range(size)] for m in masks], dtype=np.int64).reshape(-1, size)
    rows.setflags(write=False)
    return rows


def _issues(
    new: ProtectedRelease,
    old: ProtectedRelease,
    min_cell: int,
    rescored: bool,
    digits: int | None,
    version: str,
) -> list[_Issue]:
    """What comparing ``new`` with one earlier version ``old`` gives a reader (rules in audit_versions)."""
    if new.region_suppressed or old.region_suppressed:
        return []  # a suppressed version publishes nothing to compare
    against = f" (against {version})" if version else ""
    found: list[_Issue] = []

    def issue(kind: FindingKind, where: str, detail: str, **kwargs: Any) -> None:
        found.append(_Issue(Finding(kind, where, detail=detail + against), **kwargs))

    names = [v for v in new.total.vectors if v in old.total.vectors]
    # (breakdown or None for the total, its components, their blocks in new and in old)
    comparisons: list[tuple[str | None, list[frozenset[str]], list[list[_Block]], list[list[_Block]]]] = []

    new_total, old_total = _total_block(new, ()), _total_block(old, ())
    for name in names:
        finer = sorted(set(new_total.prefix[name]) - set(old_total.prefix[name]))
        if finer:
            issue(
                FindingKind.UNHIDDEN, f"total: {name}", "a finer bin than before", vector=name, cut=finer[0]
            )
    comparisons.append((None, [frozenset()], [[new_total]], [[old_total]]))

    if new.eligible is not None:
        if old.eligible is None and old.eligible_suppressed:
            issue(FindingKind.UNHIDDEN, "eligible", "hidden before", eligible=True)
        elif old.eligible is not None:
            assert new.total.n is not None
            assert old.total.n is not None
            changes = {
                "eligible": new.eligible - old.eligible,
                "eligible - N": (new.eligible - new.total.n) - (old.eligible - old.total.n),
            }
            for where, change in changes.items():
                if 0 < abs(change) < min_cell:
                    issue(FindingKind.DIFFERENCE, where, f"changed by {change}", eligible=True)

    old_tables = {t.name: t for t in old.tables}
    for table in new.tables:
        before = old_tables.get(table.name)
        if before is None:
            continue
        keys = set(table.cells) | set(before.cells)
        shown = {k for k, c in table.cells.items() if not c.suppressed}
        was_hidden = keys if before.suppressed else {k for k, c in before.cells.items() if c.suppressed}
        if shown & was_hidden:
            unhidden = frozenset(shown & was_hidden)
            where = f"{table.name}/{{{', '.join(sorted(unhidden))}}}"
            issue(FindingKind.UNHIDDEN, where, "hidden before", table=table.name, keys=unhidden)
            continue
        if not table.suppressed and not before.suppressed:
            new_cuts, old_cuts = _table_cuts(new, table), _table_cuts(old, before)
            for name in names:
                finer = sorted(new_cuts.get(name, frozenset()) - old_cuts.get(name, frozenset()))
                if finer:
                    where, detail = f"{table.name}: {name}", "a finer bin than before"
                    issue(FindingKind.UNHIDDEN, where, detail, table=table.name, vector=name, cut=finer[0])
        new_blocks, old_blocks = _table_blocks(new, table, keys), _table_blocks(old, before, keys)
        found.extend(_remainder(table.name, new_blocks, old_blocks, before, names, min_cell, against))
        groups = _components(keys, [*new_blocks, *old_blocks])
        comparisons.append(
            (
                table.name,
                groups,
                [[b for b in new_blocks if b.keys <= g] for g in groups],
                [[b for b in old_blocks if b.keys <= g] for g in groups],
            )
        )

    unchanged: list[str] = []
    changed: list[str] = []
    for table_name, groups, new_parts, old_parts in comparisons:
        blocks = [b for parts in (*new_parts, *old_parts) for b in parts if b.n]
        cuts = {
            name: tuple(sorted(frozenset.intersection(*(frozenset(b.prefix.get(name, {})) for b in blocks))))
            for name in names
        }
        verdicts = _compare(
            table_name, groups, new_parts, old_parts, cuts, min_cell, rescored, digits, against
        )
        found.extend(verdicts.issues)
        unchanged.extend(verdicts.unchanged)
        changed.extend(verdicts.changed)
    if rescored and changed and unchanged:
        same = ", ".join(unchanged[:3])
        detail = f"a full re-score left {same} exactly as before: the change was not everyone's"
        issue(FindingKind.CHANGED, "re-score", detail)
    return found


def _compare(
    table: str | None,
    groups: Sequence[frozenset[str]],
    new_parts: Sequence[Sequence[_Block]],
    old_parts: Sequence[Sequence[_Block]],
    cuts: Mapping[str, tuple[int, ...]],
    min_cell: int,
    rescored: bool,
    digits: int | None,
    against: str,
) -> _Verdicts:
    """Rules 1-3 of ``audit_versions`` over the unions of ``groups``: for a breakdown every union but the
    whole (which is the region total, checked as such), for the region total the total."""
    m = len(groups)
    unions = _subsets(m) if table is None else _subsets(m)[:-1]
    if not len(unions):
        return _Verdicts([], [], [])
    means = sorted({k for parts in (*new_parts, *old_parts) for b in parts for k in b.sums})

    def gather(parts: Sequence[_Block]) -> tuple[int, np.ndarray, dict[str, np.ndarray], int]:
        n = sum(b.n for b in parts)
        sums = np.array([sum(b.sums.get(k, 0.0) for b in parts) for k in means], dtype=float)
        bins = {}
        for name, at in cuts.items():
            prefix = [sum(b.prefix[name][c] for b in parts if b.n) for c in at]
            bins[name] = np.diff(np.array(prefix, dtype=np.int64))
        return n, sums, bins, sum(b.weight for b in parts)

    def stats_changed(new: Sequence[_Block], old: Sequence[_Block]) -> bool:
        """A cell published in both versions (SD, CI): a group whose blocks differ has no stats of its own."""
        if len(new) != 1 or len(old) != 1 or new[0].stats is None or old[0].stats is None:
            return False
        return dict(new[0].stats) != dict(old[0].stats)

    def label(row: np.ndarray) -> str:
        if table is None:
            return "total"
        keys = sorted(keys_of(row))
        return f"{table}/{keys[0]}" if len(keys) == 1 else f"{table}/{{{', '.join(keys)}}}"

    def keys_of(row: np.ndarray) -> frozenset[str]:
        return frozenset(k for i in np.flatnonzero(row).tolist() for k in groups[i])

    new_g, old_g = [gather(p) for p in new_parts], [gather(p) for p in old_parts]
    dn = np.array([a[0] - b[0] for a, b in zip(new_g, old_g, strict=True)], dtype=np.int64)
    ds = np.array([a[1] - b[1] for a, b in zip(new_g, old_g, strict=True)], dtype=float).reshape(m, -1)
    dv = {
        name: np.array([a[2][name] - b[2][name] for a, b in zip(new_g, old_g, strict=True)]).reshape(m, -1)
        for name in cuts
    }
    stats = [stats_changed(p, q) for p, q in zip(new_parts, old_parts, strict=True)]
    scale = max([1.0, *(abs(float(v)) for g in (*new_g, *old_g) for v in g[1])])
    tol = 1e-9 * scale  # float error of derived sums
    # Half a unit of the last published digit, times the people whose means a sum rests on, in both versions:
    # a difference of sums within that may be rounding alone, and proves no change.
    half = 0.0 if digits is None else 0.5 * 10.0**-digits
    rounding = np.array([half * (a[3] + b[3]) for a, b in zip(new_g, old_g, strict=True)], dtype=float)

    dn_u = unions @ dn
    ds_u = unions @ ds
    dv_u = {name: unions @ d for name, d in dv.items()}
    moved = np.zeros(len(unions), dtype=bool)
    for d in dv_u.values():
        moved |= (d != 0).any(axis=1)
    moved[:m] |= np.array(stats)  # the first m rows are the components alone
    values = moved | (np.abs(ds_u) > (unions @ rounding + tol)[:, None]).any(axis=1)  # provably changed
    same = ~moved & (np.abs(ds_u) <= tol).all(axis=1)  # every number exactly as before
    small = (np.abs(dn_u) >= 1) & (np.abs(dn_u) < min_cell)
    silent = (dn_u == 0) & values & (not rescored)

    issues: list[_Issue] = []
    flagged: list[int] = []
    weights = 1 << np.arange(m)
    for r, row in enumerate(unions):
        mask = int(row @ weights)
        if not (small[r] or silent[r]) or any(mask & f == f for f in flagged):
            continue  # a union of a flagged group and others is dealt with through that group
        flagged.append(mask)
        if small[r]:
            where = f"{label(row)}: n"
            detail = f"size changed by {int(dn_u[r])}: the difference isolates that few people"
            issues.append(
                _Issue(Finding(FindingKind.DIFFERENCE, where, detail=detail + against), table, keys_of(row))
            )
        else:
            where = f"{label(row)}: values"
            detail = "values changed, size did not, and this is not a full re-score"
            issues.append(
                _Issue(Finding(FindingKind.CHANGED, where, detail=detail + against), table, keys_of(row))
            )

    grown = np.abs(dn_u) >= min_cell  # smaller changes of size are flagged above
    if grown.any():
        rows = np.flatnonzero(grown)
        for name, d in dv_u.items():
            width = d.shape[1]
            if width < 2:
                continue
            sets = _subsets(width)
            diffs = np.abs(d[rows] @ sets.T)
            bad = (diffs >= 1) & (diffs < min_cell)
            if not bad.any():
                continue
            column = int(np.flatnonzero(bad.any(axis=0))[0])  # the fewest bins first
            r = int(rows[np.flatnonzero(bad[:, column])[0]])
            chosen = np.flatnonzero(sets[column])
            at = cuts[name]
            first = int(chosen[0])
            cut = at[first + 1] if first + 1 < width else at[first]
            spans = "+".join(f"[{at[i]}:{at[i + 1]}]" for i in chosen)
            where = f"{label(unions[r])}: {name}{spans}"
            change = int(d[r] @ sets[column])
            detail = f"count changed by {change}: the difference isolates that few people"
            finding = Finding(FindingKind.DIFFERENCE, where, detail=detail + against)
            issues.append(_Issue(finding, table, keys_of(unions[r]), vector=name, cut=cut))

    unchanged: list[str] = []
    changed: list[str] = []
    for i in range(m):
        if new_g[i][0] or old_g[i][0]:
            (unchanged if dn[i] == 0 and same[i] else changed).append(label(unions[i]))
    return _Verdicts(issues, unchanged, changed)


def _remainder(
    table: str,
    new_blocks: Sequence[_Block],
    old_blocks: Sequence[_Block],
    before: PublishedTable,
    names: Sequence[str],
    min_cell: int,
    against: str,
) -> list[_Issue]:
    """Rule 4's second half. The new version hides cells X that ``before`` showed, next to cells R that
    ``before`` hid as well. A reader who takes X as unchanged derives R as (the hidden cells now) minus
    (X before): so R must hold as a hidden set of one release does."""
    if before.suppressed:
        return []
    hidden = next((b for b in new_blocks if b.hidden), None)
    if hidden is None:
        return []
    was_hidden = {k for k, c in before.cells.items() if c.suppressed}
    rest = hidden.keys & was_hidden
    known = [b for b in old_blocks if not b.hidden and b.keys <= hidden.keys]
    if not rest or not known:
        return []
    where = f"{table}/{{{', '.join(sorted(rest))}}}"
    n = hidden.n - sum(b.n for b in known)
    if n >= 1 and (len(rest) < 2 or n - (len(rest) - 1) < min_cell):
        detail = f"hidden in every version: {n} people, the cells shown before subtracted"
        finding = Finding(FindingKind.UNHIDDEN, f"{where}: n", detail=detail + against)
        return [_Issue(finding, table, frozenset(rest), remainder=True)]
    for name in names:
        sources = [hidden, *(b for b in known if b.n)]
        at = sorted(frozenset.intersection(*(frozenset(b.prefix.get(name, {})) for b in sources)))
        prefix = [hidden.prefix[name][c] - sum(b.prefix[name][c] for b in sources[1:]) for c in at]
        for i, count in enumerate(np.diff(np.array(prefix, dtype=np.int64))):
            if 1 <= count < min_cell:
                cut = at[i + 1] if i + 2 < len(at) else at[i]
                detail = (
                    f"hidden in every version: {count} people in a bin, the cells shown before subtracted"
                )
                finding = Finding(
                    FindingKind.UNHIDDEN, f"{where}: {name}[{at[i]}:{at[i + 1]}]", detail=detail + against
                )
                return [_Issue(finding, table, vector=name, cut=cut)]
    return []


# ---------------------------------------------------------------------------------------------------------
# Public view


def public_view(result: ProtectedRelease) -> dict[str, object]:
    """The JSON-ready form for the public schema. No reasons: complementary cells look like primary ones."""
    if result.region_suppressed:
        return {"suppressed": True}

    def cell_view(cell: PublishedCell) -> dict[str, object]:
        if cell.suppressed:
            return {"suppressed": True}
        vectors = {
            k: [{"start": g.start, "stop": g.stop, "count": g.count} for g in v]
            for k, v in cell.vectors.items()
        }
        return {"n": cell.n, "means": dict(cell.means), "stats": dict(cell.stats), "vectors": vectors}

    tables: dict[str, object] = {}
    for table in result.tables:
        if table.suppressed:
            tables[table.name] = {"suppressed": True}
        else:
            tables[table.name] = {"cells": {k: cell_view(c) for k, c in table.cells.items()}}
    return {
        "suppressed": False,
        "min_cell": result.min_cell,
        "eligible": result.eligible,
        "total": cell_view(result.total),
        "tables": tables,
    }
