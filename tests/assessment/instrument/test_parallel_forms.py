"""Parallel forms (issue #17): assessment.instrument.assembly.assemble_forms on the national bank
ikd-nasional 2026.1 and on a synthetic bank with more items per competence x level cell."""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections import Counter

import pytest
from django.utils import translation

from assessment.instrument import assembly, files
from assessment.instrument.assembly import Candidate, FormRule, FormRuleError, assemble, assemble_forms
from assessment.instrument.services import DATA_DIR

SEEDS = [f"round-{k}" for k in range(12)]


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
            a=float(i.params.get("a", 1.0)),
            b=float(i.params.get("b", 0.0)),
        )
        for i in bank.items
    ]


def rich(seed: int = 1, per_cell: int = 4) -> list[Candidate]:
    """Five areas (3, 6, 4, 4, 4 competences), ``per_cell`` items per competence x level, one anchor per
    competence; difficulty rising with the level, with noise."""
    rng = random.Random(seed)
    items: list[Candidate] = []
    for area, n in zip("12345", (3, 6, 4, 4, 4), strict=True):
        for k in range(1, n + 1):
            competence = f"{area}.{k}"
            items += [
                Candidate(
                    f"R-{competence}-{level}{j}",
                    competence,
                    level,
                    is_anchor=(level == 2 and j == 0),
                    a=round(rng.uniform(0.6, 1.8), 2),
                    b=round(-2.0 + level + rng.gauss(0, 0.6), 2),
                )
                for level in (1, 2, 3, 4)
                for j in range(per_cell)
            ]
    return items


def check_parallel(bank: list[Candidate], result: assembly.ParallelForms, length: int, count: int) -> None:
    """Every form: its length, all anchors, and the same blueprint (area, competence, level counts)."""
    by_code = {item.code: item for item in bank}
    anchors = {item.code for item in bank if item.is_anchor}
    assert len(result.forms) == count
    blueprints = []
    for form in result.forms:
        assert len(form) == len(set(form)) == length
        assert anchors <= set(form)
        items = [by_code[code] for code in form]
        blueprints.append(
            (
                Counter(item.area for item in items),
                Counter(item.competence for item in items),
                Counter((item.area, item.level) for item in items),
            )
        )
        assert {item.competence for item in items} == {item.competence for item in bank}
    assert all(blueprint == blueprints[0] for blueprint in blueprints)
    assert set(result.anchors) == anchors
    assert list(result.union) == [item.code for item in bank if any(item.code in f for f in result.forms)]
    uses = Counter(code for form in result.forms for code in form)
    assert set(result.shared) == {code for code, n in uses.items() if n > 1} - anchors


def repeats(result: assembly.ParallelForms) -> int:
    """Uses of items outside the anchor block beyond their first form."""
    uses = Counter(code for form in result.forms for code in form if code not in result.anchors)
    return sum(n - 1 for n in uses.values())


def forced_repeats(bank: list[Candidate], result: assembly.ParallelForms) -> int:
    """The least repeats any set of forms with these level counts can have: per area and level, the
    forms need more free items than the bank holds."""
    by_code = {item.code: item for item in bank}
    need = Counter((by_code[c].area, by_code[c].level) for c in result.forms[0] if c not in result.anchors)
    have = Counter((item.area, item.level) for item in bank if not item.is_anchor)
    return sum(max(0, len(result.forms) * n - have[cell]) for cell, n in need.items())


def mean_b_spread(bank: list[Candidate], result: assembly.ParallelForms) -> float:
    """The largest difference between two forms' mean b within an area."""
    by_code = {item.code: item for item in bank}
    worst = 0.0
    for area in "12345":
        means = [
            statistics.mean(by_code[c].b for c in form if by_code[c].area == area) for form in result.forms
        ]
        worst = max(worst, max(means) - min(means))
    return worst


def information_spread(bank: list[Candidate], result: assembly.ParallelForms) -> float:
    """The largest relative difference between two forms' information at theta 0 within an area."""
    by_code = {item.code: item for item in bank}

    def info(item: Candidate) -> float:
        p = 1 / (1 + math.exp(item.a * item.b))
        return item.a**2 * p * (1 - p)

    worst = 0.0
    for area in "12345":
        totals = [sum(info(by_code[c]) for c in form if by_code[c].area == area) for form in result.forms]
        worst = max(worst, (max(totals) - min(totals)) / statistics.mean(totals))
    return worst


