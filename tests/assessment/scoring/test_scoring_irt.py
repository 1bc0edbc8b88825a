"""2PL/GPCM probabilities and EAP, checked against explicit hand-style formulas."""

import math

import numpy as np
import pytest

from assessment.scoring import (
    ItemParams,
    ItemSpec,
    category_probs,
    eap,
    gauss_hermite_quadrature,
    gpcm_probs,
    item_information,
    log_category_probs,
    normal_quadrature,
    prob_2pl,
)


def test_2pl_probabilities_at_chosen_thetas() -> None:
    # P = 1 / (1 + exp(-a (theta - b)))
    assert prob_2pl(0.0, 1.0, -1.0) == pytest.approx(1 / (1 + math.exp(-1.0)))  # 0.731059
    assert prob_2pl(0.0, 1.0, -1.0) == pytest.approx(0.7310585786)
    assert prob_2pl(0.0, 1.5, 0.5) == pytest.approx(0.3208213008)  # 1 / (1 + e^0.75)
    assert prob_2pl(0.5, 1.5, 0.5) == pytest.approx(0.5)
    assert prob_2pl(2.0, 2.0, 1.0) == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_gpcm_probabilities_match_formula_and_sum_to_one() -> None:
    a, b, steps = 0.8, 0.3, (-0.5, 0.5)
    d1, d2 = b + steps[0], b + steps[1]
    for theta in (-2.0, -0.2, 0.0, 0.3, 1.7):
        num = [1.0, math.exp(a * (theta - d1)), math.exp(a * (theta - d1) + a * (theta - d2))]
        expected = [v / sum(num) for v in num]
        got = gpcm_probs(theta, a, b, steps)
        assert got == pytest.approx(expected, abs=1e-12)
        assert got.sum() == pytest.approx(1.0, abs=1e-12)
    # worked example of docs/scoring.md: a=0.8, b=0, steps (-0.5, 0.5) at theta 0
    assert gpcm_probs(0.0, 0.8, 0.0, (-0.5, 0.5)) == pytest.approx([0.286383, 0.427234, 0.286383], abs=1e-6)


def test_vectorised_category_probs_agree_with_scalar_formulas() -> None:
    items = [
        ItemSpec("a", "single_choice", ("A",), area=1, a=1.3, b=-0.4),
        ItemSpec("b", "ordering", ("A", "B", "C"), area=1, a=0.9, b=0.6, steps=(-0.7, 0.7)),
    ]
    theta = np.linspace(-3, 3, 13)
    p = category_probs(ItemParams.from_items(items), theta)
    np.testing.assert_allclose(p[0, 1], prob_2pl(theta, 1.3, -0.4), atol=1e-12)
    np.testing.assert_allclose(p[0, 2], 0.0)
    np.testing.assert_allclose(p[1].T, gpcm_probs(theta, 0.9, 0.6, (-0.7, 0.7)), atol=1e-12)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-12)
    assert np.isneginf(log_category_probs(ItemParams.from_items(items), theta)[0, 2]).all()


def test_item_information_2pl_and_gpcm() -> None:
    items = [
        ItemSpec("a", "single_choice", ("A",), area=1, a=1.3, b=-0.4),
        ItemSpec("b", "ordering", ("A", "B", "C"), area=1, a=0.9, b=0.6, steps=(-0.7, 0.7)),
    ]
    theta = np.array([-1.0, 0.0, 1.2])
    info = item_information(ItemParams.from_items(items), theta)
    p = prob_2pl(theta, 1.3, -0.4)
    np.testing.assert_allclose(info[0], 1.3**2 * p * (1 - p), atol=1e-12)
    g = gpcm_probs(theta, 0.9, 0.6, (-0.7, 0.7))
    mean = g[:, 1] + 2 * g[:, 2]
    var = g[:, 1] + 4 * g[:, 2] - mean**2
    np.testing.assert_allclose(info[1], 0.81 * var, atol=1e-12)


