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

Modules, in the order each builds on the last: ``model`` (the values), ``protection`` (rules 1-6),
``auditing`` (the reader's attack), ``published`` (the public view and reading it back), ``versions`` (what
two versions give away together) and ``republication`` (rule 7). Callers use the names below.
"""

from benchmark.disclosure.auditing import audit, feasible_interval
from benchmark.disclosure.model import (
    MIN_CELL,
    Cell,
    Finding,
    FindingKind,
    Group,
    Nesting,
    ProtectedRelease,
    PublishedCell,
    PublishedTable,
    Reason,
    Release,
    Table,
)
from benchmark.disclosure.protection import protect
from benchmark.disclosure.published import from_view, public_view, rounded
from benchmark.disclosure.republication import audit_versions, protect_against

__all__ = [
    "MIN_CELL",
    "Cell",
    "Finding",
    "FindingKind",
    "Group",
    "Nesting",
    "ProtectedRelease",
    "PublishedCell",
    "PublishedTable",
    "Reason",
    "Release",
    "Table",
    "audit",
    "audit_versions",
    "feasible_interval",
    "from_view",
    "protect",
    "protect_against",
    "public_view",
    "rounded",
]
