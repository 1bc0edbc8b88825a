"""Population model and plausible values: unbiased group figures where EAP averages are shrunk.

The simulated people have five area abilities correlated 0.7.  Every figure is compared with the
same figure computed from the true abilities of the same people.
"""

import math
from dataclasses import replace

import numpy as np
import pytest

from assessment.scoring import (
    DEFAULT_CUTS,
    DEFAULT_QUADRATURE,
    ItemParams,
    gauss_hermite_quadrature,
    log_likelihood_grid,
    overall_index,
    score_matrix,
    score_to_level,
    theta_to_score,
)
from assessment.scoring.figures import HISTOGRAM_EDGES, figures_by_group, group_figures, mean_difference
from assessment.scoring.population import PlausibleValues, PopulationModel, _Sampler, plausible_values
from assessment.scoring.simulate import draw_scores, draw_theta, make_form, make_local_items


def true_index(theta: np.ndarray) -> np.ndarray:
    return overall_index(theta_to_score(theta))


def level_shares(index: np.ndarray) -> np.ndarray:
    levels = score_to_level(index)
    return np.array([(levels == lv).mean() for lv in range(1, 5)])


# --------------------------------------------------------------------------------------------------
# Shared fits (module scope: each fit takes about a second)


@pytest.fixture(scope="module")
def regions():
    """Three regions of 2,000 at true means -1, -0.25 and +0.5, with a sex effect, in one fit."""
    rng = np.random.default_rng(20230804)
    form = make_form(rng)
    means = (-1.0, -0.25, 0.5)
    region = np.repeat(np.arange(3), 2000)
    sex = rng.integers(1, 3, size=region.size)
    theta = np.concatenate([draw_theta(rng, 2000, mean=m) for m in means]) + 0.1 * (sex == 2)[:, None]
    scores = draw_scores(rng, form, theta)
    covariates = {"region": [f"R{r}" for r in region], "sex": list(sex)}
    pv = plausible_values(form, scores, covariates=covariates, seed=7)
    return form, theta, scores, region, pv


@pytest.fixture(scope="module")
def units():
    """60 units of 100 persons with unit effects of SD 0.4 (the unit is a covariate)."""
    rng = np.random.default_rng(94)
    form = make_form(rng)
    unit = np.repeat(np.arange(60), 100)
    effect = rng.normal(0.0, 0.4, size=60)
    theta = -0.3 + effect[unit][:, None] + draw_theta(rng, unit.size, sd=0.85)
    scores = draw_scores(rng, form, theta)
    pv = plausible_values(form, scores, covariates={"unit": [f"U{u:02d}" for u in unit]}, seed=11)
    return form, theta, scores, unit, pv


def _small(seed: int, n: int = 300):
    rng = np.random.default_rng(seed)
    form = make_form(rng)
    theta = draw_theta(rng, n, mean=-0.2)
    group = rng.integers(3, size=n)
    scores = draw_scores(rng, form, theta)
    return form, theta, scores, {"group": list(group)}


# --------------------------------------------------------------------------------------------------
# Acceptance: means, slope, shares, change


def test_group_means_are_unbiased_from_minus_one_to_plus_half(regions) -> None:
    form, theta, scores, region, pv = regions
    assert pv.model.converged
    ti = true_index(theta)
    eap = score_matrix(form, scores).theta
    for r in range(3):
        rows = region == r
        area_err = pv.theta[:, rows, :].mean(axis=(0, 1)) - theta[rows].mean(axis=0)
        # per area the measurement error of a mean of 2,000 is about 0.013, the average over areas 0.005
        assert abs(area_err.mean()) <= 0.02
        assert np.abs(area_err).max() <= 0.05
        if r == 0:  # the EAP average this replaces is pulled toward the N(0, 1) prior
            assert (eap[rows].mean(axis=0) - theta[rows].mean(axis=0)).min() > 0.04
        g = group_figures(pv, rows)
        assert abs(g.mean - ti[rows].mean()) <= 0.02
        assert g.low < g.mean < g.high
        true_area_means = theta_to_score(theta[rows]).mean(axis=0)
        assert np.abs(np.array(g.area_means) - true_area_means).max() <= 0.05


