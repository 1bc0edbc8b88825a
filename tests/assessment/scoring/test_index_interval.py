"""The person index interval: exact joint posterior across areas, and its coverage in simulation.

The old interval (per-area EAPs under independent priors, SE = sqrt(sum SE_k^2) / 5) treated the area
errors as independent and covered the true index for about 91% of persons, 80-83% at levels 1 and 4.
"""

import math

import numpy as np
import pytest

from assessment.scoring import (
    ItemParams,
    eap,
    log_likelihood_grid,
    overall_index_se,
    score_matrix,
    score_to_level,
    theta_to_score,
)
from assessment.scoring.estimate import (
    DEFAULT_PRIOR,
    INDEPENDENT_AREAS,
    AbilityPrior,
    joint_posterior,
)
from assessment.scoring.irt import DEFAULT_QUADRATURE
from assessment.scoring.simulate import draw_scores, draw_theta, make_form

NODES = DEFAULT_QUADRATURE.nodes
NODE_SCORES = theta_to_score(NODES)


def _area_loglik(form, scores, areas):  # type: ignore[no-untyped-def]
    out = []
    for area in areas:
        cols = [j for j, it in enumerate(form) if it.area == area]
        params = ItemParams.from_items([form[j] for j in cols])
        out.append(log_likelihood_grid(scores[:, cols], params, NODES))
    return out


def test_joint_posterior_equals_brute_force_two_dimensional_quadrature() -> None:
    rng = np.random.default_rng(9)
    form = make_form(rng, areas=(1, 2))
    corr = 0.7
    scores = draw_scores(rng, form, draw_theta(rng, 60, n_areas=2, corr=corr), areas=(1, 2))
    scores[0] = 0  # nothing right: the posterior sits in the tail of the prior
    scores[1] = [it.max_score for it in form]
    ll = _area_loglik(form, scores, (1, 2))
    post = joint_posterior(ll, [NODE_SCORES, NODE_SCORES], [math.sqrt(corr)] * 2)
    # The same posterior on the full 61 x 61 grid, with the bivariate normal prior written out.
    z = NODES
    inv = np.linalg.inv(np.array([[1.0, corr], [corr, 1.0]]))
    log_prior = -0.5 * (
        inv[0, 0] * z[:, None] ** 2 + 2 * inv[0, 1] * np.outer(z, z) + inv[1, 1] * z[None, :] ** 2
    )
    log_post = ll[0][:, :, None] + ll[1][:, None, :] + log_prior[None]
    p = np.exp(log_post - log_post.max(axis=(1, 2), keepdims=True))
    p /= p.sum(axis=(1, 2), keepdims=True)
    p1, p2 = p.sum(axis=2), p.sum(axis=1)
    theta1, theta2 = p1 @ z, p2 @ z
    sd1 = np.sqrt((p1 * (z[None, :] - theta1[:, None]) ** 2).sum(axis=1))
    index = (NODE_SCORES[:, None] + NODE_SCORES[None, :]) / 2
    index_mean = (p * index).sum(axis=(1, 2))
    index_sd = np.sqrt((p * (index - index_mean[:, None, None]) ** 2).sum(axis=(1, 2)))
    np.testing.assert_allclose(post.theta[:, 0], theta1, atol=5e-4)
    np.testing.assert_allclose(post.theta[:, 1], theta2, atol=5e-4)
    np.testing.assert_allclose(post.se[:, 0], sd1, atol=5e-4)
    np.testing.assert_allclose(post.theta[2:, 0], theta1[2:], atol=1e-4)  # away from the tails
    np.testing.assert_allclose(post.index_mean, index_mean, atol=1e-5)
    np.testing.assert_allclose(post.index_sd, index_sd, atol=1e-5)


def test_zero_loadings_give_the_per_area_eap_and_independent_index_variance() -> None:
    rng = np.random.default_rng(31)
    form = make_form(rng)
    scores = draw_scores(rng, form, draw_theta(rng, 200))
    res = score_matrix(form, scores, prior=INDEPENDENT_AREAS)
    var_sum = np.zeros(200)
    for k, area in enumerate(res.areas):
        cols = [j for j, it in enumerate(form) if it.area == area]
        params = ItemParams.from_items([form[j] for j in cols])
        theta, se = eap(scores[:, cols], params)
        np.testing.assert_allclose(res.theta[:, k], theta, rtol=0, atol=1e-12)
        np.testing.assert_allclose(res.se[:, k], se, rtol=0, atol=1e-12)
        ll = log_likelihood_grid(scores[:, cols], params, NODES)
        post = np.exp(ll - ll.max(axis=1, keepdims=True)) * DEFAULT_QUADRATURE.weights
        post /= post.sum(axis=1, keepdims=True)
        mean = post @ NODE_SCORES
        var_sum += (post * (NODE_SCORES[None, :] - mean[:, None]) ** 2).sum(axis=1)
    # independent areas: Var(index) = sum_k Var(f(theta_k)) / 25, the posterior version of the old formula
    np.testing.assert_allclose(res.index_se, np.sqrt(var_sum) / 5, rtol=1e-9)


def test_one_area_under_the_default_prior_is_the_per_area_eap() -> None:
    rng = np.random.default_rng(3)
    form = make_form(rng, areas=(1,))
    scores = draw_scores(rng, form, 1.5 * draw_theta(rng, 500, n_areas=1), areas=(1,))
    theta, se = eap(scores, ItemParams.from_items(form))
    res = score_matrix(form, scores)
    np.testing.assert_allclose(res.theta[:, 0], theta, atol=2e-5)
    np.testing.assert_allclose(res.se[:, 0], se, atol=2e-5)