TINY = [
    ItemSpec("t1", "single_choice", ("A",), area=1, a=1.0, b=-0.5),
    ItemSpec("t2", "scenario", ("A",), area=1, a=1.6, b=0.4),
    ItemSpec("t3", "multiple_response", ("A", "B"), area=1, a=0.7, b=0.2, steps=(-0.6, 0.6)),
]


def _eap_by_hand(pattern: list[int]) -> tuple[float, float]:
    """EAP by explicit summation over 61 nodes on [-5, 5] with standard-normal weights."""
    num = den = sq = 0.0
    for q in range(61):
        theta = -5.0 + q * (10.0 / 60.0)
        weight = math.exp(-0.5 * theta * theta)
        lik = 1.0
        p1 = 1.0 / (1.0 + math.exp(-1.0 * (theta + 0.5)))
        lik *= p1 if pattern[0] == 1 else 1.0 - p1
        p2 = 1.0 / (1.0 + math.exp(-1.6 * (theta - 0.4)))
        lik *= p2 if pattern[1] == 1 else 1.0 - p2
        z1 = 0.7 * (theta - (0.2 - 0.6))
        z2 = z1 + 0.7 * (theta - (0.2 + 0.6))
        cats = [1.0, math.exp(z1), math.exp(z2)]
        lik *= cats[pattern[2]] / sum(cats)
        num += theta * lik * weight
        den += lik * weight
        sq += theta * theta * lik * weight
    mean = num / den
    return mean, math.sqrt(sq / den - mean * mean)


@pytest.mark.parametrize("pattern", [[0, 0, 0], [1, 0, 1], [1, 1, 0], [0, 1, 2], [1, 1, 2]])
def test_eap_matches_explicit_summation(pattern: list[int]) -> None:
    theta, se = eap(np.array([pattern]), ItemParams.from_items(TINY))
    hand_theta, hand_se = _eap_by_hand(pattern)
    assert theta[0] == pytest.approx(hand_theta, abs=1e-6)
    assert se[0] == pytest.approx(hand_se, abs=1e-6)


def test_eap_grid_agrees_with_gauss_hermite() -> None:
    patterns = np.array([[0, 0, 0], [1, 0, 1], [1, 1, 2]])
    params = ItemParams.from_items(TINY)
    t1, s1 = eap(patterns, params)
    t2, s2 = eap(patterns, params, quadrature=gauss_hermite_quadrature(61))
    np.testing.assert_allclose(t1, t2, atol=1e-4)
    np.testing.assert_allclose(s1, s2, atol=1e-4)


def test_mask_skips_items_and_empty_mask_gives_prior() -> None:
    params = ItemParams.from_items(TINY)
    x = np.array([[1, 0, 2], [1, 0, 2]])
    mask = np.array([[True, False, True], [False, False, False]])
    theta, se = eap(x, params, mask)
    t_drop, s_drop = eap(x[:1][:, [0, 2]], ItemParams.from_items([TINY[0], TINY[2]]))
    assert theta[0] == t_drop[0]
    assert se[0] == s_drop[0]
    assert theta[1] == pytest.approx(0.0, abs=1e-12)
    assert se[1] == pytest.approx(1.0, abs=1e-5)  # the 61-node grid's prior SD is 0.999995


def test_more_items_shrink_the_standard_error() -> None:
    params = ItemParams.from_items(TINY)
    _, se1 = eap(np.array([[1, 0, 0]]), params, np.array([[True, False, False]]))
    _, se3 = eap(np.array([[1, 0, 1]]), params)
    assert se3[0] < se1[0] < 1.0


def test_out_of_range_scores_are_refused() -> None:
    with pytest.raises(ValueError, match="out of range"):
        eap(np.array([[2, 0, 0]]), ItemParams.from_items(TINY))


def test_shifted_prior_moves_estimates() -> None:
    params = ItemParams.from_items(TINY)
    x = np.array([[1, 0, 1]])
    t0, _ = eap(x, params)
    t1, _ = eap(x, params, quadrature=normal_quadrature(mean=0.5))
    assert t1[0] > t0[0]