def test_index_level_shares_match_the_true_shares(regions) -> None:
    _, theta, _, region, pv = regions
    ti = true_index(theta)
    low = region == 0  # true mean -1: a large level-1 share
    assert level_shares(ti[low])[0] > 0.25
    for rows in (low, region == 1, region == 2, np.ones(region.size, dtype=bool)):
        g = group_figures(pv, rows)
        assert np.abs(np.array(g.level_shares) - level_shares(ti[rows])).max() <= 0.02
        for k in range(5):
            got = np.array(g.area_level_shares[k])
            true = np.array(
                [(score_to_level(theta_to_score(theta[rows, k])) == lv).mean() for lv in (1, 2, 3, 4)]
            )
            assert np.abs(got - true).max() <= 0.04


def test_unit_means_are_not_shrunk(units) -> None:
    form, theta, scores, unit, pv = units
    ti = true_index(theta)
    true_means = np.array([ti[unit == u].mean() for u in range(60)])
    figures = figures_by_group(pv, [f"U{u:02d}" for u in unit])
    reported = np.array([figures[f"U{u:02d}"].mean for u in range(60)])
    slope = np.polyfit(true_means, reported, 1)[0]
    assert 0.98 <= slope <= 1.02
    assert np.sqrt(np.mean((reported - true_means) ** 2)) < 0.04
    eap = score_matrix(form, scores).index
    eap_means = np.array([eap[unit == u].mean() for u in range(60)])
    assert np.polyfit(true_means, eap_means, 1)[0] < slope - 0.01  # the shrinkage PVs remove
    # the unit effects and the within-unit spread are recovered
    assert np.sqrt(np.diag(pv.model.sigma)) == pytest.approx(np.full(5, 0.85), abs=0.04)
    assert pv.model.correlation[np.triu_indices(5, 1)].mean() == pytest.approx(0.7, abs=0.03)


def test_change_between_two_rounds_is_recovered() -> None:
    """Two rounds, independent samples, each fitted on its own: a theta shift of 0.155 is an index
    change of about 0.13 (the clamp at 1 and 4 flattens it)."""
    rng = np.random.default_rng(2024)
    form = make_form(rng)
    before = draw_theta(rng, 3000, mean=-0.3)
    after = draw_theta(rng, 3000, mean=-0.3 + 0.155)
    pv_before = plausible_values(form, draw_scores(rng, form, before), seed=1)
    pv_after = plausible_values(form, draw_scores(rng, form, after), seed=2)
    diff = mean_difference(pv_after, None, pv_before, None)
    true_diff = true_index(after).mean() - true_index(before).mean()
    assert diff.estimate == pytest.approx(true_diff, abs=0.02)
    assert diff.low < true_diff < diff.high
    # two independent samples of 3,000: SE about 0.87 * sqrt(2 / 3000) = 0.022
    assert 0.015 < diff.se < 0.03


def test_kukar_sized_round() -> None:
    """10,303 persons, 94 units (SD 0.25) and six segment variables, as in the demo's simulated round."""
    rng = np.random.default_rng(2023)
    form = make_form(rng)
    n = 10_303
    unit = rng.integers(94, size=n)
    shift = rng.normal(0.0, 0.25, size=94)[unit]
    covariates: dict[str, list] = {"unit": [f"OPD-{u:02d}" for u in unit]}
    for name, effects in {
        "education": (-0.35, -0.1, 0.1, 0.4, 0.3),
        "age": (0.25, 0.1, -0.1, -0.3),
        "position": (-0.1, 0.0, 0.1),
        "status": (0.0, -0.15),
        "sex": (0.0, 0.05),
        "rank": (-0.2, -0.1, 0.0, 0.1, 0.0),
    }.items():
        level = rng.integers(len(effects), size=n)
        shift = shift + np.asarray(effects)[level]
        covariates[name] = [f"{name}{v}" for v in level]
    area_means = np.array([2.50, 2.35, 2.10, 2.28, 2.35]) - 2.5
    theta = area_means + shift[:, None] + draw_theta(rng, n, sd=0.85)
    pv = plausible_values(form, draw_scores(rng, form, theta), covariates=covariates, seed=2023)
    assert pv.model.converged
    # full dummy coding: 118 columns of rank 1 + 93 + 4 + 3 + 2 + 1 + 1 + 4 = 109, less a hair of ridge
    assert pv.model.n_effective_parameters == pytest.approx(109, abs=0.5)
    ti = true_index(theta)
    g = group_figures(pv)
    assert g.mean == pytest.approx(ti.mean(), abs=0.01)
    assert np.abs(np.array(g.level_shares) - level_shares(ti)).max() <= 0.01
    assert np.abs(pv.theta.mean(axis=(0, 1)) - theta.mean(axis=0)).max() <= 0.02
    figures = figures_by_group(pv, covariates["unit"])
    true_means = np.array([ti[unit == u].mean() for u in range(94)])
    reported = np.array([figures[f"OPD-{u:02d}"].mean for u in range(94)])
    assert 0.98 <= np.polyfit(true_means, reported, 1)[0] <= 1.02
    education = figures_by_group(pv, covariates["education"])
    for v in range(5):
        rows = np.array(covariates["education"]) == f"education{v}"
        assert education[f"education{v}"].mean == pytest.approx(ti[rows].mean(), abs=0.02)


