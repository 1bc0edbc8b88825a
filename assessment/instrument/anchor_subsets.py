"""Which of an area's anchors each form holds when the area has more anchors than a form takes.

The rule and its reasons are in ``assessment.instrument.assembly`` (the module docstring, *Anchors*);
this module only chooses the subsets, one per parallel form, for one area of one round. The search is
small: an area's anchors are a handful (9 in the 2027.1 bank, so 84 subsets of 6), every subset is
described once, and the forms' subsets are compared as a whole by a lexicographic cost.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assessment.instrument.assembly import Candidate


_SPANNING_KINDS = frozenset({"multiple_response", "ordering"})  # a subset of anchors keeps one of these
_ANCHOR_SUBSETS = 3000  # the anchor subsets of one area compared at most (a seeded sample beyond)
_ANCHOR_PASSES = 10  # improvement passes over the forms' anchor subsets; they settle in two or three


@dataclass(frozen=True)
class _Block:
    """One candidate subset of an area's anchors, with what the choice among subsets looks at."""

    members: tuple[int, ...]  # indices into the area's anchors
    mask: int
    missing: int  # levels of the area's anchors not spanned (as far as the size allows), plus 1 when
    # the area has a multiple-response or ordering anchor and the subset none
    level_cost: int  # sum of squared level counts: levels as even as possible
    kinds: int  # distinct item types
    profile: tuple[int, ...]  # count per level of the area's anchors
    competences: tuple[int, ...]  # count per competence of the area's anchors


def anchor_subsets(
    anchors: list[Candidate], cap: int, forms: int, share: int, min_per_competence: int, rng: random.Random
) -> list[list[Candidate]]:
    """``cap`` of an area's anchors for each of ``forms`` forms, when the area has more anchors than
    ``cap`` (see ``assessment.instrument.assembly``); each subset in the anchors' order.

    Every subset of ``cap`` anchors (a seeded sample of ``_ANCHOR_SUBSETS`` when there are more) is a
    candidate. The forms' subsets minimise, in this order: the places their competences need (each at
    least ``min_per_competence``) beyond the ``share`` of the area left to them, levels not spanned and a
    missing multiple-response/ordering anchor, pairs of forms sharing fewer than half of a form's
    anchors, anchors on no form (the union as large as possible), anchors shared by pairs of forms
    beyond that (each anchor on about as many forms as another, no two forms with one subset where
    another will do), uneven levels within each subset, subsets with other level counts than the first
    form's, and fewer item types.

    The first form takes the best single subset, each further form the best subset given those before
    it, then each form's subset is replaced by the best given the others while that helps. Candidates
    are compared in a seeded order and the first best wins: equally good subsets differ from round to
    round, so over rounds every anchor is used.
    """
    levels = sorted({a.level for a in anchors})
    competences = sorted({a.competence for a in anchors})
    spanned = min(cap, len(levels))
    spanning_kind = any(a.kind in _SPANNING_KINDS for a in anchors)
    need = math.ceil(cap / 2)  # anchors every pair of forms shares
    n = len(anchors)
    if math.comb(n, cap) <= _ANCHOR_SUBSETS:
        subsets = list(itertools.combinations(range(n), cap))
    else:
        subsets = sorted({tuple(sorted(rng.sample(range(n), cap))) for _draw in range(_ANCHOR_SUBSETS)})
    rng.shuffle(subsets)

    def describe(members: tuple[int, ...]) -> _Block:
        chosen = [anchors[k] for k in members]
        per_level = Counter(a.level for a in chosen)
        per_competence = Counter(a.competence for a in chosen)
        missing = spanned - len(per_level)
        if spanning_kind and not any(a.kind in _SPANNING_KINDS for a in chosen):
            missing += 1
        return _Block(
            members,
            sum(1 << k for k in members),
            missing,
            sum(v * v for v in per_level.values()),
            len({a.kind for a in chosen}),
            tuple(per_level[level] for level in levels),
            tuple(per_competence[c] for c in competences),
        )

    candidates = [describe(members) for members in subsets]

    def cost(blocks: list[_Block]) -> tuple[int, ...]:
        forced = sum(
            max(min_per_competence, *(b.competences[k] for b in blocks)) for k in range(len(competences))
        )
        union = 0
        for block in blocks:
            union |= block.mask
        pairs = [(x.mask & y.mask).bit_count() for x, y in itertools.combinations(blocks, 2)]
        return (
            max(0, forced - share),
            sum(b.missing for b in blocks),
            sum(max(0, need - common) for common in pairs),
            -union.bit_count(),
            sum(pairs),  # the anchors' uses as even as possible: no two forms with the same subset
            sum(b.level_cost for b in blocks),
            sum(abs(p - q) for b in blocks for p, q in zip(b.profile, blocks[0].profile, strict=True)),
            -sum(b.kinds for b in blocks),
        )

    chosen: list[_Block] = []
    for _form in range(forms):
        chosen.append(min(candidates, key=lambda b: cost([*chosen, b])))
    for _pass in range(_ANCHOR_PASSES if forms > 1 else 0):
        improved = False
        for form in range(forms):
            current = cost(chosen)
            best = min(candidates, key=lambda b: cost([*chosen[:form], b, *chosen[form + 1 :]]))
            if cost([*chosen[:form], best, *chosen[form + 1 :]]) < current:
                chosen[form] = best
                improved = True
        if not improved:
            break
    return [[anchors[k] for k in block.members] for block in chosen]