# --------------------------------------------------------------------------- the national bank


@pytest.mark.parametrize("count", [2, 3])
def test_national_bank_gives_parallel_forms_with_one_blueprint(national: list[Candidate], count: int) -> None:
    for seed in SEEDS:
        result = assemble_forms(national, FormRule(length=60, forms=count), seed)
        check_parallel(national, result, 60, count)
        for form in result.forms:  # each form as balanced as the single form: 3 items per level per area
            levels = Counter((item.area, item.level) for item in national if item.code in form)
            assert set(levels.values()) == {3}
        assert repeats(result) == forced_repeats(national, result)
        own = 60 - len(result.anchors)
        for first in range(count):
            for second in range(first + 1, count):
                common = len(set(result.forms[first]) & set(result.forms[second])) - len(result.anchors)
                assert common <= own // 2


def test_two_national_forms_share_only_what_the_levels_force(national: list[Candidate]) -> None:
    """The bank has one level-4 item per competence: area 1 (3 of them) and areas 3 to 5 (4 each) cannot
    give two forms 3 level-4 items each without sharing; nothing else is shared."""
    for seed in SEEDS:
        result = assemble_forms(national, FormRule(length=60, forms=2), seed)
        assert repeats(result) == forced_repeats(national, result) == 9
        assert len(result.shared) == 9
        assert {item.level for item in national if item.code in result.shared} == {4}


def test_difficulty_is_balanced_between_forms(
    national: list[Candidate], monkeypatch: pytest.MonkeyPatch
) -> None:
    balanced = [assemble_forms(national, FormRule(length=60, forms=2), seed) for seed in SEEDS]
    # Measured: mean b within 0.04 logits between the forms of an area, information within 3 %
    # (0.15 and 13 % before the moves).
    assert max(mean_b_spread(national, r) for r in balanced) < 0.08
    assert max(information_spread(national, r) for r in balanced) < 0.05
    monkeypatch.setattr(assembly, "_PASSES", 0)  # the same forms before the balancing moves
    unbalanced = [assemble_forms(national, FormRule(length=60, forms=2), seed) for seed in SEEDS]
    assert [repeats(r) for r in unbalanced] == [repeats(r) for r in balanced]  # the moves share no more
    assert statistics.mean(mean_b_spread(national, r) for r in balanced) < 0.6 * statistics.mean(
        mean_b_spread(national, r) for r in unbalanced
    )
    assert statistics.mean(information_spread(national, r) for r in balanced) < 0.6 * statistics.mean(
        information_spread(national, r) for r in unbalanced
    )


def test_parallel_forms_are_rebuilt_exactly_and_differ_between_rounds(national: list[Candidate]) -> None:
    rule = FormRule(length=60, forms=2)
    assert assemble_forms(national, rule, "r1") == assemble_forms(national, rule, "r1")
    assert assemble_forms(national, rule, "r1").forms != assemble_forms(national, rule, "r2").forms
    # One form is the single form as it always was.
    assert list(assemble_forms(national, FormRule(length=60), "r1").forms[0]) == assemble(
        national, FormRule(length=60), "r1"
    )


@translation.override("en")
def test_forms_the_bank_cannot_give_are_refused(national: list[Candidate]) -> None:
    with pytest.raises(FormRuleError, match=r"cannot give 2 parallel forms of 100 items: forms 1 and 2"):
        assemble_forms(national, FormRule(length=100, forms=2), "r")  # 80 own items, too few to differ
    with pytest.raises(FormRuleError, match="1 to 4 parallel forms"):
        assemble_forms(national, FormRule(length=60, forms=5), "r")
    with pytest.raises(FormRuleError, match="1 to 4 parallel forms"):
        assemble_forms(national, FormRule(length=60, forms=0), "r")
    only_anchors = [Candidate(f"A{k}", f"1.{1 + k % 2}", 1 + k % 4, True) for k in range(6)] + [
        Candidate(f"F{k}", f"1.{1 + k % 2}", 1 + k % 4, False) for k in range(12)
    ]
    with pytest.raises(FormRuleError, match="anchor block fills the whole test"):
        assemble_forms(only_anchors, FormRule(length=6, forms=2, max_anchor_share=1.0), "r")
    assemble_forms(only_anchors, FormRule(length=6, forms=1, max_anchor_share=1.0), "r")  # one form: allowed
    # By default anchors take at most half of the places: 3 of the 6 on each form, 2 or more shared.
    halves = assemble_forms(only_anchors, FormRule(length=6, forms=2), "r")
    assert [sum(1 for code in form if code.startswith("A")) for form in halves.forms] == [3, 3]
    assert len(set(halves.forms[0]) & set(halves.forms[1]) & set(halves.anchors)) >= 2
    with translation.override("id"), pytest.raises(FormRuleError, match="paket paralel"):
        assemble_forms(national, FormRule(length=100, forms=2), "r")


