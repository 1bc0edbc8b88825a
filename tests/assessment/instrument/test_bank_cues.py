"""The bank offered for new rounds meets the item-writing standard of issue #17.

No wording rule beats chance (assessment.instrument.cues), keys are spread over positions, every
competence has 12 items at every level, and each area has 8 or more anchors that the older version
holds unchanged (so the versions can be linked) spanning levels 1-4 with multiple-response and
ordering items among them. The first version is checked too, to show the check finds what an
independent review found there.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from assessment.instrument import cues, files

BANKS = Path(__file__).resolve().parents[3] / "assessment" / "data" / "banks"
FRAMEWORK = BANKS.parent / "frameworks" / "digcomp-2.2.yaml"
OLD, NEW = BANKS / "ikd-nasional-2026.1", BANKS / "ikd-nasional-2027.1"


@pytest.fixture(scope="module")
def new_bank() -> files.Bank:
    return files.load_bank(NEW)


@pytest.fixture(scope="module")
def old_bank() -> files.Bank:
    return files.load_bank(OLD)


def _content(item: files.Item) -> tuple[object, ...]:
    """What a taker sees and how it is scored, independent of option order and option ids."""
    texts = {o.id: o.text for o in item.options}
    key = tuple(texts.get(k, k) for k in item.key)
    if item.type == "multiple_response":
        key = tuple(sorted(key))
    return (
        item.type,
        item.competence,
        item.level,
        item.stem,
        repr(item.stimulus),
        frozenset(texts.values()),
        key,
    )


def test_the_new_bank_loads_and_validates(new_bank: files.Bank) -> None:
    framework = files.load_framework(FRAMEWORK)
    assert files.validate_bank(new_bank, framework) == []


def test_no_wording_rule_beats_chance_and_keys_are_spread(new_bank: files.Bank) -> None:
    report = cues.check(new_bank.items)
    assert report.problems() == []
    for rule in report.rules:
        assert rule.mean <= cues.LIMIT, rule
    assert max(report.key_positions.values()) <= cues.POSITION_LIMIT
    # Absolute words no longer mark wrong options: they stand in keys about as often as in distractors.
    assert report.absolute_in_distractors <= report.absolute_in_keys + 0.05


def test_the_check_finds_the_cues_of_the_first_version(old_bank: files.Bank) -> None:
    problems = cues.check(old_bank.items).problems()
    assert any("absolute_words" in p and "level 4" in p for p in problems)
    assert any("multiple-response" in p for p in problems)


def test_absolute_words_are_found_as_words_not_inside_other_words() -> None:
    assert cues.absolute_words("Hanya admin yang boleh, tanpa kecuali") == ("hanya", "tanpa")
    assert cues.absolute_words("Tidak pernah diubah; sama sekali baru") == ("tidak pernah", "sama sekali")
    assert cues.absolute_words("Pengelola langsungan") == ()  # not a word of the list


def test_twelve_items_per_competence_at_every_level(new_bank: files.Bank) -> None:
    framework = files.load_framework(FRAMEWORK)
    competences = [c.code for c in framework.competences]
    per_competence = Counter(i.competence for i in new_bank.items)
    levels: dict[str, set[int]] = defaultdict(set)
    for item in new_bank.items:
        levels[item.competence].add(item.level)
    assert len(new_bank.items) >= 252
    for code in competences:
        assert per_competence[code] >= 12, code
        assert levels[code] == {1, 2, 3, 4}, code


def test_anchors_link_the_versions_and_span_levels_and_types(
    new_bank: files.Bank, old_bank: files.Bank
) -> None:
    old = {i.id: i for i in old_bank.items}
    by_area: dict[str, list[files.Item]] = defaultdict(list)
    for item in new_bank.items:
        if item.is_anchor:
            by_area[item.area_code].append(item)
            # An anchor is a common item: the older version holds it with the same content.
            assert item.id in old, item.id
            assert _content(item) == _content(old[item.id]), item.id
    assert sorted(by_area) == ["1", "2", "3", "4", "5"]
    for area, anchors in by_area.items():
        assert len(anchors) >= 8, area
        assert {a.level for a in anchors} == {1, 2, 3, 4}, area
        types = {a.type for a in anchors}
        assert {"multiple_response", "ordering"} <= types, area


def test_an_id_kept_from_the_older_version_keeps_its_content(
    new_bank: files.Bank, old_bank: files.Bank
) -> None:
    old = {i.id: i for i in old_bank.items}
    changed = [i.id for i in new_bank.items if i.id in old and _content(i) != _content(old[i.id])]
    assert changed == []
