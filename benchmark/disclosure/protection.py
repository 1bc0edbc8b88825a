"""``protect``: the rule applied to one release (rules 1-6 of the package docstring), optionally under a
``Plan`` that earlier versions of the same round impose (rule 7, ``republication``)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from benchmark.disclosure.model import (
    MIN_CELL,
    TOL,
    Cell,
    Group,
    ProtectedRelease,
    PublishedCell,
    PublishedTable,
    Reason,
    Release,
    publishable,
)


def protect(release: Release, *, min_cell: int = MIN_CELL) -> ProtectedRelease:
    """Apply the disclosure rule to one region's round and return what may be published.

    The input is validated (inconsistent input would make any protection argument void) and never mutated.
    The output is deterministic: it depends only on the input values and category order.
    """
    return protect_planned(release, min_cell, Plan())


@dataclass(frozen=True)
class Plan:
    """What ``protect`` must do beyond the rule for one release: the constraints that earlier versions of
    the same round set (``protect_against``). The empty plan is the rule alone."""

    hidden: Mapping[str, frozenset[str]] = field(default_factory=dict)  # breakdown -> categories to hide
    withheld: frozenset[str] = frozenset()  # breakdowns to withhold whole
    total_cuts: Mapping[str, frozenset[int]] = field(default_factory=dict)  # vector -> cuts it may keep
    table_cuts: Mapping[tuple[str, str], frozenset[int]] = field(default_factory=dict)  # (breakdown, vector)
    hide_eligible: bool = False


def protect_planned(release: Release, min_cell: int, plan: Plan) -> ProtectedRelease:
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
    if eligible is not None and (plan.hide_eligible or not publishable(eligible - total.n, min_cell)):
        eligible, eligible_hidden = None, True
    return ProtectedRelease(
        out_total, tuple(out_tables), eligible, eligible_hidden, min_cell, release.value_range, nestings
    )


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
        return all(publishable(p[b] - p[a], min_cell) for p in prefix)

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
            if not lo - TOL <= mean <= hi + TOL:
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