def test_many_small_units_keep_the_spread() -> None:
    """500 units of 8: ML would understate the within-unit SD by ~10%; the REML-like divisor does not."""
    rng = np.random.default_rng(8)
    form = make_form(rng)
    unit = np.repeat(np.arange(500), 8)
    theta = rng.normal(0.0, 0.4, size=500)[unit][:, None] + draw_theta(rng, unit.size, sd=0.85)
    pv = plausible_values(form, draw_scores(rng, form, theta), covariates={"unit": list(unit)}, seed=3)
    assert np.sqrt(np.diag(pv.model.sigma)).mean() == pytest.approx(0.85, abs=0.03)
    g = group_figures(pv)
    ti = true_index(theta)
    assert g.sd == pytest.approx(ti.std(ddof=1), abs=0.02)
    assert np.abs(np.array(g.level_shares) - level_shares(ti)).max() <= 0.02


# --------------------------------------------------------------------------------------------------
# Determinism, local items, missing areas, degenerate units


def test_same_seed_same_output() -> None:
    form, _, scores, cov = _small(5)
    a = plausible_values(form, scores, covariates=cov, seed=42, n_draws=3)
    b = plausible_values(form, scores, covariates=cov, seed=42, n_draws=3)
    c = plausible_values(form, scores, covariates=cov, seed=43, n_draws=3)
    assert np.array_equal(a.theta, b.theta)
    assert np.array_equal(a.index, b.index)
    assert np.array_equal(a.model.correlation, b.model.correlation)
    assert group_figures(a) == group_figures(b)
    assert not np.array_equal(a.theta, c.theta)
    assert np.array_equal(a.model.gamma, c.model.gamma)  # the EM part uses no random numbers


def test_local_items_never_enter() -> None:
    form, _, scores, cov = _small(6)
    rng = np.random.default_rng(0)
    local = make_local_items(rng, n=3)
    local_scores = rng.integers(0, 2, size=(scores.shape[0], 3))
    with_local = plausible_values(
        (*form, *local), np.hstack([scores, local_scores]), covariates=cov, seed=1, n_draws=2
    )
    without = plausible_values(form, scores, covariates=cov, seed=1, n_draws=2)
    assert with_local.areas == without.areas == (1, 2, 3, 4, 5)
    assert np.array_equal(with_local.theta, without.theta)


def test_persons_without_items_in_an_area_are_drawn_from_the_model() -> None:
    rng = np.random.default_rng(12)
    form = make_form(rng)
    theta = draw_theta(rng, 3000, mean=0.3)
    scores = draw_scores(rng, form, theta)
    mask = np.ones(scores.shape, dtype=bool)
    area3 = np.array([it.area == 3 for it in form])
    mask[:1000, area3] = False  # 1,000 persons got no item of area 3
    mask[1000:1050] = False  # 50 persons got nothing at all
    pv = plausible_values(form, scores, mask, seed=4)
    assert pv.model.converged
    assert np.isfinite(pv.theta).all()
    # area 3 of the first 1,000 comes from their other areas through the correlation (the part the
    # other areas do not predict, residual SD 0.6, leaves an error of about 0.02 on their mean)
    skipped = pv.theta[:, :1000, 2].mean()
    assert skipped == pytest.approx(theta[:1000, 2].mean(), abs=0.08)
    # persons with no answers at all are draws from N(intercept, Sigma)
    assert pv.theta[:, 1000:1050, :].mean() == pytest.approx(pv.model.gamma[0].mean(), abs=0.15)


