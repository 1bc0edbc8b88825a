"""Test forms: which items a round's form holds, and the order each person sees them in.

The rule (``FormRule``) builds one form per round from a bank, area by area:

* **Equal areas.** The index is the plain mean of the five area scores, so every area weighs the same
  in it and every area gets the same number of items: ``length / number of areas`` (12 of 60). A length
  that does not divide by the number of areas is refused (``FormRuleError``) rather than giving one area
  a more precise score than another. Filling round-robin by competence, as the first version did, gave
  area 1 (3 competences) 8-9 items and area 2 (6 competences) 16-18.
* **Every competence.** Within an area the places are spread over its competences as evenly as the bank
  allows (water-filling: the next place goes to the competence with the fewest items so far), so on
  the 60-item form area 1 has 4 items per competence, areas 3-5 have 3 and area 2 has 2. Every
  competence gets at least ``min_per_competence`` (1 by default) or the rule is refused.
* **Anchors** (the bank's common items) link forms and rounds on one scale; they count in their area's
  and their competence's places. A form holds at most ``max_anchor_share`` (half) of each area's places
  as anchors: 6 of 12 on the 60-item form. An area with no more anchors than that (the 2026.1 bank has
  4 per area) has all of them on every form, as before. An area with more (2027.1: 9 per area) gives
  each form a subset of that size, chosen per round (``anchor_subsets``):

  - *Balanced*: the subset spans the levels the area's anchors span (as far as its size allows), keeps
    a multiple-response or ordering anchor where the area has one, then has levels as even and item
    types as many as the anchors allow, so the common items still cover the scale's range and formats.
  - *Linked within the round*: every two parallel forms share at least half of each form's anchors
    in each area (3 of 6), and beyond that the forms' subsets together cover as many of the area's
    anchors as possible, each anchor on about as many forms as another. On 2027.1 two forms take 6
    each, share 3 and use all 9; three forms use all 9, any two share 3 or 4.
  - *Rotated between rounds*: among equally good subsets the round's seed decides, so a single-form
    round uses 6 of the 9 and the next round another 6; over rounds every anchor is used.

  Why not every anchor on every form: linking needs common items per form and per round, not the whole
  block. 9 anchors in 12 places made a form 75 % anchors and left two parallel forms 3 items per area
  to differ in, and every round exposed the whole anchor block to every taker, so its items would
  be known (and drift) soonest. The issue's ">= 8 anchors per area" is a property of the bank (enough
  anchors to rotate and to drop a drifting one), not of each form. The national calibration stacks
  rounds (concurrent calibration over the responses of many rounds and regions, missing by design
  where a form did not hold an item), so every anchor gets responses over rounds, and within a round
  the spiralled, randomly equivalent groups of the parallel forms link them as well as the shared
  anchors do. 6 anchors per area and form is still half of the area's places, above the usual
  rule of thumb for common-item linking (a fifth of the test).
* **Levels.** Given the competences' places, the items are chosen so that the four levels are as even
  as the bank allows within the area (the least sum of squared level counts, exactly: a small
  min-cost flow over competence x level cells), and, second, spread within each competence, so that
  a competence's two or three items do not all sit at one level.
* **Seeded.** Every random choice (which competence gets a spare place, which item of a cell, ties)
  comes from the round's seed, so a form can be rebuilt exactly and forms differ between rounds.

**Parallel forms** (``FormRule.forms``, 2 to ``MAX_FORMS``; issue #17: the takers of one session, and
of one region, should not all see the same items) come from the same seed, area by area:

* **One blueprint.** The places per competence are decided once (above) and every form holds them; the
  first form's levels are balanced as a single form's are, and every further form is held to the first
  form's level counts exactly, so the forms agree per area, per competence and per level. Each form is
  as balanced as a single form built alone.
* **Anchors linking the forms.** All anchors on every form where they fit the share above; otherwise
  per area subsets that pairwise share at least half of a form's anchors (above).
* **Separate items where the bank allows.** Forms are built one after the other: between level balance
  and the spread within a competence, each further form minimises the use of items that earlier forms
  already hold (a third cost tier in the same flow; the ``t``-th item of a cell costs the ``t``-th
  smallest use among its items, which is convex). The forms may take different competence x level
  cells: identical cells would make two forms share every item of a cell with one free item (the
  2026.1 bank has one level-4 item per competence), while the blueprint only needs equal counts per
  competence and per level. On the 2026.1 bank two 60-item forms share only the 9 level-4 items that
  the level balance forces (per area, two forms need more level-4 items than the bank has); on a bank
  with three or more items per cell they share nothing but the anchors. Level balance comes before
  separation because it is the rule of every form; the round page says how many items are shared.
* **Balanced difficulty.** Scores are comparable across forms through the item parameters anyway, but
  forms of unequal difficulty or precision would still treat takers of one session unequally. Within
  each cell, items are then swapped between forms (or exchanged for a less-used item of the cell) while
  that lowers the spread of the forms' mean ``b`` and of their information at theta 0 per area
  (``Candidate.a``/``b``, the items' parameters; a GPCM item counts as a 2PL at its location). On the
  2026.1 bank this brings the forms' mean ``b`` within 0.04 logits per area (0.15 without) and their
  information within 3 % (13 %); the moves never add a shared item.
* **Refused** (``FormRuleError``) when the forms could not really differ: when the anchors fill the
  test (only possible with ``max_anchor_share`` 1), or when two forms would share more than
  ``MAX_SHARED`` (half) of their items outside the anchors
  (the 2026.1 bank at 100 items, for example). Short of that the forms share as little as the bank
  allows and ``ParallelForms.shared`` lists what they share.
* **Deterministic.** The same seed gives the same forms; one form is, choice for choice, the form this
  module built before parallel forms existed (the random draws are made in the same order), and where
  the anchors fit the share the forms are those built before anchor subsets existed (the subsets draw
  from their own generator, seeded by round and area).

Each person then sees the form's items, and each item's options, in their own shuffled order,
seeded by round and person (a reload or another device shows the same order). An ordering item is
answered by rearranging the shown order, so the shown order is never the key (leaving it would score
full marks) and, with three or more options, never one neighbour swap from it either (one point).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from assessment.instrument.anchor_subsets import anchor_subsets
from assessment.scoring.items import kendall_distance


@dataclass(frozen=True)
class Candidate:
    """An item as the assembler sees it.

    ``key_order`` is an ordering item's key (its options in the correct sequence), so that a person's
    shuffle can stay away from it; it is empty for every other item type.
    """

    code: str
    competence: str
    level: int
    is_anchor: bool
    option_ids: tuple[str, ...] = ()
    key_order: tuple[str, ...] = ()
    # The item's provisional or calibrated parameters: parallel forms are balanced on them.
    a: float = 1.0
    b: float = 0.0
    # The item type (``Item.Type``): a subset of the anchors keeps a multiple-response or ordering item.
    kind: str = ""

    @property
    def area(self) -> str:
        return area_of(self.competence)


@dataclass(frozen=True)
class FormRule:
    length: int = 60
    min_per_competence: int = 1  # a floor; the even spread gives more where the area's share allows
    include_anchors: bool = True
    forms: int = 1  # parallel forms (1 to MAX_FORMS)
    max_anchor_share: float = 0.5  # of each area's places on a form that anchors may take

    def __post_init__(self) -> None:
        if not 0 < self.max_anchor_share <= 1:
            raise ValueError(f"max_anchor_share is a share in (0, 1], not {self.max_anchor_share}")


class FormRuleError(ValueError):
    pass


MAX_FORMS = 4
MAX_SHARED = 0.5  # of the items outside the anchor block that two parallel forms may have in common


def area_of(competence: str) -> str:
    """The area of a competence code: ``"2"`` for ``"2.4"``."""
    return competence.split(".", 1)[0]


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass(frozen=True)
class ParallelForms:
    """The forms of a round (each in bank order), their union in bank order, the anchor items on them
    (on any form; all of them on every form when the bank has no more anchors than a form takes), the
    other items that are on more than one form (where the bank ran short), and the anchors on every
    form."""

    forms: tuple[tuple[str, ...], ...]
    union: tuple[str, ...]
    anchors: tuple[str, ...]
    shared: tuple[str, ...]
    common_anchors: tuple[str, ...] = ()


def assemble(items: list[Candidate], rule: FormRule, seed: str) -> list[str]:
    """The item codes of the (first) form, in bank order (people see them shuffled)."""
    return list(assemble_forms(items, rule, seed).forms[0])


def assemble_forms(items: list[Candidate], rule: FormRule, seed: str) -> ParallelForms:
    """``rule.forms`` parallel forms from one seed (see the module docstring); one form is the form
    :func:`assemble` has always built, choice for choice."""
    if not 1 <= rule.forms <= MAX_FORMS:
        raise FormRuleError(_("A round has 1 to %(max)d parallel forms.") % {"max": MAX_FORMS})
    by_area: dict[str, list[Candidate]] = defaultdict(list)
    for item in items:
        by_area[item.area].append(item)
    areas = sorted(by_area, key=_natural)
    if not areas or rule.length <= 0:
        raise FormRuleError(_("The bank has no items for a form."))
    if rule.length % len(areas):
        raise FormRuleError(
            _(
                "Every area gets the same number of items, so the length of the test must be a multiple "
                "of %(areas)d (the number of areas), for example %(lower)d or %(upper)d."
            )
            % {
                "areas": len(areas),
                "lower": max(len(areas), rule.length - rule.length % len(areas)),
                "upper": rule.length - rule.length % len(areas) + len(areas),
            }
        )
    if len(items) < rule.length:
        raise FormRuleError(
            _("The bank has %(n)d items, fewer than the %(length)d of the test.")
            % {"n": len(items), "length": rule.length}
        )
    share = rule.length // len(areas)
    rng = _rng("form", seed)
    chosen: list[list[Candidate]] = [[] for _form in range(rule.forms)]
    for area in areas:
        parts = _area_forms(area, by_area[area], share, rule, rng, seed)
        for form, part in zip(chosen, parts, strict=True):
            form += part
    position = {item.code: n for n, item in enumerate(items)}
    forms = tuple(tuple(sorted((i.code for i in form), key=position.__getitem__)) for form in chosen)
    common = set.intersection(*(set(form) for form in forms))
    uses = Counter(code for form in forms for code in form)
    anchors = tuple(i.code for i in items if i.is_anchor and i.code in uses) if rule.include_anchors else ()
    in_any = sorted(uses, key=position.__getitem__)
    shared = tuple(code for code in in_any if uses[code] > 1 and code not in anchors)
    result = ParallelForms(forms, tuple(in_any), anchors, shared, tuple(a for a in anchors if a in common))
    if rule.forms > 1:
        _check_distinct(result, rule)
    return result


def _check_distinct(result: ParallelForms, rule: FormRule) -> None:
    """Refuse parallel forms that would be (nearly) the same test: two forms may share at most
    ``MAX_SHARED`` of the items outside the anchor block."""
    anchors = set(result.anchors)
    owns = [len(set(form) - anchors) for form in result.forms]
    if min(owns) <= 0:
        raise FormRuleError(
            _(
                "With %(length)d items the anchor block fills the whole test, so parallel forms would be "
                "identical. Choose one form or a longer test."
            )
            % {"length": rule.length}
        )
    for first, second in itertools.combinations(range(len(result.forms)), 2):
        common = len((set(result.forms[first]) & set(result.forms[second])) - anchors)
        own = min(owns[first], owns[second])
        if common > MAX_SHARED * own:
            raise FormRuleError(
                _(
                    "The bank cannot give %(forms)d parallel forms of %(length)d items: forms %(first)d "
                    "and %(second)d would share %(common)d of their %(own)d items outside the anchor block "
                    "(at most half may be shared). Choose fewer forms or a shorter test."
                )
                % {
                    "forms": rule.forms,
                    "length": rule.length,
                    "first": first + 1,
                    "second": second + 1,
                    "common": common,
                    "own": own,
                }
            )


def _area_forms(
    area: str, pool: list[Candidate], share: int, rule: FormRule, rng: random.Random, seed: str
) -> list[list[Candidate]]:
    """The ``share`` items of one area on each form: anchors (all of them, or a balanced subset when the
    area has more than ``rule.max_anchor_share`` of its places), an even spread over competences,
    balanced levels; with several forms the same count per competence x level cell on every form, as
    few items on two forms as the cells allow, and the difficulty balanced between the forms."""
    competences = sorted({item.competence for item in pool}, key=_natural)
    anchors = [item for item in pool if item.is_anchor] if rule.include_anchors else []
    fixed = {item.code for item in anchors}  # never a free item, on a form that leaves it out as well
    if len(pool) < share:
        raise FormRuleError(
            _("Area %(area)s has %(n)d items in the bank, fewer than its %(share)d places on the test.")
            % {"area": area, "n": len(pool), "share": share}
        )
    cap = math.floor(share * rule.max_anchor_share + 1e-9)
    if len(anchors) <= cap:  # the whole anchor block on every form, as before anchor subsets existed
        blocks = [anchors] * rule.forms
    else:
        # The places the anchors' competences may take: the others need their minimum.
        room = share - rule.min_per_competence * len(set(competences) - {a.competence for a in anchors})
        blocks = anchor_subsets(
            anchors, cap, rule.forms, room, rule.min_per_competence, _rng("anchors", seed, area)
        )
    one_block = all(block == blocks[0] for block in blocks)
    block_counts = [Counter(item.competence for item in block) for block in blocks]
    free_available = Counter(item.competence for item in pool if item.code not in fixed)
    available = Counter(
        {c: free_available[c] + min(counts[c] for counts in block_counts) for c in competences}
    )
    places = Counter({c: max(counts[c] for counts in block_counts) for c in competences})
    for competence in competences:
        if available[competence] < rule.min_per_competence:
            raise FormRuleError(
                _("Competence %(competence)s has too few items for the test.") % {"competence": competence}
            )
        places[competence] = max(places[competence], rule.min_per_competence)
    if places.total() > share:
        raise FormRuleError(
            _(
                "Area %(area)s has %(n)d competences: its %(share)d places cannot hold its anchors and "
                "%(min)d item(s) per competence. Make the test longer."
            )
            % {"area": area, "n": len(competences), "share": share, "min": rule.min_per_competence}
        )
    # Water-filling: each spare place goes to the competence with the fewest places so far (a seeded
    # draw breaks ties), so the spread is as even as the bank's items per competence allow.
    tie = {c: rng.random() for c in competences}
    while places.total() < share:
        open_ = [c for c in competences if places[c] < available[c]]
        places[min(open_, key=lambda c: (places[c], tie[c]))] += 1

    cells: dict[tuple[str, int], list[Candidate]] = defaultdict(list)  # free items per (competence, level)
    for item in pool:
        if item.code not in fixed:
            cells[item.competence, item.level].append(item)
    levels = sorted({item.level for item in pool})
    wanted = [{c: places[c] - counts[c] for c in competences} for counts in block_counts]
    fixed_cells = [Counter((a.competence, a.level) for a in block) for block in blocks]
    free_counts = {cell: len(free) for cell, free in cells.items()}
    counts = _balance_levels(competences, levels, wanted[0], free_counts, fixed_cells[0], rng)
    if rule.forms == 1:
        chosen = list(blocks[0])
        for cell, free in cells.items():
            chosen += rng.sample(free, counts.get(cell, 0))
        return [chosen]
    # Form after form: the same level counts as the first form, then the least use of items that earlier
    # forms hold; within a cell the least-used items first (a seeded draw among equals).
    usage: Counter[str] = Counter()
    target = Counter(level for _c, level in fixed_cells[0].elements())
    for (_c, level), take in counts.items():
        target[level] += take
    dealt: list[dict[tuple[str, int], list[Candidate]]] = []
    for form in range(rule.forms):
        if form:
            uses = {cell: sorted(usage[i.code] for i in free) for cell, free in cells.items()}
            counts = _balance_levels(
                competences,
                levels,
                wanted[form],
                free_counts,
                fixed_cells[form],
                rng,
                uses=uses,
                target=target,
            )
        draw = {i.code: rng.random() for free in cells.values() for i in free}
        mine = {}
        for cell, free in cells.items():
            mine[cell] = sorted(free, key=lambda i: (usage[i.code], draw[i.code]))[: counts.get(cell, 0)]
            usage.update(i.code for i in mine[cell])
        dealt.append(mine)
    # A common block weighs the same on every form and is left out of the balance; subsets are not.
    _balance_difficulty(dealt, cells, usage, rng, None if one_block else blocks)
    return [
        list(block) + [item for cell in cells for item in form[cell]]
        for block, form in zip(blocks, dealt, strict=True)
    ]


def _balance_levels(
    competences: list[str],
    levels: list[int],
    wanted: dict[str, int],
    free: dict[tuple[str, int], int],
    fixed: Counter[tuple[str, int]],
    rng: random.Random,
    *,
    uses: dict[tuple[str, int], list[int]] | None = None,
    target: Counter[int] | None = None,
) -> dict[tuple[str, int], int]:
    """How many free items to take per (competence, level) cell.

    Minimises, in this order, the sum over levels of the squared level counts of the area (levels as
    even as the bank allows) and the sum over cells of the squared cell counts (levels spread within a
    competence), anchors included, while each competence gets exactly ``wanted[c]`` free items.
    Both costs are convex, so successive shortest paths with one unit at a time give the exact optimum
    of this small flow network (source -> competence -> level -> sink). The edges are relaxed in a
    seeded order, so that equally good choices differ between rounds.

    For a further parallel form, ``target`` (the first form's level counts) comes before everything,
    and between level balance and spread comes the use of items that earlier forms hold: ``uses[cell]``
    is how many forms hold each of the cell's free items, least first, so the ``t``-th item taken from
    a cell costs the ``t``-th smallest use (convex as well). Without them the costs and the choices are
    the single form's.
    """
    spread = (sum(wanted.values()) + sum(fixed.values())) ** 2 + 1  # bounds the spread cost of a path
    weight = spread  # level balance first
    most = max((max(u, default=0) for u in (uses or {}).values()), default=0)
    if uses is not None:
        weight = spread * (2 * most * (len(competences) * len(levels) + 1) + 1)
    units = sum(wanted.values()) + sum(fixed.values())
    missed = weight * (4 * units + 4)  # a level over the first form's count: worse than anything else

    taken: Counter[tuple[str, int]] = Counter()
    per_level = Counter({level: sum(fixed[c, level] for c in competences) for level in levels})
    cell_edges = [(c, level) for c in competences for level in levels if free.get((c, level), 0)]
    rng.shuffle(cell_edges)
    source, sink = "source", "sink"

    def use(cell: tuple[str, int], k: int) -> int:
        return spread * uses[cell][k] if uses is not None else 0

    def arcs() -> list[tuple[str, str, int, tuple[str, int] | None]]:
        """The residual arcs (from, to, cost, cell moved or None) of the current flow."""
        out: list[tuple[str, str, int, tuple[str, int] | None]] = [
            (source, f"c{c}", 0, None)
            for c in competences
            if wanted[c] > sum(taken[c, level] for level in levels)
        ]
        for c, level in cell_edges:
            n = fixed[c, level] + taken[c, level]
            t = taken[c, level]
            if t < free[c, level]:
                out.append((f"c{c}", f"l{level}", use((c, level), t) + 2 * n + 1, (c, level)))
            if t:
                out.append((f"l{level}", f"c{c}", -(use((c, level), t - 1) + 2 * n - 1), (c, level)))
        out += [
            (
                f"l{level}",
                sink,
                weight * (2 * per_level[level] + 1)
                + (missed if target is not None and per_level[level] >= target[level] else 0),
                None,
            )
            for level in levels
        ]
        return out

    for _unit in range(sum(wanted.values())):
        residual = arcs()
        distance: dict[str, int] = {source: 0}
        via: dict[str, tuple[str, tuple[str, int] | None]] = {}
        for _round in range(len(competences) + len(levels) + 2):  # Bellman-Ford: no negative cycles
            changed = False
            for start, end, cost, cell in residual:
                if start in distance and distance[start] + cost < distance.get(end, 1 << 62):
                    distance[end], via[end] = distance[start] + cost, (start, cell)
                    changed = True
            if not changed:
                break
        if sink not in distance:  # cannot happen: the area's share was checked against its items
            raise FormRuleError(_("The bank's items cannot fill the test."))
        node = sink
        while node != source:
            previous, cell = via[node]
            if cell is not None:
                taken[cell] += 1 if previous.startswith("c") else -1
            elif node == sink:
                per_level[int(previous[1:])] += 1
            node = previous
    return dict(taken)


_PASSES = 50  # improvement passes of the difficulty balance; it settles in a handful


def _information(item: Candidate) -> float:
    """Fisher information at theta 0 of the item as a 2PL (a GPCM item by its location ``b``)."""
    p = 1.0 / (1.0 + math.exp(item.a * item.b))
    return item.a * item.a * p * (1.0 - p)


def _balance_difficulty(
    dealt: list[dict[tuple[str, int], list[Candidate]]],
    cells: dict[tuple[str, int], list[Candidate]],
    usage: Counter[str],
    rng: random.Random,
    blocks: list[list[Candidate]] | None = None,
) -> None:
    """Move items between the forms of one area, within their cell, until the forms' mean ``b`` and
    information at theta 0 are as close as these moves get them (in place). ``blocks``, the forms'
    anchors when they differ between forms, count in the forms' means and information but never move.

    Two moves keep every form's cell counts and never put more items on two forms: swapping an item of
    one form with an item of another form in the same cell (neither on both), and replacing an item of
    a form with another item of its cell that fewer forms hold. The cost is the variance of the forms'
    mean ``b`` plus the variance of their information relative to its mean; each pass tries every move
    in a seeded order and keeps those that lower it (a local optimum: with a few dozen items per area
    an exact balance is rarely possible anyway).
    """
    forms = range(len(dealt))
    base = blocks or [[] for _form in forms]
    b_sum = [
        sum(i.b for items in form.values() for i in items) + sum(a.b for a in block)
        for form, block in zip(dealt, base, strict=True)
    ]
    info = [
        sum(_information(i) for items in form.values() for i in items) + sum(_information(a) for a in block)
        for form, block in zip(dealt, base, strict=True)
    ]
    n = max(1, sum(len(items) for items in dealt[0].values()) + len(base[0]))

    def cost(b_sums: list[float], infos: list[float]) -> float:
        mean_b = sum(b_sums) / len(b_sums) / n
        mean_info = sum(infos) / len(infos) or 1.0
        return sum((s / n - mean_b) ** 2 for s in b_sums) + sum(
            ((i - mean_info) / mean_info) ** 2 for i in infos
        )

    order = sorted(cells, key=lambda cell: (_natural(cell[0]), cell[1]))
    rng.shuffle(order)
    current = cost(b_sum, info)
    for _pass in range(_PASSES):
        improved = False
        for cell in order:
            for first, second in itertools.combinations(forms, 2):
                mine, theirs = dealt[first][cell], dealt[second][cell]
                for x, y in itertools.product(list(mine), list(theirs)):
                    if x in theirs or y in mine or x not in mine or y not in theirs:
                        continue
                    b_try, info_try = list(b_sum), list(info)
                    b_try[first] += y.b - x.b
                    b_try[second] += x.b - y.b
                    info_try[first] += _information(y) - _information(x)
                    info_try[second] += _information(x) - _information(y)
                    new = cost(b_try, info_try)
                    if new < current - 1e-12:
                        mine[mine.index(x)], theirs[theirs.index(y)] = y, x
                        b_sum, info, current, improved = b_try, info_try, new, True
            for form in forms:
                mine = dealt[form][cell]
                for x, z in itertools.product(list(mine), cells[cell]):
                    if x not in mine or z in mine or usage[z.code] >= usage[x.code]:
                        continue
                    b_try, info_try = list(b_sum), list(info)
                    b_try[form] += z.b - x.b
                    info_try[form] += _information(z) - _information(x)
                    new = cost(b_try, info_try)
                    if new < current - 1e-12:
                        mine[mine.index(x)] = z
                        usage[x.code] -= 1
                        usage[z.code] += 1
                        b_sum, info, current, improved = b_try, info_try, new, True
        if not improved:
            return


@dataclass(frozen=True)
class PersonalForm:
    item_codes: list[str]
    option_order: dict[str, list[str]]


_RESHUFFLES = 20  # then a rotation of the key, which is always far enough from it


def personalise(form: list[Candidate], round_seed: str, person: str) -> PersonalForm:
    """This person's order of items and of each item's options (stable across reloads and devices).

    An ordering item with a known key (``Candidate.key_order``) is reshuffled, with the same seeded
    generator, until its shown order would earn nothing if left as it is (see :func:`_gives_credit`).
    """
    rng = _rng("person", round_seed, person)
    codes = [item.code for item in form]
    rng.shuffle(codes)
    options = {}
    for item in form:
        ids = list(item.option_ids)
        rng.shuffle(ids)
        key = list(item.key_order)
        if len(key) >= 2 and sorted(key) == sorted(ids):
            for _attempt in range(_RESHUFFLES):
                if not _gives_credit(ids, key):
                    break
                rng.shuffle(ids)
            else:
                ids = key[1:] + key[:1]  # n - 1 neighbour swaps from the key
        options[item.code] = ids
    return PersonalForm(codes, options)


def _gives_credit(shown: list[str], key: list[str]) -> bool:
    """Whether confirming the shown order would score: the key itself (2 points) or, when the item has
    three or more options, one neighbour swap from it (1 point). Two options allow only the key and
    its reverse, which is one swap away by nature, so there only the key is avoided."""
    if shown == key:
        return True
    return len(key) >= 3 and kendall_distance(shown, key) <= 1


def _natural(code: str) -> list[int | str]:
    return [int(part) if part.isdigit() else part for part in code.split(".")]
