"""``audit``: a protected release checked as a reader would attack it, from the published figures alone
(linear programs over what the figures allow for each hidden count, mean and bin)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from benchmark.disclosure.model import (
    MIN_CELL,
    TOL,
    Finding,
    FindingKind,
    ProtectedRelease,
    PublishedCell,
    PublishedTable,
    publishable,
)


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
        if count is not None and not publishable(count, min_cell):
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
    sizes = table_sizes(result)
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


def table_sizes(result: ProtectedRelease) -> dict[str, int]:
    return {name: groups[-1].stop for name, groups in result.total.vectors.items()}


def _atom_cuts(result: ProtectedRelease) -> dict[str, tuple[int, ...]]:
    """Every bin edge published anywhere, closed under the nestings: the LP never needs finer bins."""
    sizes = table_sizes(result)
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
        self.sizes = table_sizes(result)
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
                slack = TOL * max(1.0, abs(total.n * total.means[name]))  # float error in n * mean
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
    lo_int, hi_int = math.ceil(lo - TOL), math.floor(hi + TOL)
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