def test_a_unit_of_one_all_correct_person_stays_bounded() -> None:
    rng = np.random.default_rng(13)
    form = make_form(rng)
    theta = draw_theta(rng, 1000)
    scores = draw_scores(rng, form, theta)
    scores[0] = [it.max_score for it in form]
    unit = ["lone"] + [f"U{i % 10}" for i in range(999)]
    pv = plausible_values(form, scores, covariates={"unit": unit}, seed=5)
    lone = pv.model.effect("unit=lone")
    assert np.isfinite(lone).all()
    assert (lone < 4.0).all()
    assert np.isfinite(pv.theta).all()
    assert pv.theta[:, 0, :].max() < 5.5


def test_one_area_and_missing_covariate_values() -> None:
    rng = np.random.default_rng(14)
    form = make_form(rng, areas=(4,))
    theta = draw_theta(rng, 500, mean=0.4, n_areas=1)
    scores = draw_scores(rng, form, theta, areas=(4,))
    cov = {"education": [None if i % 7 == 0 else ("S1", "S2")[i % 2] for i in range(500)]}
    pv = plausible_values(form, scores, covariates=cov, seed=1, n_draws=4)
    assert pv.areas == (4,)
    assert pv.theta.shape == (4, 500, 1)
    assert pv.model.correlation.shape == (1, 1)
    assert "education=None" in pv.model.columns
    assert np.array_equal(pv.index, pv.score[:, :, 0])
    assert pv.theta.mean() == pytest.approx(theta.mean(), abs=0.1)


def test_invalid_input_is_refused() -> None:
    form, _, scores, _ = _small(15, n=50)
    with pytest.raises(ValueError, match="two plausible values"):
        plausible_values(form, scores, n_draws=1)
    with pytest.raises(ValueError, match="equally spaced"):
        plausible_values(form, scores, quadrature=gauss_hermite_quadrature())
    with pytest.raises(ValueError, match="covariate"):
        plausible_values(form, scores, covariates={"unit": ["a"] * 49})
    with pytest.raises(ValueError, match="persons, items"):
        plausible_values(form, scores[:, :-1])
    nobody = np.ones(scores.shape, dtype=bool)
    nobody[:, [it.area == 5 for it in form]] = False
    with pytest.raises(ValueError, match="area 5"):
        plausible_values(form, scores, nobody)


# --------------------------------------------------------------------------------------------------
# Group figures and Rubin's rules


def _hand_made(index: np.ndarray) -> PlausibleValues:
    """PVs with a given (M, n) index and the same score in every area."""
    model = PopulationModel(
        areas=(1, 2),
        columns=("(intercept)",),
        gamma=np.zeros((1, 2)),
        sigma=np.eye(2),
        correlation=np.eye(2),
        ridge_sd=3.0,
        iterations=(1, 1),
        converged=True,
        log_likelihood=(0.0, 0.0),
        n_effective_parameters=1.0,
    )
    score = np.repeat(index[:, :, None], 2, axis=2)
    return PlausibleValues((1, 2), score - 2.5, score, index, model, DEFAULT_CUTS, 0)


def test_rubins_rules_worked_example() -> None:
    # two draws of three persons: draw means 2.0 and 2.2, within variances 0.25 and 0.25
    pv = _hand_made(np.array([[1.5, 2.0, 2.5], [1.7, 2.2, 2.7]]))
    g = group_figures(pv)
    u = 0.25 / 3  # mean sampling variance of the mean
    b = 0.02  # between-draw variance: ((2.0 - 2.1)^2 + (2.2 - 2.1)^2) / 1
    t = u + 1.5 * b
    assert g.mean == pytest.approx(2.1)
    assert g.se == pytest.approx(math.sqrt(t))
    lam = 1.5 * b / t
    df_obs = 3 / 5 * 2 * (1 - lam)
    assert g.df == pytest.approx(1 / (lam * lam / 1 + 1 / df_obs))
    assert g.sd == pytest.approx(0.5)
    assert g.small_group
    # levels: draw 1 has 1.5 (level 2), 2.0 (2), 2.5 (3); draw 2 has 1.7 (2), 2.2 (2), 2.7 (3)
    assert g.level_shares == pytest.approx((0.0, 2 / 3, 1 / 3, 0.0))
    assert g.area_means == pytest.approx((2.1, 2.1))
    census = group_figures(pv, method="census")
    assert census.se == pytest.approx(math.sqrt(1.5 * b))
    assert census.df == pytest.approx(1.0)  # lambda = 1: df = (M - 1) / lambda^2
    assert sum(g.histogram) == pytest.approx(3.0)
    assert g.histogram[2] == pytest.approx(1.0)  # [1.5, 1.75): 1.5 in draw 1, 1.7 in draw 2


