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
* **Anchors** (the bank's common block) are always in, so that every form and every round share items
  and results stay on one scale; they count in their area's and their competence's places.
* **Levels.** Given the competences' places, the items are chosen so that the four levels are as even
  as the bank allows within the area (the least sum of squared level counts, exactly: a small
  min-cost flow over competence x level cells), and, second, spread within each competence, so that
  a competence's two or three items do not all sit at one level.
* **Seeded.** Every random choice (which competence gets a spare place, which item of a cell, ties)
  comes from the round's seed, so a form can be rebuilt exactly and forms differ between rounds.

Each person then sees the form's items, and each item's options, in their own shuffled order,
seeded by round and person (a reload or another device shows the same order). An ordering item is
answered by rearranging the shown order, so the shown order is never the key (leaving it would score
full marks) and, with three or more options, never one neighbour swap from it either (one point).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

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

    @property
    def area(self) -> str:
        return area_of(self.competence)


@dataclass(frozen=True)
class FormRule:
    length: int = 60
    min_per_competence: int = 1  # a floor; the even spread gives more where the area's share allows
    include_anchors: bool = True


class FormRuleError(ValueError):
    pass


def area_of(competence: str) -> str:
    """The area of a competence code: ``"2"`` for ``"2.4"``."""
    return competence.split(".", 1)[0]


def _rng(*parts: object) -> random.Random:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def assemble(items: list[Candidate], rule: FormRule, seed: str) -> list[str]:
    """The item codes of the form, in bank order (people see them shuffled)."""
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
    chosen: list[Candidate] = []
    for area in areas:
        chosen += _area_form(area, by_area[area], share, rule, rng)
    position = {item.code: n for n, item in enumerate(items)}
    return sorted((item.code for item in chosen), key=position.__getitem__)


def _area_form(
    area: str, pool: list[Candidate], share: int, rule: FormRule, rng: random.Random
) -> list[Candidate]:
    """The ``share`` items of one area: anchors, an even spread over competences, balanced levels."""
    competences = sorted({item.competence for item in pool}, key=_natural)
    anchors = [item for item in pool if item.is_anchor] if rule.include_anchors else []
    fixed = {item.code for item in anchors}
    if len(pool) < share:
        raise FormRuleError(
            _("Area %(area)s has %(n)d items in the bank, fewer than its %(share)d places on the test.")
            % {"area": area, "n": len(pool), "share": share}
        )
    if len(anchors) > share:
        raise FormRuleError(
            _(
                "The anchor block of area %(area)s (%(n)d items) does not fit in its %(share)d places: "
                "make the test longer."
            )
            % {"area": area, "n": len(anchors), "share": share}
        )
    available = Counter(item.competence for item in pool)
    places = Counter(item.competence for item in anchors)
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
    wanted = {c: places[c] - sum(1 for a in anchors if a.competence == c) for c in competences}
    counts = _balance_levels(
        competences,
        levels,
        wanted,
        {cell: len(free) for cell, free in cells.items()},
        Counter((a.competence, a.level) for a in anchors),
        rng,
    )
    chosen = list(anchors)
    for cell, free in cells.items():
        chosen += rng.sample(free, counts.get(cell, 0))
    return chosen


def _balance_levels(
    competences: list[str],
    levels: list[int],
    wanted: dict[str, int],
    free: dict[tuple[str, int], int],
    fixed: Counter[tuple[str, int]],
    rng: random.Random,
) -> dict[tuple[str, int], int]:
    """How many free items to take per (competence, level) cell.

    Minimises, in this order, the sum over levels of the squared level counts of the area (levels as
    even as the bank allows) and the sum over cells of the squared cell counts (levels spread within a
    competence), anchors included, while each competence gets exactly ``wanted[c]`` free items.
    Both costs are convex, so successive shortest paths with one unit at a time give the exact optimum
    of this small flow network (source -> competence -> level -> sink). The edges are relaxed in a
    seeded order, so that equally good choices differ between rounds.
    """
    weight = (sum(wanted.values()) + sum(fixed.values())) ** 2 + 1  # level balance first
    taken: Counter[tuple[str, int]] = Counter()
    per_level = Counter({level: sum(fixed[c, level] for c in competences) for level in levels})
    cell_edges = [(c, level) for c in competences for level in levels if free.get((c, level), 0)]
    rng.shuffle(cell_edges)
    source, sink = "source", "sink"

    def arcs() -> list[tuple[str, str, int, tuple[str, int] | None]]:
        """The residual arcs (from, to, cost, cell moved or None) of the current flow."""
        out: list[tuple[str, str, int, tuple[str, int] | None]] = [
            (source, f"c{c}", 0, None)
            for c in competences
            if wanted[c] > sum(taken[c, level] for level in levels)
        ]
        for c, level in cell_edges:
            n = fixed[c, level] + taken[c, level]
            if taken[c, level] < free[c, level]:
                out.append((f"c{c}", f"l{level}", 2 * n + 1, (c, level)))
            if taken[c, level]:
                out.append((f"l{level}", f"c{c}", -(2 * n - 1), (c, level)))
        out += [(f"l{level}", sink, weight * (2 * per_level[level] + 1), None) for level in levels]
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
