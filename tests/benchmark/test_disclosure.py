"""Tests for benchmark.disclosure: the small-cell rule, the attacks it must stop, and its audit.

Pure Python, no Django, no database:
    python -m pytest -p no:django --noconftest --import-mode=importlib tests/benchmark/test_disclosure.py -q
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pytest

from benchmark.disclosure import (
    MIN_CELL,
    Cell,
    FindingKind,
    Group,
    Nesting,
    ProtectedRelease,
    PublishedCell,
    PublishedTable,
    Reason,
    Release,
    Table,
    audit,
    auditing,
    feasible_interval,
    protect,
    public_view,
)

# ---------------------------------------------------------------------------------------------------------
# Building releases from simulated people, so that every sum, margin and mean is consistent by construction.

AREAS = 2
EDGES = np.linspace(1.0, 4.0, 13)  # the index histogram: 12 bins of width 0.25
LEVEL_NESTING = Nesting("level", "histogram", (0, 3, 6, 9))  # level cuts 1.75 / 2.5 / 3.25 lie on bin edges


def _level(x: np.ndarray) -> np.ndarray:
    return 1 + (x >= 1.75).astype(int) + (x >= 2.5).astype(int) + (x >= 3.25).astype(int)


def cell_of(scores: np.ndarray) -> Cell:
    """The statistics published for one group of people (rows of area scores on the 1-4 scale)."""
    n = len(scores)
    if n == 0:
        return Cell(0)
    index = scores.mean(axis=1)
    means = {"index": float(index.mean()), **{f"area{a}": float(scores[:, a].mean()) for a in range(AREAS)}}
    bins = np.minimum(np.searchsorted(EDGES, index, side="right") - 1, 11)
    vectors = {
        "histogram": np.bincount(bins, minlength=12),
        "level": np.bincount(_level(index) - 1, minlength=4),
        **{f"level_area{a}": np.bincount(_level(scores[:, a]) - 1, minlength=4) for a in range(AREAS)},
    }
    sd = float(index.std(ddof=1)) if n > 1 else 0.0
    return Cell(n, means, {"sd": sd}, {k: tuple(int(c) for c in v) for k, v in vectors.items()})


def people(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.clip(rng.normal(rng.uniform(1.6, 3.2), rng.uniform(0.2, 0.8), size=(n, AREAS)), 1.0, 4.0)


def release_from(scores: np.ndarray, breakdowns: Mapping[str, Sequence[int]], **kwargs: object) -> Release:
    """breakdowns: table name -> list of category sizes (in the order people are listed)."""
    tables = []
    for name, sizes in breakdowns.items():
        assert sum(sizes) == len(scores)
        bounds = list(itertools.accumulate(sizes, initial=0))
        cells = {f"c{i}": cell_of(scores[a:b]) for i, (a, b) in enumerate(itertools.pairwise(bounds))}
        tables.append(Table(name, cells))
    return Release(cell_of(scores), tables, nestings=(LEVEL_NESTING,), **kwargs)  # type: ignore[arg-type]


def random_release(rng: np.random.Generator, n_total: int, n_tables: int) -> Release:
    scores = people(rng, n_total)
    tables = []
    for t in range(n_tables):
        k = int(rng.integers(2, 7))
        cats = rng.choice(k, size=n_total, p=rng.dirichlet(np.full(k, 0.4)))
        tables.append(Table(f"t{t}", {f"c{j}": cell_of(scores[cats == j]) for j in range(k)}))
    return Release(
        cell_of(scores), tables, eligible=n_total + int(rng.integers(0, 25)), nestings=(LEVEL_NESTING,)
    )


def published_counts(result: ProtectedRelease) -> list[int]:
    cells = [result.total, *(c for t in result.tables for c in t.cells.values())]
    counts = [c.n for c in cells if c.n is not None]
    counts += [g.count for c in cells for gs in c.vectors.values() for g in gs if g.count is not None]
    if result.eligible is not None and result.total.n is not None:
        counts += [result.eligible, result.eligible - result.total.n]
    return counts


def unprotect(result: ProtectedRelease, table: str, key: str, cell: Cell) -> ProtectedRelease:
    """The naive scheme: publish a cell that complementary suppression had hidden (same bins as its table)."""
    out = []
    for t in result.tables:
        if t.name == table:
            shown = next(c for c in t.cells.values() if not c.suppressed)
            vectors = {
                name: tuple(Group(g.start, g.stop, sum(cell.vectors[name][g.start : g.stop])) for g in groups)
                for name, groups in shown.vectors.items()
            }
            t = PublishedTable(
                t.name, {**t.cells, key: PublishedCell(cell.n, cell.means, cell.stats, vectors)}
            )
        out.append(t)
    return replace(result, tables=tuple(out))


# ---------------------------------------------------------------------------------------------------------
# Primary suppression and zeros


def test_cell_of_9_is_suppressed_and_cell_of_10_published() -> None:
    scores = people(np.random.default_rng(1), 200)
    result = protect(release_from(scores, {"a": [9, 80, 111], "b": [10, 80, 110]}))
    a, b = (t.cells for t in result.tables)
    assert a["c0"].suppressed
    assert a["c0"].reason is Reason.PRIMARY
    assert a["c0"].n is None
    assert not a["c0"].means
    assert not a["c0"].stats
    assert not a["c0"].vectors
    assert not b["c0"].suppressed
    assert b["c0"].n == 10
    assert b["c0"].means["index"] == pytest.approx(float(scores[:10].mean()))
    assert audit(result) == []


@pytest.mark.parametrize("min_cell", [3, 5, 11])
def test_min_cell_is_a_parameter(min_cell: int) -> None:
    scores = people(np.random.default_rng(2), 200)
    sizes = [min_cell - 1, min_cell, 200 - 2 * min_cell + 1]
    result = protect(release_from(scores, {"a": sizes}), min_cell=min_cell)
    cells = result.tables[0].cells
    assert cells["c0"].reason is Reason.PRIMARY
    assert all(c == 0 or c >= min_cell for c in published_counts(result))
    assert audit(result, min_cell=min_cell) == []


def test_zero_cell_is_published_as_zero_and_never_used_as_complement() -> None:
    scores = people(np.random.default_rng(3), 100)
    result = protect(release_from(scores, {"a": [3, 0, 40, 57]}))
    cells = result.tables[0].cells
    assert cells["c1"] == PublishedCell(n=0, vectors=cells["c1"].vectors)
    assert all(g.count == 0 for groups in cells["c1"].vectors.values() for g in groups)
    assert cells["c1"].reason is None
    assert cells["c2"].reason is Reason.COMPLEMENTARY  # the smallest non-empty cell, not the empty one
    assert audit(result) == []


# ---------------------------------------------------------------------------------------------------------
# The subtraction attack


def test_subtraction_attack_succeeds_on_primary_only_and_fails_after_protect() -> None:
    scores = people(np.random.default_rng(4), 100)
    scores[:3] = 3.9  # the small group scores high: worth protecting
    release = release_from(scores, {"age": [3, 40, 57]})
    small, mid, _ = release.tables[0].cells.values()
    result = protect(release)
    cells = result.tables[0].cells
    assert cells["c0"].reason is Reason.PRIMARY
    assert cells["c1"].reason is Reason.COMPLEMENTARY

    def attack(r: ProtectedRelease) -> tuple[int, float]:
        shown = [c for c in r.tables[0].cells.values() if c.n is not None]
        assert r.total.n is not None
        n_rest = r.total.n - sum(c.n for c in shown if c.n)
        score_rest = r.total.n * r.total.means["index"] - sum(c.n * c.means["index"] for c in shown if c.n)
        return n_rest, score_rest / n_rest

    # Naive: hide only the small cell. Subtraction gives its size and, through n*mean, its mean.
    naive = unprotect(result, "age", "c1", mid)
    n_naive, mean_naive = attack(naive)
    assert n_naive == 3
    assert mean_naive == pytest.approx(small.means["index"]) == pytest.approx(3.9)
    kinds = {(f.where, f.kind) for f in audit(naive)}
    assert ("age/c0: n", FindingKind.PINNED) in kinds

    # Protected: subtraction only yields the two hidden cells together, a group of 43.
    n_rest, mean_rest = attack(result)
    assert n_rest == 43 != small.n
    assert not math.isclose(mean_rest, 3.9, abs_tol=0.3)
    assert audit(result) == []
    lo, hi = feasible_interval(result, "age", "c0")
    assert lo == pytest.approx(1)
    assert hi == pytest.approx(42)


def test_two_small_cells_summing_below_10_pull_in_a_third() -> None:
    scores = people(np.random.default_rng(5), 100)
    result = protect(release_from(scores, {"a": [4, 3, 50, 43]}))
    reasons = {k: c.reason for k, c in result.tables[0].cells.items()}
    assert reasons == {"c0": Reason.PRIMARY, "c1": Reason.PRIMARY, "c2": None, "c3": Reason.COMPLEMENTARY}
    assert audit(result) == []


def test_hidden_pair_of_9_and_1_still_reveals_both_are_small() -> None:
    # Combined n >= 10 is not enough: with zeros shown, each hidden cell is >= 1, so each is <= 9.
    scores = people(np.random.default_rng(6), 100)
    release = release_from(scores, {"a": [9, 1, 40, 50]})
    result = protect(release)
    assert result.tables[0].cells["c2"].reason is Reason.COMPLEMENTARY
    assert audit(result) == []
    weak = unprotect(result, "a", "c2", release.tables[0].cells["c2"])
    findings = audit(weak)
    assert {(f.where, f.kind) for f in findings} >= {
        ("a/c0: n", FindingKind.SMALL_INTERVAL),
        ("a/c1: n", FindingKind.SMALL_INTERVAL),
    }


def test_breakdown_with_only_small_cells_is_withheld() -> None:
    scores = people(np.random.default_rng(7), 11)
    result = protect(release_from(scores, {"a": [9, 1, 1, 0]}))
    table = result.tables[0]
    assert table.reason is Reason.TABLE
    assert all(c.suppressed for c in table.cells.values())
    assert public_view(result)["tables"] == {"a": {"suppressed": True}}
    assert audit(result) == []


# ---------------------------------------------------------------------------------------------------------
# Count vectors inside cells


def _partition(groups: Sequence[Group]) -> tuple[int, ...]:
    return (0, *(g.stop for g in groups))


def test_vectors_are_coarsened_to_one_partition_per_table_and_hidden_bins_stay_hidden() -> None:
    rng = np.random.default_rng(8)
    scores = people(rng, 300)
    result = protect(release_from(scores, {"a": [12, 288], "b": [3, 150, 147]}))
    assert all(c == 0 or c >= MIN_CELL for c in published_counts(result))
    for table in result.tables:
        shown = [c for c in table.cells.values() if not c.suppressed]
        for name, total_groups in result.total.vectors.items():
            cuts = {_partition(c.vectors[name]) for c in shown}
            assert len(cuts) == 1  # one partition for the whole table
            assert set(next(iter(cuts))) <= set(_partition(total_groups))  # coarsening of the total's
    # The 12-person cell has merged bins; no fine bin inside them can be pinned to a small count.
    cell = result.tables[0].cells["c0"]
    merged = [g for g in cell.vectors["histogram"] if g.stop - g.start > 1 and g.count]
    assert merged
    for g in merged:
        for b in range(g.start, g.stop):
            lo, hi = feasible_interval(result, "a", "c0", "histogram", (b, b + 1))
            assert lo == 0 or hi >= MIN_CELL
            assert hi - lo >= 1
    assert audit(result) == []


def test_level_vector_follows_histogram_cuts() -> None:
    scores = people(np.random.default_rng(9), 60)
    result = protect(release_from(scores, {"a": [25, 35]}))
    for cell in [result.total, *result.tables[0].cells.values()]:
        hist_cuts = set(_partition(cell.vectors["histogram"]))
        level_cuts = _partition(cell.vectors["level"])
        starts = (*LEVEL_NESTING.starts, 12)
        assert all(starts[c] in hist_cuts for c in level_cuts)


def test_naive_per_cell_level_suppression_leaks_through_the_total_and_audit_sees_it() -> None:
    # Hiding male L3/L4 inside the male row: the total's level counts are the column margin, so
    # male L4 = total L4 - female L4. This is why protect coarsens instead.
    def levels(*counts: int | None) -> tuple[Group, ...]:
        return tuple(Group(i, i + 1, c) for i, c in enumerate(counts))

    total = PublishedCell(1000, vectors={"level": levels(300, 500, 180, 20)})
    male = PublishedCell(500, vectors={"level": levels(150, 250, None, None)})
    female = PublishedCell(500, vectors={"level": levels(150, 250, 85, 15)})
    result = ProtectedRelease(
        total, (PublishedTable("sex", {"m": male, "f": female}),), None, False, 10, (1.0, 4.0), ()
    )
    assert 20 - 15 == 5  # the attack
    findings = {(f.where, f.kind, f.lo) for f in audit(result)}
    assert ("sex/m: level[3:4]", FindingKind.PINNED, 5.0) in findings


def test_per_cell_coarsening_leaks_through_the_total_and_audit_sees_it() -> None:
    # Coarsening each cell on its own: A = [5, 20, 25] becomes [25 | 25], B = [20, 10, 20] stays.
    # The total's first bin is the column margin, so A's hidden first bin = 25 - 20 = 5.
    def hist(*spans: tuple[int, int, int]) -> dict[str, tuple[Group, ...]]:
        return {"histogram": tuple(Group(a, b, c) for a, b, c in spans)}

    total = PublishedCell(100, vectors=hist((0, 1, 25), (1, 2, 30), (2, 3, 45)))
    a = PublishedCell(50, vectors=hist((0, 2, 25), (2, 3, 25)))
    b = PublishedCell(50, vectors=hist((0, 1, 20), (1, 2, 10), (2, 3, 20)))
    result = ProtectedRelease(
        total, (PublishedTable("sex", {"a": a, "b": b}),), None, False, 10, (1.0, 4.0), ()
    )
    findings = {(f.where, f.kind, f.lo) for f in audit(result)}
    assert ("sex/a: histogram[0:1]", FindingKind.SMALL_COUNT, 5.0) in findings


def test_level_published_finer_than_histogram_leaks_and_audit_sees_it() -> None:
    # A histogram bin 1.0-2.0 of 12 and a level-1 count (1.0-1.75) of 11 leave 1 person in 1.75-2.0.
    hist = (Group(0, 4, 12), Group(4, 12, 38))
    level = (Group(0, 1, 11), Group(1, 2, 10), Group(2, 4, 29))
    cell = PublishedCell(50, vectors={"histogram": hist, "level": level})
    result = ProtectedRelease(cell, (), None, False, 10, (1.0, 4.0), (LEVEL_NESTING,))
    findings = {(f.where, f.kind) for f in audit(result)}
    assert ("total: histogram[3:4]", FindingKind.SMALL_COUNT) in findings


# ---------------------------------------------------------------------------------------------------------
# Linked tables, region, eligible, public view


def test_breakdowns_cannot_be_combined_to_narrow_a_hidden_cell() -> None:
    # Each hidden cell sits in one breakdown; given the fully published total, the joint LP over all
    # breakdowns gives exactly the intervals of each breakdown on its own.
    scores = people(np.random.default_rng(10), 200)
    result = protect(release_from(scores, {"sex": [5, 95, 100], "age": [7, 4, 60, 129], "rank": [200]}))
    joint = auditing._Builder(result, result.tables).compile()
    for table in result.tables:
        alone = auditing._Builder(result, (table,)).compile()
        for key, cell in table.cells.items():
            if cell.suppressed:
                j = auditing._Builder(result, result.tables)
                a = auditing._Builder(result, (table,))
                target_j = {j.rows[table.name, key].n: 1.0}
                target_a = {a.rows[table.name, key].n: 1.0}
                assert joint.interval(target_j, target_j) == pytest.approx(alone.interval(target_a, target_a))
    assert audit(result) == []


def test_region_below_min_cell_publishes_only_that_fact() -> None:
    scores = people(np.random.default_rng(11), 9)
    result = protect(release_from(scores, {"sex": [4, 5]}, eligible=30))
    assert result.region_suppressed
    assert result.total.reason is Reason.REGION
    assert result.eligible is None
    assert all(t.reason is Reason.REGION and not t.cells for t in result.tables)
    assert public_view(result) == {"suppressed": True}
    assert audit(result) == []


@pytest.mark.parametrize(("eligible", "shown"), [(100, True), (103, False), (109, False), (110, True)])
def test_eligible_hidden_when_non_participants_are_few(eligible: int, shown: bool) -> None:
    scores = people(np.random.default_rng(12), 100)
    result = protect(release_from(scores, {"a": [50, 50]}, eligible=eligible))
    assert (result.eligible == eligible) is shown
    assert result.eligible_suppressed is not shown
    assert audit(result) == []


def test_public_view_hides_the_reason() -> None:
    scores = people(np.random.default_rng(13), 100)
    view = public_view(protect(release_from(scores, {"a": [3, 40, 57]})))
    cells = view["tables"]["a"]["cells"]  # type: ignore[index]
    assert cells["c0"] == cells["c1"] == {"suppressed": True}
    text = json.dumps(view)
    assert "primary" not in text
    assert "complementary" not in text


def test_inconsistent_input_is_refused() -> None:
    scores = people(np.random.default_rng(14), 100)
    good = release_from(scores, {"a": [50, 50]})
    bad_cells = dict(good.tables[0].cells)
    bad_cells["c0"] = replace(bad_cells["c0"], n=49)
    with pytest.raises(ValueError, match="sum"):
        protect(replace(good, tables=[Table("a", bad_cells)]))
    with pytest.raises(ValueError, match="min_cell"):
        protect(good, min_cell=0)


# ---------------------------------------------------------------------------------------------------------
# Purity, determinism, and many random tables


def test_input_not_mutated_and_output_deterministic() -> None:
    release = random_release(np.random.default_rng(15), 120, 3)
    before = copy.deepcopy(release)
    first, second = protect(release), protect(release)
    assert release == before
    assert first == second
    assert public_view(first) == public_view(second)
    assert audit(first) == audit(second) == []
    with pytest.raises(TypeError):
        release.total.vectors["level"] = (0, 0, 0, 0)  # type: ignore[index]


def test_random_tables_always_pass_the_audit() -> None:
    rng = np.random.default_rng(20240804)  # Kukar's test day
    tables = 0
    while tables < 300:
        n_total = int(rng.choice([int(rng.integers(5, 40)), int(rng.integers(40, 400))]))
        release = random_release(rng, n_total, int(rng.integers(1, 4)))
        result = protect(release)
        tables += len(release.tables)
        assert all(c == 0 or c >= MIN_CELL for c in published_counts(result))
        for source, table in zip(release.tables, result.tables, strict=True):
            if table.suppressed:
                continue
            hidden = [source.cells[k].n for k, c in table.cells.items() if c.suppressed]
            if hidden:  # each hidden cell could hold >= MIN_CELL people given the others hold >= 1
                assert len(hidden) >= 2
                assert sum(hidden) - (len(hidden) - 1) >= MIN_CELL
        assert audit(result) == [], release


def test_audit_shortcut_never_hides_a_finding() -> None:
    # The shortcut judges an inner estimate of the interval; whenever it clears a target, every wider
    # interval must be clear too.
    rng = np.random.default_rng(16)
    for derived in (False, True):
        target = auditing._Target("x", {0: 1.0}, {0: 1.0}, derived)
        for _ in range(3000):
            lo, hi = sorted(rng.integers(0, 25, size=2).astype(float))
            if auditing._judge(target, (lo, hi), 10, conclusive_only=True) is None:
                wider_lo, wider_hi = lo - rng.integers(0, 5), hi + rng.integers(0, 5)
                assert auditing._judge(target, (max(0.0, wider_lo), wider_hi), 10) is None
