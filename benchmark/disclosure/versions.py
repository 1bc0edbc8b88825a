"""Two versions of one round side by side: the blocks each publishes or implies, the components that chain
them, and the differences (in size, in bins, in values) that would single out fewer than
``min_cell`` people."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmark.disclosure.model import (
    Finding,
    FindingKind,
    Group,
    Nesting,
    ProtectedRelease,
    PublishedCell,
    PublishedTable,
)


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
class Issue:
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
    issues: list[Issue]
    unchanged: list[str]  # non-empty groups whose published numbers all stayed exactly the same
    changed: list[str]


def first_shown(table: PublishedTable) -> PublishedCell | None:
    return next((c for c in table.cells.values() if not c.suppressed), None)


def cuts_of(groups: Sequence[Group]) -> tuple[int, ...]:
    return (0, *(g.stop for g in groups))


def prefix_cuts(
    n: int, vectors: Mapping[str, Sequence[Group]], nestings: Sequence[Nesting]
) -> dict[str, dict[int, int]]:
    """People below each cut a reader can place, per vector: the published bin edges (counted from the
    front, or from the back past a hidden bin), and through a nesting the edges of the other vector."""
    out: dict[str, dict[int, int]] = {}
    for name, groups in vectors.items():
        counts = [g.count for g in groups]
        prefix: dict[int, int] = {}
        for i, edge in enumerate(cuts_of(groups)):
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


def cuts_in_table(result: ProtectedRelease, table: PublishedTable) -> dict[str, frozenset[int]]:
    """The cuts at which every published non-empty cell of a breakdown can be placed."""
    cuts: dict[str, frozenset[int]] = {}
    for cell in table.cells.values():
        if cell.suppressed or not cell.n:
            continue
        for name, prefix in prefix_cuts(cell.n, cell.vectors, result.nestings).items():
            cuts[name] = cuts[name] & frozenset(prefix) if name in cuts else frozenset(prefix)
    return cuts


def _sums(cell: PublishedCell, names: Iterable[str]) -> dict[str, float]:
    return {m: cell.n * cell.means[m] if cell.n else 0.0 for m in names}


def _total_block(result: ProtectedRelease, keys: Iterable[str], *, hidden: bool = False) -> _Block:
    total = result.total
    assert total.n is not None  # callers stop before this for a suppressed region
    prefix = prefix_cuts(total.n, total.vectors, result.nestings)
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
            prefix = prefix_cuts(cell.n, cell.vectors, result.nestings)
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


def find_issues(
    new: ProtectedRelease,
    old: ProtectedRelease,
    min_cell: int,
    rescored: bool,
    digits: int | None,
    version: str,
) -> list[Issue]:
    """What comparing ``new`` with one earlier version ``old`` gives a reader (rules in audit_versions)."""
    if new.region_suppressed or old.region_suppressed:
        return []  # a suppressed version publishes nothing to compare
    against = f" (against {version})" if version else ""
    found: list[Issue] = []

    def issue(kind: FindingKind, where: str, detail: str, **kwargs: Any) -> None:
        found.append(Issue(Finding(kind, where, detail=detail + against), **kwargs))

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
            new_cuts, old_cuts = cuts_in_table(new, table), cuts_in_table(old, before)
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

    issues: list[Issue] = []
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
                Issue(Finding(FindingKind.DIFFERENCE, where, detail=detail + against), table, keys_of(row))
            )
        else:
            where = f"{label(row)}: values"
            detail = "values changed, size did not, and this is not a full re-score"
            issues.append(
                Issue(Finding(FindingKind.CHANGED, where, detail=detail + against), table, keys_of(row))
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
            issues.append(Issue(finding, table, keys_of(unions[r]), vector=name, cut=cut))

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
) -> list[Issue]:
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
        return [Issue(finding, table, frozenset(rest), remainder=True)]
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
                return [Issue(finding, table, vector=name, cut=cut)]
    return []
