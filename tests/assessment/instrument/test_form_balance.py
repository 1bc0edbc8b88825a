"""Balanced forms (equal areas, every competence, anchors, levels) and ordering items never shown in a
scoring order: assessment.instrument.assembly, on the national bank and on synthetic banks."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from django.utils import translation

from assessment.instrument import files
from assessment.instrument.assembly import (
    Candidate,
    FormRule,
    FormRuleError,
    area_of,
    assemble,
    personalise,
)
from assessment.instrument.services import DATA_DIR
from assessment.scoring.items import kendall_distance

SEEDS = [f"round-{k}" for k in range(50)]


@pytest.fixture(scope="module")
def national() -> list[Candidate]:
    bank = files.load_bank(DATA_DIR / "banks" / "ikd-nasional-2026.1")
    return [
        Candidate(
            i.id,
            i.competence,
            i.level,
            i.is_anchor,
            i.option_ids,
            key_order=i.key if i.type == "ordering" else (),
        )
        for i in bank.items
    ]


def chosen(bank: list[Candidate], form: list[str]) -> list[Candidate]:
    codes = set(form)
    return [item for item in bank if item.code in codes]


def synthetic(
    seed: int, sizes: dict[str, int], per_competence: tuple[int, int], anchors: int
) -> list[Candidate]:
    """A bank with ``sizes[area]`` competences per area, a random number of items per competence, levels
    skewed towards the middle and ``anchors`` anchor items per area."""
    rng = random.Random(seed)
    items = []
    for area, n in sizes.items():
        area_items = []
        for k in range(1, n + 1):
            for j in range(rng.randint(*per_competence)):
                level = rng.choices((1, 2, 3, 4), weights=(3, 4, 4, 1))[0]
                area_items.append(Candidate(f"S-{area}.{k}-{j:02d}", f"{area}.{k}", level, False))
        for pick in rng.sample(range(len(area_items)), anchors):
            item = area_items[pick]
            area_items[pick] = Candidate(item.code, item.competence, item.level, True)
        items += area_items
    return items


def check_form(bank: list[Candidate], form: list[str], length: int) -> None:
    """Equal areas, every competence, anchors in, an even spread over competences."""
    items = chosen(bank, form)
    areas = sorted({item.area for item in bank})
    assert len(form) == len(set(form)) == length
    assert Counter(item.area for item in items) == dict.fromkeys(areas, length // len(areas))
    assert {item.competence for item in items} == {item.competence for item in bank}
    cap = length // len(areas) // 2  # anchors a form takes per area at most (FormRule.max_anchor_share)
    for area in areas:
        anchors = {item.code for item in bank if item.is_anchor and item.area == area}
        if len(anchors) <= cap:
            assert anchors <= set(form)  # the whole block
        else:
            assert len(anchors & set(form)) == cap  # a subset (2026.1 at 30 items: 3 of 4)
    counts = Counter(item.competence for item in items)
    available = Counter(item.competence for item in bank)
    anchored = Counter(item.competence for item in bank if item.is_anchor)
    for area in areas:
        mine = [c for c in available if area_of(c) == area]
        for a, b in itertools.permutations(mine, 2):
            # a competence has two or more items more than another only when its anchors force it
            # or the other has no more items in the bank
            if counts[a] > counts[b] + 1:
                assert counts[a] == anchored[a] or counts[b] == available[b], (a, b, counts)


# --------------------------------------------------------------------------- the national bank


def test_every_area_has_12_of_60_items_and_every_competence_over_50_seeds(national: list[Candidate]) -> None:
    forms = set()
    for seed in SEEDS:
        form = assemble(national, FormRule(length=60), seed)
        check_form(national, form, 60)
        items = chosen(national, form)
        per_competence = Counter(item.competence for item in items)
        assert min(per_competence.values()) >= 2  # area 2: 12 places for 6 competences, 2 each
        assert [per_competence[c] for c in ("1.1", "1.2", "1.3")] == [4, 4, 4]  # area 1: 3 competences
        for area in "12345":
            levels = Counter(item.level for item in items if item.area == area)
            assert levels == {1: 3, 2: 3, 3: 3, 4: 3}  # the bank allows a perfect balance in every area
        for competence in per_competence:  # and levels spread within each competence
            mine = [item.level for item in items if item.competence == competence]
            assert len(set(mine)) == len(mine)
        assert form == assemble(national, FormRule(length=60), seed)  # rebuilt exactly
        forms.add(tuple(form))
    assert len(forms) == len(SEEDS)  # every round its own form, around the common anchor block


@pytest.mark.parametrize("length", [30, 45, 55, 75, 100])
def test_other_lengths_divisible_by_five(national: list[Candidate], length: int) -> None:
    for seed in SEEDS[:10]:
        check_form(national, assemble(national, FormRule(length=length), seed), length)


def test_a_short_form_takes_a_subset_of_a_larger_anchor_block(national: list[Candidate]) -> None:
    """30 items: 6 places per area, so 3 of the 4 anchors (at most half), spanning their levels; rounds
    rotate through the block."""
    used: set[str] = set()
    for seed in SEEDS[:10]:
        items = chosen(national, assemble(national, FormRule(length=30), seed))
        for area in "12345":
            mine = [i for i in items if i.is_anchor and i.area == area]
            assert len(mine) == 3
            assert {i.level for i in mine} == {i.level for i in national if i.is_anchor and i.area == area}
            used |= {i.code for i in mine}
    assert used == {i.code for i in national if i.is_anchor}


def test_a_length_that_does_not_divide_by_the_areas_is_refused_with_the_rule(
    national: list[Candidate],
) -> None:
    with translation.override("en"), pytest.raises(FormRuleError, match=r"multiple of 5 .*55 or 60"):
        assemble(national, FormRule(length=58), "r")
    with translation.override("id"), pytest.raises(FormRuleError, match=r"kelipatan 5 .*55 atau 60"):
        assemble(national, FormRule(length=58), "r")


@translation.override("en")
def test_impossible_shares_are_refused(national: list[Candidate]) -> None:
    with pytest.raises(FormRuleError, match="anchor"):
        assemble(national, FormRule(length=15), "r")  # 3 places per area, 4 anchors each
    with pytest.raises(FormRuleError, match="competences"):
        assemble(national, FormRule(length=25), "r")  # 5 places, area 2 has 6 competences
    with pytest.raises(FormRuleError, match="competences"):
        assemble(national, FormRule(length=60, min_per_competence=3), "r")  # area 2 would need 18
    with pytest.raises(FormRuleError, match="Area 1"):
        assemble(national, FormRule(length=110), "r")  # 22 places; area 1 has 21 items


# --------------------------------------------------------------------------- synthetic banks


@pytest.mark.parametrize(
    ("sizes", "per_competence", "anchors", "length"),
    [
        ({"1": 3, "2": 6, "3": 4, "4": 4, "5": 4}, (3, 9), 4, 60),
        ({"1": 3, "2": 6, "3": 4, "4": 4, "5": 4}, (2, 4), 2, 50),  # scarce: some competences run out
        ({"1": 2, "2": 5, "3": 1}, (4, 12), 3, 36),  # three areas, one with a single competence
    ],
)
def test_synthetic_banks_over_50_seeds(
    sizes: dict[str, int], per_competence: tuple[int, int], anchors: int, length: int
) -> None:
    for bank_seed in range(5):
        bank = synthetic(bank_seed, sizes, per_competence, anchors)
        for seed in SEEDS:
            try:
                form = assemble(bank, FormRule(length=length), seed)
            except FormRuleError:  # a drawn bank too small for the share is refused, never cut short
                assert any(sum(1 for i in bank if i.area == area) < length // len(sizes) for area in sizes)
                break
            check_form(bank, form, length)


def _best_level_balance(area: list[Candidate], per_competence: Counter[str]) -> int:
    """Brute force: the least sum of squared level counts over every choice with these competence counts
    and all anchors."""
    best = None
    groups = []
    for competence, n in per_competence.items():
        fixed = [i for i in area if i.competence == competence and i.is_anchor]
        free = [i for i in area if i.competence == competence and not i.is_anchor]
        groups.append([tuple(fixed) + c for c in itertools.combinations(free, n - len(fixed))])
    for choice in itertools.product(*groups):
        levels = Counter(item.level for group in choice for item in group)
        cost = sum(v * v for v in levels.values())
        best = cost if best is None else min(best, cost)
    assert best is not None
    return best


def test_levels_are_as_balanced_as_the_bank_allows() -> None:
    for bank_seed in range(8):
        bank = synthetic(100 + bank_seed, {"1": 3, "2": 2}, (3, 6), 2)
        for seed in SEEDS[:5]:
            form = assemble(bank, FormRule(length=14), seed)
            for area in "12":
                items = [i for i in chosen(bank, form) if i.area == area]
                levels = Counter(item.level for item in items)
                best = _best_level_balance(
                    [i for i in bank if i.area == area], Counter(i.competence for i in items)
                )
                assert sum(v * v for v in levels.values()) == best


def test_anchors_count_in_their_area_and_competence() -> None:
    bank = [
        *(Candidate(f"A{k}", "1.1", 2, True) for k in range(3)),  # three anchors in 1.1
        *(Candidate(f"B{k}", "1.1", 1 + k % 4, False) for k in range(6)),
        *(Candidate(f"C{k}", "1.2", 1 + k % 4, False) for k in range(6)),
        *(Candidate(f"D{k}", "2.1", 1 + k % 4, False) for k in range(8)),
    ]
    for seed in SEEDS:
        # Three anchors in five places are more than half: allowed here to see them fill 1.1.
        form = assemble(bank, FormRule(length=10, max_anchor_share=1.0), seed)
        items = chosen(bank, form)
        assert Counter(i.area for i in items) == {"1": 5, "2": 5}
        assert Counter(i.competence for i in items) == {"1.1": 3, "1.2": 2, "2.1": 5}  # anchors fill 1.1
        levels = Counter(i.level for i in items if i.area == "1")
        assert levels[2] == 3
        assert sorted(levels.values()) == [1, 1, 3]  # the two free places avoid level 2
        # By default a form takes 2 of the 3 (half of 5 places, rounded down), still counted in 1.1.
        items = chosen(bank, assemble(bank, FormRule(length=10), seed))
        assert sum(1 for i in items if i.is_anchor) == 2
        assert Counter(i.competence for i in items)["1.1"] >= 2


# --------------------------------------------------------------------------- ordering items


def test_ordering_items_are_never_shown_in_a_scoring_order(national: list[Candidate]) -> None:
    ordering = [item for item in national if item.key_order]
    assert ordering
    assert all(len(item.key_order) >= 4 for item in ordering)
    shown: dict[str, set[tuple[str, ...]]] = {item.code: set() for item in ordering}
    for person in range(400):
        personal = personalise(ordering, "round-1", f"nip-{person}")
        for item in ordering:
            order = personal.option_order[item.code]
            assert sorted(order) == sorted(item.option_ids)
            assert order != list(item.key_order)
            assert kendall_distance(order, item.key_order) >= 2  # confirming it would score 0
            shown[item.code].add(tuple(order))
    assert all(len(orders) >= 10 for orders in shown.values())  # still a shuffle, not a fixed order


def test_two_and_three_option_ordering_items() -> None:
    two = Candidate("O2", "1.1", 1, False, ("a", "b"), key_order=("a", "b"))
    three = Candidate("O3", "1.1", 1, False, ("a", "b", "c"), key_order=("b", "a", "c"))
    seen_three = set()
    for person in range(200):
        personal = personalise([two, three], "r", str(person))
        assert personal.option_order["O2"] == ["b", "a"]  # the only order that is not the key
        order = personal.option_order["O3"]
        assert kendall_distance(order, three.key_order) >= 2
        seen_three.add(tuple(order))
    assert len(seen_three) == 3  # every order two or more swaps from the key occurs


def test_the_personal_order_is_stable_and_other_items_are_shuffled_as_before(
    national: list[Candidate],
) -> None:
    form = chosen(national, assemble(national, FormRule(), "r1"))
    assert personalise(form, "r1", "nip-a") == personalise(form, "r1", "nip-a")
    plain = [Candidate(i.code, i.competence, i.level, i.is_anchor, i.option_ids) for i in form]
    with_keys, without = personalise(form, "r1", "nip-a"), personalise(plain, "r1", "nip-a")
    assert with_keys.item_codes == without.item_codes
    first_ordering = next(k for k, item in enumerate(form) if item.key_order)
    for item in form[:first_ordering]:  # the generator is only drawn more from the first ordering item on
        assert with_keys.option_order[item.code] == without.option_order[item.code]