def test_group_figures_are_consistent(regions) -> None:
    _, _, _, region, pv = regions
    rows = region == 1
    g = group_figures(pv, rows)
    assert group_figures(pv, np.flatnonzero(rows)) == g
    assert (g.n, g.n_draws, g.small_group) == (2000, 10, False)
    assert sum(g.level_shares) == pytest.approx(1.0)
    assert all(sum(s) == pytest.approx(1.0) for s in g.area_level_shares)
    assert g.histogram_edges == HISTOGRAM_EDGES == tuple(1.0 + 0.25 * i for i in range(13))
    assert sum(g.histogram) == pytest.approx(2000)
    assert len(g.histogram) == 12
    assert g.mean == pytest.approx(np.mean(g.area_means))
    census = group_figures(pv, rows, method="census")
    assert census.mean == g.mean
    assert 0.0 < census.se < g.se
    assert all(0.0 < s < 0.02 for s in g.level_share_se)
    by_region = figures_by_group(pv, [f"R{r}" for r in region])
    assert list(by_region) == ["R0", "R1", "R2"]
    assert by_region["R1"] == g
    assert by_region["R0"].mean < by_region["R1"].mean < by_region["R2"].mean


def test_difference_within_one_fit(regions) -> None:
    _, theta, _, region, pv = regions
    ti = true_index(theta)
    d = mean_difference(pv, region == 2, pv, region == 0)
    assert d.estimate == pytest.approx(ti[region == 2].mean() - ti[region == 0].mean(), abs=0.03)
    assert d.low < d.estimate < d.high
    with pytest.raises(ValueError, match="disjoint"):
        mean_difference(pv, region >= 1, pv, region <= 1)


def test_replacing_cuts_changes_only_the_reported_scale(regions) -> None:
    form, _, scores, region, _ = regions
    cuts = replace(DEFAULT_CUTS, by_area=((1, (-1.2, -0.2, 1.0)),))
    pv = plausible_values(form[:24], scores[:, :24], covariates={"region": list(region)}, seed=2, cuts=cuts)
    assert pv.areas == (1, 2)
    assert np.array_equal(pv.score[:, :, 0], theta_to_score(pv.theta[:, :, 0], cuts, 1))
    assert np.array_equal(pv.score[:, :, 1], theta_to_score(pv.theta[:, :, 1], cuts, 2))


def test_grid_sampler_draws_from_the_discretised_posterior() -> None:
    """The Gibbs step is exact on the grid, also for a person whose weights underflow float32 (the
    all-correct person with a prior far below, redone in float64)."""
    rng = np.random.default_rng(21)
    form = make_form(rng, areas=(1,))
    scores = draw_scores(rng, form, np.array([[-2.0], [0.0], [1.0], [3.0]]), areas=(1,))
    scores[3] = [it.max_score for it in form]
    mu = np.array([-4.5, 0.0, 0.5, -3.0])
    cond_var = 0.3
    nodes = DEFAULT_QUADRATURE.nodes
    ll = log_likelihood_grid(scores, ItemParams.from_items(form), nodes)
    logpost = ll - 0.5 * (nodes[None, :] - mu[:, None]) ** 2 / cond_var
    exact = np.exp(logpost - logpost.max(axis=1, keepdims=True))
    exact /= exact.sum(axis=1, keepdims=True)
    reps = 20_000  # each person repeated: one sweep gives 20,000 draws per person
    llt = np.repeat(
        np.ascontiguousarray((ll - ll.max(axis=1, keepdims=True)).T, dtype=np.float32), reps, axis=1
    )
    theta = np.zeros((4 * reps, 1))
    _Sampler([llt], nodes).sweep(theta, np.repeat(mu, reps)[:, None], np.array([[1 / cond_var]]), rng)
    for i in range(4):
        drawn = theta[i * reps : (i + 1) * reps, 0]
        assert np.isin(drawn, nodes).all()
        empirical = np.bincount(np.searchsorted(nodes, drawn), minlength=nodes.size) / reps
        assert 0.5 * np.abs(empirical - exact[i]).sum() < 0.02  # total variation
        assert drawn.mean() == pytest.approx(exact[i] @ nodes, abs=0.01)