# --------------------------------------------------------------------------- a bank with fuller cells


@pytest.mark.parametrize("count", [2, 3, 4])
def test_a_rich_bank_gives_disjoint_forms_around_the_anchors(count: int) -> None:
    bank = rich()
    for seed in SEEDS[:6]:
        result = assemble_forms(bank, FormRule(length=60, forms=count), seed)
        check_parallel(bank, result, 60, count)
        assert result.shared == ()  # every cell has enough items: no item but the anchors twice
        assert len(result.union) == len(result.anchors) + count * (60 - len(result.anchors))
        assert mean_b_spread(bank, result) < 0.1  # up to 0.7 without the balancing moves
        assert information_spread(bank, result) < 0.12  # four forms use every item of a cell: swaps only


def test_a_bank_with_some_full_cells_shares_only_what_it_must() -> None:
    bank = rich(seed=2, per_cell=2)  # two items per cell: three forms cannot all be separate
    for seed in SEEDS[:6]:
        result = assemble_forms(bank, FormRule(length=60, forms=2), seed)
        check_parallel(bank, result, 60, 2)
        assert result.shared == ()
        three = assemble_forms(bank, FormRule(length=60, forms=3), seed)
        check_parallel(bank, three, 60, 3)
        assert repeats(three) == forced_repeats(bank, three)


# --------------------------------------------------------------------------- more anchors than a form takes


@pytest.fixture(scope="module")
def national_2027() -> list[Candidate]:
    """ikd-nasional 2027.1: 252 items, 9 anchors per area (more than the 6 a 60-item form takes)."""
    bank = files.load_bank(DATA_DIR / "banks" / "ikd-nasional-2027.1")
    return [
        Candidate(
            i.id,
            i.competence,
            i.level,
            i.is_anchor,
            i.option_ids,
            a=float(i.params.get("a", 1.0)),
            b=float(i.params.get("b", 0.0)),
            kind=i.type,
        )
        for i in bank.items
    ]


AREAS = "12345"
SPANNING = {"multiple_response", "ordering"}


def area_anchors(bank: list[Candidate], form: tuple[str, ...] | list[str], area: str) -> set[str]:
    codes = set(form)
    return {i.code for i in bank if i.is_anchor and i.area == area and i.code in codes}


def check_anchor_subset(bank: list[Candidate], form: tuple[str, ...] | list[str], area: str) -> None:
    """6 of the area's 9 anchors, spanning the levels they span, with a multiple-response or ordering
    anchor where the area has one; and the whole form balanced as before (3 items per level)."""
    by_code = {i.code: i for i in bank}
    everyone = [i for i in bank if i.is_anchor and i.area == area]
    mine = [by_code[c] for c in area_anchors(bank, form, area)]
    assert len(everyone) == 9
    assert len(mine) == 6
    assert {i.level for i in mine} == {i.level for i in everyone} == {1, 2, 3, 4}
    assert any(i.kind in SPANNING for i in everyone)  # every area of 2027.1 has one
    assert any(i.kind in SPANNING for i in mine)
    levels = Counter(by_code[c].level for c in form if by_code[c].area == area)
    assert levels == {1: 3, 2: 3, 3: 3, 4: 3}