def _coverage(low, high, true_index):  # type: ignore[no-untyped-def]
    covered = (true_index >= low) & (true_index <= high)
    level = score_to_level(true_index)
    by_level = {lv: float(covered[level == lv].mean()) for lv in (1, 2, 3, 4) if (level == lv).sum() >= 150}
    return float(covered.mean()), by_level


def _simulate(seed: int, mean: float, corr: float, n: int = 20_000):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    form = make_form(rng)
    theta = draw_theta(rng, n, mean=mean, corr=corr)
    return form, draw_scores(rng, form, theta), theta_to_score(theta).mean(axis=1)


def test_index_interval_covers_95_percent_overall_and_at_every_level() -> None:
    form, scores, true_index = _simulate(seed=2718, mean=0.0, corr=0.7)
    res = score_matrix(form, scores)
    overall, by_level = _coverage(res.index_low, res.index_high, true_index)
    assert 0.94 <= overall <= 0.96
    assert set(by_level) == {1, 2, 3, 4}
    assert min(by_level.values()) >= 0.93, by_level
    # what it replaces: independent priors and sqrt(sum SE_k^2) / 5 under-cover at the extremes
    old = score_matrix(form, scores, prior=INDEPENDENT_AREAS)
    se = overall_index_se(old.score_se)
    old_overall, old_by_level = _coverage(
        np.maximum(1.0, old.index - 1.96 * se), np.minimum(4.0, old.index + 1.96 * se), true_index
    )
    assert old_overall < 0.93
    assert max(old_by_level[1], old_by_level[4]) < 0.87
    # borrowing strength across areas also makes the area scores and the index more accurate
    assert np.sqrt(np.mean((res.index - true_index) ** 2)) < np.sqrt(np.mean((old.index - true_index) ** 2))


@pytest.mark.parametrize(
    ("seed", "mean", "corr"),
    [(3141, -1.0, 0.7), (1618, 0.5, 0.7), (1414, 0.0, 0.5), (1732, 0.0, 0.8)],
)
def test_index_interval_is_robust_to_a_wrong_prior(seed: int, mean: float, corr: float) -> None:
    # the prior keeps mean 0 and correlation 0.7 while the population differs
    form, scores, true_index = _simulate(seed, mean, corr)
    res = score_matrix(form, scores)
    overall, by_level = _coverage(res.index_low, res.index_high, true_index)
    assert 0.94 <= overall <= 0.96
    assert min(by_level.values()) >= 0.90, by_level


def test_shown_index_lies_inside_its_interval_within_the_scale() -> None:
    rng = np.random.default_rng(77)
    form = make_form(rng)
    theta = np.vstack([draw_theta(rng, 300, mean=m) for m in (-3.0, 0.0, 3.0)])
    scores = draw_scores(rng, form, theta)
    scores[0], scores[1] = 0, [it.max_score for it in form]
    res = score_matrix(form, scores)
    assert ((res.index_low <= res.index) & (res.index <= res.index_high)).all()
    assert ((res.index_low >= 1.0) & (res.index_high <= 4.0)).all()
    assert res.index_low[0] == 1.0  # nothing right: the interval reaches the floor
    assert res.index_high[1] == 4.0
    assert (res.index_se > 0).all()
    p = res.person(5)
    assert (p.index_low, p.index_high, p.index_se) == (res.index_low[5], res.index_high[5], res.index_se[5])


def test_an_area_without_items_leaves_index_and_interval_missing() -> None:
    form = make_form(np.random.default_rng(3))
    given = [it.id for it in form if it.area != 2]
    scores = np.zeros((2, len(form)), dtype=np.int8)
    mask = np.ones(scores.shape, dtype=np.bool_)
    mask[0] = [it.id in given for it in form]
    res = score_matrix(form, scores, mask)
    assert math.isnan(res.theta[0, 1])
    assert math.isnan(res.score[0, 1])
    assert all(math.isnan(v) for v in (res.index[0], res.index_se[0], res.index_low[0], res.index_high[0]))
    assert res.index_level[0] == 0
    assert not math.isnan(res.theta[0, 0])  # the other areas are still estimated
    assert res.index_low[1] <= res.index[1] <= res.index_high[1]


def test_ability_prior_holds_loadings_and_their_correlation() -> None:
    assert DEFAULT_PRIOR.loading == pytest.approx(math.sqrt(0.7))
    corr = AbilityPrior(loading=0.8, by_area=((4, 0.6),)).correlation((1, 2, 4))
    np.testing.assert_allclose(corr, [[1.0, 0.64, 0.48], [0.64, 1.0, 0.48], [0.48, 0.48, 1.0]])
    np.testing.assert_allclose(DEFAULT_PRIOR.correlation((1, 2))[0, 1], 0.7)
    for bad in ({"loading": 1.0}, {"loading": -0.1}, {"by_area": ((1, 0.5), (1, 0.6))}, {"n_general": 0}):
        with pytest.raises(ValueError, match=r"loading|twice|n_general"):
            AbilityPrior(**bad)  # type: ignore[arg-type]


def test_area_scores_borrow_strength_from_the_other_areas() -> None:
    # Two persons with the same answers in area 1 and opposite answers elsewhere: under the joint
    # prior their area-1 estimates differ (toward their other areas); under independent priors not.
    form = make_form(np.random.default_rng(12))
    scores = np.zeros((2, len(form)), dtype=np.int8)
    area1 = [j for j, it in enumerate(form) if it.area == 1]
    scores[:, area1[:6]] = 1
    others = [j for j, it in enumerate(form) if it.area != 1]
    scores[1, others] = [form[j].max_score for j in others]
    joint = score_matrix(form, scores)
    independent = score_matrix(form, scores, prior=INDEPENDENT_AREAS)
    assert independent.theta[0, 0] == independent.theta[1, 0]
    assert joint.theta[1, 0] > joint.theta[0, 0] + 0.5
