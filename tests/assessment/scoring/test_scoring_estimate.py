"""From answers to area scores and the index: worked examples, local items, determinism, recovery."""

import math
from dataclasses import replace

import numpy as np
import pytest

from assessment.scoring import (
    ItemSpec,
    LocalResult,
    score_many,
    score_matrix,
    score_person,
    theta_to_score,
)
from assessment.scoring.simulate import draw_answers, draw_scores, draw_theta, make_form, make_local_items

# The five-item area of the worked example in docs/scoring.md.
AREA1 = (
    ItemSpec("K1", "single_choice", ("B",), area=1, level=1, a=1.0, b=-1.0, options=("A", "B", "C", "D")),
    ItemSpec("K2", "scenario", ("D",), area=1, level=2, a=1.2, b=-0.5, options=("A", "B", "C", "D")),
    ItemSpec(
        "K3",
        "multiple_response",
        ("A", "C", "E"),
        area=1,
        level=2,
        a=0.8,
        b=0.0,
        steps=(-0.5, 0.5),
        options=("A", "B", "C", "D", "E"),
    ),
    ItemSpec("K4", "single_choice", ("A",), area=1, level=3, a=1.5, b=0.5, options=("A", "B", "C", "D")),
    ItemSpec("K5", "ordering", ("P", "Q", "R", "S"), area=1, level=4, a=1.0, b=1.0, steps=(-0.4, 0.4)),
)
WORKED_ANSWERS = {"K1": "B", "K2": "D", "K3": {"A", "C"}, "K4": "C"}  # K5 left blank


def test_worked_example_from_docs() -> None:
    r = score_person(AREA1, WORKED_ANSWERS)
    assert dict(r.item_scores) == {"K1": 1, "K2": 1, "K3": 1, "K4": 0, "K5": 0}
    (a,) = r.areas
    assert a.theta == pytest.approx(-0.1213, abs=1e-4)
    assert a.se == pytest.approx(0.6169, abs=1e-4)
    assert a.score == pytest.approx(2.3787, abs=1e-4)
    assert a.score_se == pytest.approx(0.6169, abs=1e-4)
    assert (a.score_low, a.score_high) == pytest.approx((1.1695, 3.5878), abs=1e-4)
    assert a.level == 2
    # with one area the index is that area's score
    assert r.index == a.score
    assert r.index_level == 2


@pytest.mark.parametrize(
    ("answers", "theta", "score", "level"),
    [
        ({}, -1.4081, 1.0919, 1),
        (
            {"K1": "B", "K2": "D", "K3": {"A", "C", "E"}, "K4": "A", "K5": ("P", "Q", "R", "S")},
            1.5717,
            4.0,
            4,
        ),
        (
            {"K1": "B", "K2": "D", "K3": {"A", "C", "E"}, "K4": "A", "K5": ("P", "R", "Q", "S")},
            1.1364,
            3.6364,
            4,
        ),
    ],
)
def test_worked_variants_from_docs(
    answers: dict[str, object], theta: float, score: float, level: int
) -> None:
    (a,) = score_person(AREA1, answers).areas  # type: ignore[arg-type]
    assert a.theta == pytest.approx(theta, abs=1e-4)
    assert a.score == pytest.approx(score, abs=1e-4)
    assert a.level == level


def _form_with_local() -> tuple[ItemSpec, ...]:
    rng = np.random.default_rng(5)
    return make_form(rng) + make_local_items(rng, n=3)


def test_index_is_mean_of_area_scores_and_level_from_index() -> None:
    rng = np.random.default_rng(2)
    form = make_form(rng)
    res = score_matrix(form, draw_scores(rng, form, draw_theta(rng, 50)))
    assert res.areas == (1, 2, 3, 4, 5)
    np.testing.assert_allclose(res.index, res.score.mean(axis=1))
    # the index SE and interval come from the joint posterior (test_index_interval.py); the shown
    # index always lies inside its interval
    assert ((res.index_low <= res.index) & (res.index <= res.index_high)).all()
    assert ((res.index_level >= 1) & (res.index_level <= 4)).all()
    np.testing.assert_array_equal(res.index_level, 1 + (res.index[:, None] >= [1.5, 2.5, 3.5]).sum(axis=1))