def test_a_single_form_takes_six_anchors_per_area_and_rounds_rotate_them(
    national_2027: list[Candidate],
) -> None:
    used: set[str] = set()
    subsets = set()
    for seed in SEEDS:
        result = assemble_forms(national_2027, FormRule(length=60), seed)
        (form,) = result.forms
        assert len(form) == 60
        for area in AREAS:
            check_anchor_subset(national_2027, form, area)
        assert (
            set(result.anchors)
            == set(result.common_anchors)
            == {i.code for i in national_2027 if i.is_anchor and i.code in form}
        )
        assert len(result.anchors) == 30  # half of the form, not 45 of 60
        used |= set(result.anchors)
        subsets.add(result.anchors)
    assert used == {i.code for i in national_2027 if i.is_anchor}  # 12 rounds use every anchor
    assert len(subsets) == len(SEEDS)


def test_two_forms_cover_every_anchor_and_share_half_of_them(national_2027: list[Candidate]) -> None:
    for seed in SEEDS:
        result = assemble_forms(national_2027, FormRule(length=60, forms=2), seed)
        first, second = result.forms
        for area in AREAS:
            check_anchor_subset(national_2027, first, area)
            check_anchor_subset(national_2027, second, area)
            mine, theirs = area_anchors(national_2027, first, area), area_anchors(national_2027, second, area)
            assert len(mine | theirs) == 9  # every anchor of the area in this round
            assert len(mine & theirs) == 3  # the forms are linked by 3 common anchors per area
        anchors = {i.code for i in national_2027 if i.is_anchor}
        assert (set(first) & set(second)) - anchors == set()  # the other items are separate
        assert result.shared == ()
        assert set(result.anchors) == anchors
        assert len(result.common_anchors) == 15
        # one blueprint: the same places per competence (and per level, checked above)
        places = [Counter(i.competence for i in national_2027 if i.code in form) for form in result.forms]
        assert places[0] == places[1]


def test_three_forms_each_pair_shares_half_of_its_anchors(national_2027: list[Candidate]) -> None:
    for seed in SEEDS:
        result = assemble_forms(national_2027, FormRule(length=60, forms=3), seed)
        for area in AREAS:
            subsets = [area_anchors(national_2027, form, area) for form in result.forms]
            for form in result.forms:
                check_anchor_subset(national_2027, form, area)
            assert len(set().union(*subsets)) == 9
            for mine, theirs in itertools.combinations(subsets, 2):
                assert 3 <= len(mine & theirs) <= 4  # linked, and no two forms with one subset
        anchors = {i.code for i in national_2027 if i.is_anchor}
        for mine, theirs in itertools.combinations(result.forms, 2):
            assert (set(mine) & set(theirs)) - anchors == set()
        assert result.shared == ()


@pytest.mark.parametrize("count", [1, 2, 3])
def test_anchor_subsets_are_rebuilt_exactly_and_differ_between_rounds(
    national_2027: list[Candidate], count: int
) -> None:
    rule = FormRule(length=60, forms=count)
    assert assemble_forms(national_2027, rule, "r1") == assemble_forms(national_2027, rule, "r1")
    subsets = set()
    for seed in SEEDS:
        result = assemble_forms(national_2027, rule, seed)
        subsets.add(tuple(frozenset(set(form) & set(result.anchors)) for form in result.forms))
    assert len(subsets) == len(SEEDS)  # each round its own anchors per form


def test_the_2026_bank_keeps_every_anchor_on_every_form(national: list[Candidate]) -> None:
    anchors = {i.code for i in national if i.is_anchor}
    assert len(anchors) == 20  # 4 per area: within the 6 a 60-item form allows
    for count in (1, 2, 3):
        for seed in SEEDS[:4]:
            result = assemble_forms(national, FormRule(length=60, forms=count), seed)
            for form in result.forms:
                assert anchors <= set(form)
            assert set(result.anchors) == set(result.common_anchors) == anchors
    # and the share never changes such a bank's forms: the whole block is in, draw for draw
    for seed in SEEDS[:4]:
        assert assemble_forms(national, FormRule(length=60, forms=2), seed) == assemble_forms(
            national, FormRule(length=60, forms=2, max_anchor_share=1.0), seed
        )


def test_the_anchor_share_is_a_share() -> None:
    with pytest.raises(ValueError, match="max_anchor_share"):
        FormRule(max_anchor_share=0)
    with pytest.raises(ValueError, match="max_anchor_share"):
        FormRule(max_anchor_share=1.5)
