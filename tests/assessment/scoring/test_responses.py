"""The response process: answered, malformed, not reached, omitted; complete attempts; what it does to
the index and to calibration (simulated with fixed seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.scoring import ItemSpec, calibrate, score_matrix
from assessment.scoring.responses import check_answer, code_responses
from assessment.scoring.simulate import draw_answers, draw_scores, draw_theta, make_form

ITEMS = (
    ItemSpec("S1", "single_choice", ("A",), area=1, options=("A", "B", "C", "D")),
    ItemSpec("M1", "multiple_response", ("A", "B"), area=1, options=("A", "B", "C", "D")),
    ItemSpec("O1", "ordering", ("P", "Q", "R", "S"), area=2, options=("P", "Q", "R", "S")),
    ItemSpec("S2", "single_choice", ("B",), area=2, options=("A", "B", "C", "D")),
)


def _stored(answer: object) -> object:
    """An engine answer as the answer store keeps it: a list of ids."""
    if answer is None:
        return []
    if isinstance(answer, str):
        return [answer]
    return list(answer)  # type: ignore[call-overload]


def test_malformed_answers_are_not_administered_and_counted() -> None:
    coded = code_responses(
        ITEMS,
        [
            {"S1": ["A", "B"], "M1": ["A", "B"], "O1": ["P"], "S2": ["Z"]},  # three malformed, one right
            {"S1": ["A"], "M1": ["A", "A"], "O1": ["P", "Q", "S", "R"], "S2": ["B"]},
        ],
    )
    assert coded.malformed[0].tolist() == [True, False, True, True]
    assert coded.answered[0].tolist() == [False, True, False, False]
    assert coded.scores[0].tolist() == [0, 2, 0, 0]
    assert coded.malformed[1].tolist() == [False, True, False, False]
    assert coded.scores[1].tolist() == [1, 0, 1, 1]  # one neighbour swap: 1 of 2
    # Malformed items are neither omitted nor given: they simply do not count for that person.
    assert not (coded.administered & coded.malformed).any()


def test_single_choice_with_two_ids_is_never_scored_on_its_first() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        check_answer(ITEMS[0], ["A", "B"])
    assert check_answer(ITEMS[0], ["A"]) == "A"
    assert check_answer(ITEMS[2], ["S", "R", "Q", "P"]) == ["S", "R", "Q", "P"]
    with pytest.raises(ValueError, match="every option"):
        check_answer(ITEMS[2], ["S", "R"])
    with pytest.raises(ValueError, match="unknown"):
        check_answer(ITEMS[1], ["A", "X"])
    with pytest.raises(ValueError, match="text"):
        check_answer(ITEMS[1], [1, {"a": 2}])  # type: ignore[list-item]


def test_trailing_blanks_are_not_reached_and_earlier_blanks_omitted() -> None:
    order = ["S2", "S1", "M1", "O1"]
    coded = code_responses(ITEMS, [{"S2": ["B"], "M1": ["A"]}], orders=[order])
    by_id = dict(zip(coded.item_ids, range(4), strict=True))
    assert coded.omitted[0, by_id["S1"]]  # shown before an answered item, left blank
    assert coded.not_reached[0, by_id["O1"]]  # after the last answer
    assert coded.administered[0].tolist() == [True, True, False, True]


def test_items_never_shown_are_not_reached_even_before_the_last_answer() -> None:
    order = ["S1", "M1", "O1", "S2"]
    coded = code_responses(ITEMS, [{"S1": ["A"], "S2": ["B"]}], orders=[order], seen=[["S1", "M1", "S2"]])
    by_id = dict(zip(coded.item_ids, range(4), strict=True))
    assert coded.omitted[0, by_id["M1"]]
    assert coded.not_reached[0, by_id["O1"]]  # the taker jumped past it without seeing it


def test_completeness_is_half_of_the_national_items() -> None:
    coded = code_responses(ITEMS, [{}, {"S1": ["A"]}, {"S1": ["B"], "S2": ["A"]}])
    assert coded.complete.tolist() == [False, False, True]
    assert coded.n_answered.tolist() == [0, 1, 2]
    assert not coded.administered[0].any()  # an empty attempt has nothing administered


def _population(seed: int, n: int) -> tuple[tuple[ItemSpec, ...], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    items = make_form(rng)
    theta = draw_theta(rng, n)
    return items, theta, draw_scores(rng, items, theta)


def test_not_reaching_the_last_fifteen_items_leaves_the_index_unbiased() -> None:
    rng = np.random.default_rng(1301)
    items, _theta, scores = _population(1301, 6000)
    answers = draw_answers(rng, items, scores)
    orders = [[items[j].id for j in rng.permutation(len(items))] for _ in answers]
    slow = rng.random(len(answers)) < 0.15
    stored = []
    for person, order, is_slow in zip(answers, orders, slow, strict=True):
        kept = set(order[:-15]) if is_slow else set(order)
        stored.append({k: _stored(v) for k, v in person.items() if k in kept})
    coded = code_responses(items, stored, orders=orders)
    full = score_matrix(items, scores)
    result = score_matrix(items, coded.scores, coded.administered)
    bias = float(np.mean(result.index[slow] - full.index[slow]))
    assert abs(bias) <= 0.05, bias
    # Blanks scored as wrong, the old rule, cost these takers far more.
    old = score_matrix(items, coded.scores, np.ones_like(coded.administered))
    assert float(np.mean(old.index[slow] - full.index[slow])) < -0.3
    assert coded.complete.all()


def test_calibration_with_random_blanks_recovers_discrimination() -> None:
    rng = np.random.default_rng(2020)
    items, _theta, scores = _population(2020, 10000)
    blank = rng.random(scores.shape) < 0.20
    responses = [
        {
            item.id: _stored(person[item.id])
            for j, item in enumerate(items)
            if not blank[i, j] and item.id in person
        }
        for i, person in enumerate(draw_answers(rng, items, scores))
    ]
    coded = code_responses(items, responses)
    fitted = calibrate(items, coded.scores, coded.calibration_mask, fixed=())
    a_true = np.array([it.a for it in items])
    a_hat = np.array([c.a for c in fitted.items])
    assert np.corrcoef(a_true, a_hat)[0, 1] >= 0.98


def test_omission_rule_chosen_by_simulation() -> None:
    """Why omitted items count as wrong for persons (docs/scoring.md 2.11).

    Three omission mechanisms, 20 % of answers blank on average: skipping what one would get wrong
    (ability-related, the usual pattern in low-stakes tests), random blanks, and a strategic taker who
    skips every item with success probability under one half. "Wrong" is unbiased under the first and
    gives the strategist nothing; "missing" overstates the first and rewards the strategist.
    """
    rng = np.random.default_rng(77)
    items, _theta, scores = _population(77, 4000)
    full = score_matrix(items, scores).index
    zero = scores == 0
    # Ability-related: a blank only where the answer would have scored 0, at the rate giving 20 % blanks.
    related = zero & (rng.random(scores.shape) < 0.2 / zero.mean())
    random_blank = rng.random(scores.shape) < 0.2

    def bias(blank: np.ndarray, as_wrong: bool) -> float:
        mask = np.ones_like(blank) if as_wrong else ~blank
        index = score_matrix(items, np.where(blank, 0, scores), mask).index
        return float(np.nanmean(index - full))

    related_wrong, related_missing = bias(related, True), bias(related, False)
    random_wrong, random_missing = bias(random_blank, True), bias(random_blank, False)
    assert abs(related_wrong) < 0.01  # a blank where one would fail is exactly a wrong answer
    assert related_missing > 0.1
    assert abs(random_missing) < 0.03
    assert random_wrong < -0.15
