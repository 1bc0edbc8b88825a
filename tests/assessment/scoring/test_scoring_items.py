"""Item scoring rules, one hand-worked case per rule."""

import numpy as np
import pytest

from assessment.scoring import AnswerError, ItemSpec, kendall_distance, score_answers, score_item
from assessment.scoring.simulate import draw_answers, draw_scores, draw_theta, make_form

SC = ItemSpec("sc", "single_choice", ("B",), area=1, options=("A", "B", "C", "D"))
SCEN = ItemSpec("scen", "scenario", ("D",), area=2, options=("A", "B", "C", "D"))
MR = ItemSpec("mr", "multiple_response", ("A", "C", "E"), area=3, options=("A", "B", "C", "D", "E"))
ORD = ItemSpec("ord", "ordering", ("P", "Q", "R", "S"), area=4)


@pytest.mark.parametrize(
    ("item", "answer", "expected"),
    [
        (SC, "B", 1),
        (SC, "A", 0),
        (SC, None, 0),
        (SC, "", 0),
        (SCEN, "D", 1),
        (SCEN, "C", 0),
        # multiple response, key {A, C, E}
        (MR, {"A", "C", "E"}, 2),
        (MR, ["E", "A", "C"], 2),  # order and container type do not matter
        (MR, {"A", "C"}, 1),  # one key option missing
        (MR, {"A", "C", "E", "B"}, 1),  # one wrong option added
        (MR, {"A", "C", "B"}, 0),  # one missing AND one wrong: two errors
        (MR, {"A"}, 0),  # two missing
        (MR, {"A", "B", "C", "D", "E"}, 0),  # everything ticked: two wrong
        (MR, set(), 0),  # nothing ticked = unanswered, never one-error credit
        (MR, None, 0),
        # ordering, key P Q R S
        (ORD, ["P", "Q", "R", "S"], 2),
        (ORD, ("P", "R", "Q", "S"), 1),  # one adjacent swap in the middle
        (ORD, ["Q", "P", "R", "S"], 1),  # one adjacent swap at the start
        (ORD, ["Q", "P", "S", "R"], 0),  # two adjacent swaps (Kendall distance 2)
        (ORD, ["R", "Q", "P", "S"], 0),  # non-adjacent swap (distance 3)
        (ORD, ["S", "R", "Q", "P"], 0),  # reversed (distance 6)
        (ORD, [], 0),
        (ORD, None, 0),
    ],
)
def test_score_item_rules(item: ItemSpec, answer: object, expected: int) -> None:
    assert score_item(item, answer) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("item", "answer"),
    [
        (SC, "Z"),  # unknown option
        (SC, ["B"]),  # a list for a single-choice item
        (MR, "A"),  # a string for a multiple-response item
        (MR, {"A", "Z"}),
        (ORD, ["P", "Q", "R"]),  # incomplete ordering
        (ORD, ["P", "P", "R", "S"]),  # repeated option
        (ORD, ["P", "Q", "R", "X"]),
    ],
)
def test_malformed_answers_raise(item: ItemSpec, answer: object) -> None:
    with pytest.raises(AnswerError):
        score_item(item, answer)  # type: ignore[arg-type]


def test_kendall_distance() -> None:
    key = ["P", "Q", "R", "S"]
    assert kendall_distance(key, key) == 0
    assert kendall_distance(["P", "R", "Q", "S"], key) == 1
    assert kendall_distance(["Q", "P", "S", "R"], key) == 2
    assert kendall_distance(["S", "R", "Q", "P"], key) == 6


def test_item_spec_defaults_and_validation() -> None:
    assert SC.max_score == 1
    assert SC.steps == ()
    assert SC.thresholds == (0.0,)
    assert MR.max_score == 2
    assert MR.steps == (0.0, 0.0)
    gpcm = ItemSpec("g", "ordering", ("A", "B", "C"), area=1, b=0.5, steps=(-0.4, 0.4))
    assert gpcm.thresholds == pytest.approx((0.1, 0.9))
    with pytest.raises(ValueError, match="sum"):
        ItemSpec("x", "ordering", ("A", "B"), area=1, steps=(0.1, 0.2))
    with pytest.raises(ValueError, match="no steps"):
        ItemSpec("x", "single_choice", ("A",), area=1, steps=(0.1, -0.1))
    with pytest.raises(ValueError, match="area"):
        ItemSpec("x", "single_choice", ("A",), area=6)
    with pytest.raises(ValueError, match="exactly one"):
        ItemSpec("x", "single_choice", ("A", "B"), area=1)
    with pytest.raises(ValueError, match="a must be"):
        ItemSpec("x", "single_choice", ("A",), area=1, a=0.0)
    with pytest.raises(ValueError, match="unknown type"):
        ItemSpec("x", "essay", ("A",), area=1)  # type: ignore[arg-type]


def test_score_answers_matrix_and_mask() -> None:
    items = [SC, MR, ORD]
    answers = [
        {"sc": "B", "mr": {"A", "C"}, "ord": ["P", "Q", "R", "S"]},
        {"sc": "A"},  # mr and ord unanswered
        {"sc": "B", "mr": {"A", "C", "E"}},
    ]
    scores, mask = score_answers(
        items, answers, administered=[{"sc", "mr", "ord"}, {"sc", "mr", "ord"}, {"sc", "mr"}]
    )
    assert scores.tolist() == [[1, 1, 2], [0, 0, 0], [1, 2, 0]]
    assert mask.tolist() == [[True, True, True], [True, True, True], [True, True, False]]


def test_simulated_answers_score_back_to_their_scores() -> None:
    rng = np.random.default_rng(11)
    form = make_form(rng)
    scores = draw_scores(rng, form, draw_theta(rng, 300))
    answers = draw_answers(rng, form, scores, blank_rate=0.3)
    back, mask = score_answers(form, answers)
    assert mask.all()
    np.testing.assert_array_equal(back, scores)
