"""Lower asymptote c: probabilities, information, simulation, calibration with guessing="none" |
"fixed" | "free" | "auto", and the level-1 acceptance figure of issue #17.

The acceptance measure (docs/scoring.md): in the project's standard simulation (make_form, 5 areas x
12 items, N(0, R) with r = 0.7, 10,000 persons) with c ~ U(.15, .30) on the one-answer items, the
persons whose *true* index (the mean of f(theta_k)) is at level 1; bias = mean of the reported index
minus the true index on the 1-4 scale, scored by score_matrix.  Measured when written (seed 1):
calibrated and scored as 2PL 0.069; guessing="auto" 0.048; the true parameters 0.047; scoring with
the true a, b but c ignored 0.418 (level 1 right for 29%).  Per area (theta, persons at area level
1) EAP shrinkage alone leaves +0.31 even with the true parameters, so that figure cannot reach 0.10
by any calibration (see docs/scoring.md).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from assessment.scoring import (
    ItemParams,
    ItemSpec,
    calibrate,
    category_probs,
    item_information,
    prob_2pl,
    score_matrix,
    score_to_level,
    theta_to_score,
)
from assessment.scoring.simulate import draw_scores, draw_theta, make_form

THETA = np.linspace(-4, 4, 33)
SC = ItemSpec(id="s", type="single_choice", key=("A",), area=1, a=1.3, b=0.4, options=("A", "B", "C", "D"))


def test_probability_with_lower_asymptote() -> None:
    item = replace(SC, c=0.2)
    p = category_probs(ItemParams.from_items([item]), THETA)[0]
    f = 1.0 / (1.0 + np.exp(-1.3 * (THETA - 0.4)))
    assert p[1] == pytest.approx(0.2 + 0.8 * f, rel=1e-12)
    assert p[0] + p[1] == pytest.approx(np.ones_like(THETA), rel=1e-12)
    assert (p[2] == 0).all()
    assert prob_2pl(THETA, 1.3, 0.4, 0.2) == pytest.approx(p[1], rel=1e-12)
    # c = 0 is the 2PL
    assert category_probs(ItemParams.from_items([SC]), THETA)[0, 1] == pytest.approx(
        prob_2pl(THETA, 1.3, 0.4)
    )


def test_information_of_3pl_is_the_fisher_information() -> None:
    item = replace(SC, c=0.25)
    params = ItemParams.from_items([item])
    info = item_information(params, THETA)[0]
    h = 1e-5
    p = prob_2pl(THETA, 1.3, 0.4, 0.25)
    dp = (prob_2pl(THETA + h, 1.3, 0.4, 0.25) - prob_2pl(THETA - h, 1.3, 0.4, 0.25)) / (2 * h)
    assert info == pytest.approx(dp**2 / (p * (1 - p)), rel=1e-6)
    # guessing costs information, most at the low end
    base = item_information(ItemParams.from_items([SC]), THETA)[0]
    assert (info < base).all()


def test_item_spec_and_params_check_c() -> None:
    with pytest.raises(ValueError, match="c must be in"):
        replace(SC, c=1.0)
    with pytest.raises(ValueError, match="only one-answer items"):
        ItemSpec(id="m", type="multiple_response", key=("A", "B"), area=1, c=0.1)
    with pytest.raises(ValueError, match="c must be"):
        ItemParams(np.ones(1), np.array([[0.0, 0.1]]), np.array([2], dtype=np.int8), np.array([0.2]))
    assert SC.n_options == 4
    assert SC.c == 0.0


def test_make_form_with_guessing_keeps_the_random_stream_without_it() -> None:
    plain = make_form(np.random.default_rng(3))
    again = make_form(np.random.default_rng(3), guessing=None)
    assert plain == again
    guessed = make_form(np.random.default_rng(3), guessing=(0.15, 0.30))
    for it in guessed:
        if it.max_score == 1:
            assert 0.15 <= it.c <= 0.30
        else:
            assert it.c == 0.0


def _area_data(seed: int, guessing: tuple[float, float] | None, n: int = 5000):
    rng = np.random.default_rng(seed)
    form = make_form(rng, areas=(1,), guessing=guessing)
    theta = draw_theta(rng, n, n_areas=1)
    return form, draw_scores(rng, form, theta, areas=(1,))


def test_fixed_guessing_uses_one_over_options() -> None:
    form, x = _area_data(21, (0.2, 0.3))
    cal = calibrate(form, x, guessing="fixed")
    assert cal.areas[0].model == "2PL+c"
    for c in cal.items:
        assert c.c == (0.25 if c.max_score == 1 else 0.0)
        assert np.isnan(c.se_c)
    specs = cal.item_specs(form)
    assert [s.c for s in specs] == [c.c for c in cal.items]


def test_free_guessing_recovers_c_and_b() -> None:
    form, x = _area_data(22, (0.15, 0.30), n=8000)
    cal = calibrate(form, x, guessing="free")
    assert cal.converged
    assert cal.areas[0].model == "3PL"
    one = [k for k, it in enumerate(form) if it.max_score == 1]
    c_true = np.array([form[k].c for k in one])
    c_est = np.array([cal.items[k].c for k in one])
    assert abs(float(c_est.mean() - c_true.mean())) < 0.04
    assert all(cal.items[k].se_c > 0 for k in one)
    b_true = np.array([it.b for it in form])
    b_est = np.array([c.b for c in cal.items])
    assert np.sqrt(np.mean((b_est - b_true) ** 2)) < 0.2


def test_auto_chooses_by_bic_and_reports_every_candidate() -> None:
    form, x = _area_data(23, (0.15, 0.30))
    cal = calibrate(form, x, guessing="auto")
    area = cal.areas[0]
    assert [f.model for f in area.model_fit] == ["2PL", "2PL+c", "3PL"]
    n = area.n_persons
    for f in area.model_fit:
        assert f.aic == pytest.approx(-2 * f.log_likelihood + 2 * f.n_params)
        assert f.bic == pytest.approx(-2 * f.log_likelihood + f.n_params * np.log(n))
    # 8 one-answer items (a, b), 4 partial-credit (a, b, step); 3PL adds 8 c's; N(0, 1) fixed
    assert [f.n_params for f in area.model_fit] == [28, 28, 36]
    assert area.model == min(area.model_fit, key=lambda f: f.bic).model
    assert area.model != "2PL"  # guessing data: a model with c wins
    # 2PL data: the 2PL wins
    form2, x2 = _area_data(24, None)
    assert calibrate(form2, x2, guessing="auto").areas[0].model == "2PL"


def test_bad_guessing_value_is_refused() -> None:
    form, x = _area_data(25, None, n=300)
    with pytest.raises(ValueError, match="guessing must be one of"):
        calibrate(form, x, guessing="3pl")  # type: ignore[arg-type]


def test_level_one_bias_under_guessing_is_at_most_0_10() -> None:
    rng = np.random.default_rng(1)
    form = make_form(rng, guessing=(0.15, 0.30))
    theta = draw_theta(rng, 10_000)
    x = draw_scores(rng, form, theta)
    true_score = np.stack([theta_to_score(theta[:, k]) for k in range(5)], axis=1)
    true_index = true_score.mean(axis=1)
    level1 = score_to_level(true_index) == 1
    assert level1.sum() > 800

    def bias(items: tuple[ItemSpec, ...]) -> tuple[float, float]:
        res = score_matrix(items, x)
        return (
            float((res.index[level1] - true_index[level1]).mean()),
            float((res.index_level[level1] == 1).mean()),
        )

    cal = calibrate(form, x, guessing="auto")
    assert all(a.model in ("2PL+c", "3PL") for a in cal.areas)
    b_auto, right_auto = bias(cal.item_specs(form))
    b_true, _ = bias(form)
    b_ignored, right_ignored = bias(tuple(replace(it, c=0.0) for it in form))
    assert b_auto <= 0.10
    assert abs(b_auto - b_true) < 0.02  # what is left is EAP shrinkage, not guessing
    assert right_auto > 0.75
    # the measure sees guessing: the same people scored with c ignored are pushed up a lot
    assert b_ignored > 0.3
    assert right_ignored < 0.4
