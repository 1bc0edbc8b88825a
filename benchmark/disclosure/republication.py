"""Rule 7: a round published again is protected against, and audited with, every version published before
(``protect_against``, ``audit_versions``). What two versions give away together is found in ``versions``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from benchmark.disclosure.auditing import table_sizes
from benchmark.disclosure.model import MIN_CELL, Finding, ProtectedRelease, Release
from benchmark.disclosure.protection import Plan, protect, protect_planned
from benchmark.disclosure.published import rounded
from benchmark.disclosure.versions import Issue, cuts_in_table, cuts_of, find_issues, first_shown, prefix_cuts

_MAX_ROUNDS = 500  # protect_against: each round hides more or merges bins, so it ends well before this


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
        result = protect_planned(release, min_cell, plan)
        shown = result if digits is None else rounded(result, digits)
        issues = [i for old in known for i in find_issues(shown, old, min_cell, rescored, digits, "")]
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
        issues = find_issues(shown, old, min_cell, rescored, digits, f"version {number}")
        found.extend(i.finding for i in issues)
    return found


def _initial_plan(earlier: Sequence[ProtectedRelease]) -> Plan:
    """What the earlier versions imply by themselves (rule 4's first half)."""
    hidden: dict[str, frozenset[str]] = {}
    withheld: set[str] = set()
    total_cuts: dict[str, frozenset[int]] = {}
    table_cuts: dict[tuple[str, str], frozenset[int]] = {}

    def narrow(into: dict[Any, frozenset[int]], key: Any, cuts: Iterable[int]) -> None:
        into[key] = into[key] & frozenset(cuts) if key in into else frozenset(cuts)

    for old in earlier:
        assert old.total.n is not None
        for name, prefix in prefix_cuts(old.total.n, old.total.vectors, old.nestings).items():
            narrow(total_cuts, name, prefix)
        for table in old.tables:
            if table.suppressed:
                withheld.add(table.name)
                continue
            was_hidden = frozenset(k for k, c in table.cells.items() if c.suppressed)
            hidden[table.name] = hidden.get(table.name, frozenset()) | was_hidden
            for name, cuts in cuts_in_table(old, table).items():
                narrow(table_cuts, (table.name, name), cuts)
    hide_eligible = any(old.eligible is None and old.eligible_suppressed for old in earlier)
    return Plan(hidden, frozenset(withheld), total_cuts, table_cuts, hide_eligible)


def _absorb(plan: Plan, issues: Sequence[Issue], result: ProtectedRelease) -> Plan:
    """The plan for the next round: hide, withhold or merge what the issues point at."""
    hidden = dict(plan.hidden)
    withheld = set(plan.withheld)
    total_cuts = dict(plan.total_cuts)
    table_cuts = dict(plan.table_cuts)
    tables = {t.name: t for t in result.tables}
    sizes = table_sizes(result)
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
        shown = first_shown(within) if within is not None else None
        # A breakdown that shows no cell shows no bins: what the issue saw there are the total's bins.
        cell, owner = (result.total, None) if shown is None else (shown, issue.table)
        if (owner, name) in merged:
            continue  # one merge per vector and round: the next round judges the merged bins afresh
        merged.add((owner, name))
        current = frozenset(cuts_of(cell.vectors[name]))
        if cut in current and 0 < cut < sizes[name]:
            if owner is None:
                total_cuts[name] = current - {cut}
            else:
                table_cuts[owner, name] = current - {cut}
    hide_eligible = plan.hide_eligible or any(i.eligible for i in issues)
    return Plan(hidden, frozenset(withheld), total_cuts, table_cuts, hide_eligible)