def test_local_items_never_enter_areas_or_index() -> None:
    form = _form_with_local()
    national = [it for it in form if not it.local]
    rng = np.random.default_rng(8)
    scores = draw_scores(rng, form, draw_theta(rng, 40))
    answers = draw_answers(rng, form, scores)
    with_local = score_many(form, answers)
    without = score_many(national, answers)
    flipped = [{**a, "L-01": "A", "L-02": "B", "L-03": "C"} for a in answers]
    changed = score_many(form, flipped)
    for other in (without, changed):
        assert with_local.index.tobytes() == other.index.tobytes()
        assert with_local.theta.tobytes() == other.theta.tobytes()
    locals_ = [it for it in form if it.local]
    expected_raw = [sum(int(scores[n, len(national) + k]) for k in range(3)) for n in range(40)]
    assert with_local.local_raw.tolist() == expected_raw
    assert (with_local.local_max == 3).all()
    p = with_local.person(0)
    assert p.local == LocalResult(3, expected_raw[0], 3, 100.0 * expected_raw[0] / 3)
    assert all(it.area == 1 for it in locals_)


def test_area_without_items_is_missing_not_guessed() -> None:
    form = make_form(np.random.default_rng(3))
    administered = [{it.id for it in form if it.area != 5}]
    r = score_person(form, {}, administered=administered[0])
    assert r.areas[4].n_items == 0
    assert math.isnan(r.areas[4].score)
    assert r.areas[4].level == 0
    assert math.isnan(r.index)
    assert r.index_level == 0
    assert r.areas[0].n_items == 12
    assert r.areas[0].level == 1


def test_not_administered_differs_from_unanswered() -> None:
    answered = score_person(AREA1, {"K1": "B"})
    given_one = score_person(AREA1, {"K1": "B"}, administered={"K1"})
    assert given_one.areas[0].n_items == 1
    assert answered.areas[0].n_items == 5
    assert given_one.areas[0].theta > answered.areas[0].theta  # four blanks count as wrong


def test_identical_answers_give_byte_identical_results() -> None:
    form = _form_with_local()
    rng = np.random.default_rng(21)
    answers = draw_answers(rng, form, draw_scores(rng, form, draw_theta(rng, 5000)), blank_rate=0.2)
    first = score_many(form, answers)
    second = score_many(form, [dict(a) for a in answers])
    for name in (
        "item_scores",
        "theta",
        "se",
        "score",
        "score_se",
        "level",
        "index",
        "index_se",
        "index_low",
        "index_high",
        "local_raw",
    ):
        assert getattr(first, name).tobytes() == getattr(second, name).tobytes(), name
    # a person scored alone, or twice within a batch, gets the same bits as in the big batch
    for i in (0, 4095, 4096, 4999):
        alone = score_many(form, [answers[i]])
        assert alone.theta.tobytes() == first.theta[i : i + 1].tobytes()
        assert alone.index.tobytes() == first.index[i : i + 1].tobytes()
        assert alone.person(0) == first.person(i)
    twice = score_many(form, [answers[7], answers[3], answers[7]])
    assert twice.theta[0].tobytes() == twice.theta[2].tobytes() == first.theta[7].tobytes()


def test_index_recovery_from_simulated_persons() -> None:
    rng = np.random.default_rng(2024)
    form = make_form(rng)
    theta = draw_theta(rng, 2400, corr=0.7)
    res = score_matrix(form, draw_scores(rng, form, theta))
    true_index = theta_to_score(theta).mean(axis=1)
    r = float(np.corrcoef(true_index, res.index)[0, 1])
    assert r >= 0.9
    # per area the EAP is on the right scale: regression of theta-hat on theta is shrunk, not shifted
    assert abs(float(res.theta.mean() - theta.mean())) < 0.1


def test_person_view_matches_arrays() -> None:
    rng = np.random.default_rng(4)
    form = make_form(rng)
    res = score_matrix(form, draw_scores(rng, form, draw_theta(rng, 3)))
    p = res.person(1)
    assert [a.area for a in p.areas] == [1, 2, 3, 4, 5]
    assert p.areas[2].theta == res.theta[1, 2]
    assert p.index == res.index[1]
    assert len(p.item_scores) == 60


def test_duplicate_item_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        score_person((*AREA1, replace(AREA1[0], a=2.0)), {})
