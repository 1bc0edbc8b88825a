"""Test forms: coverage, balanced levels, a fixed anchor block, per-person shuffling."""

from __future__ import annotations

from collections import Counter

import pytest

from assessment.instrument import files
from assessment.instrument.assembly import Candidate, FormRule, FormRuleError, assemble, personalise
from assessment.instrument.services import DATA_DIR


@pytest.fixture(scope="module")
def bank_items() -> list[Candidate]:
    bank = files.load_bank(DATA_DIR / "banks" / "ikd-nasional-2026.1")
    return [Candidate(i.id, i.competence, i.level, i.is_anchor, i.option_ids) for i in bank.items]


def test_form_of_60_covers_every_competence_with_the_anchor_block(bank_items: list[Candidate]) -> None:
    form = assemble(bank_items, FormRule(length=60), seed="round-1")
    assert len(form) == len(set(form)) == 60
    chosen = [item for item in bank_items if item.code in form]
    assert {item.competence for item in chosen} == {item.competence for item in bank_items}
    assert min(Counter(item.competence for item in chosen).values()) >= 2
    anchors = {item.code for item in bank_items if item.is_anchor}
    assert anchors <= set(form)
    levels = Counter(item.level for item in chosen)
    assert set(levels) == {1, 2, 3, 4}
    assert max(levels.values()) - min(levels.values()) <= 6


def test_forms_are_reproducible_and_differ_between_rounds(bank_items: list[Candidate]) -> None:
    assert assemble(bank_items, FormRule(), "r1") == assemble(bank_items, FormRule(), "r1")
    first, second = set(assemble(bank_items, FormRule(), "r1")), set(assemble(bank_items, FormRule(), "r2"))
    assert first != second
    anchors = {item.code for item in bank_items if item.is_anchor}
    assert anchors <= first & second  # the common block links rounds


def test_each_person_sees_their_own_stable_order(bank_items: list[Candidate]) -> None:
    codes = set(assemble(bank_items, FormRule(), "r1"))
    form = [item for item in bank_items if item.code in codes]
    a1, a2, b = (
        personalise(form, "r1", "nip-a"),
        personalise(form, "r1", "nip-a"),
        personalise(form, "r1", "nip-b"),
    )
    assert a1 == a2
    assert a1.item_codes != b.item_codes
    assert sorted(a1.item_codes) == sorted(codes)
    for item in form:
        assert sorted(a1.option_order[item.code]) == sorted(item.option_ids)


def test_impossible_rules_are_refused(bank_items: list[Candidate]) -> None:
    with pytest.raises(FormRuleError):
        assemble(bank_items, FormRule(length=10), "r")  # shorter than the anchor block
    with pytest.raises(FormRuleError):
        assemble(bank_items[:30], FormRule(length=60, include_anchors=False), "r")


def test_a_bank_with_more_anchors_than_half_a_form_gives_each_round_a_balanced_subset() -> None:
    """2027.1 has 9 anchors per area: a 60-item form takes 6 (half of its 12 places per area) that span
    levels 1-4 and keep a multiple-response or ordering anchor; the next round takes another 6."""
    bank = files.load_bank(DATA_DIR / "banks" / "ikd-nasional-2027.1")
    items = [
        Candidate(i.id, i.competence, i.level, i.is_anchor, i.option_ids, kind=i.type) for i in bank.items
    ]
    per_round = []
    for seed in ("r1", "r2", "r3"):
        form = set(assemble(items, FormRule(length=60), seed))
        assert len(form) == 60
        anchors = [i for i in items if i.is_anchor and i.code in form]
        for area in "12345":
            mine = [i for i in anchors if i.area == area]
            assert len(mine) == 6
            assert {i.level for i in mine} == {1, 2, 3, 4}
            assert {i.kind for i in mine} & {"multiple_response", "ordering"}
        per_round.append({i.code for i in anchors})
    assert len({frozenset(codes) for codes in per_round}) == 3
    assert len(set().union(*per_round)) > 30  # rounds rotate through the 45 anchors
