"""MML-EM calibration: parameter recovery with anchors, scale identification, fit and drift flags."""

from dataclasses import replace

import numpy as np
import pytest

from assessment.scoring import calibrate, prob_2pl
from assessment.scoring.simulate import draw_scores, draw_theta, make_form


def test_recovery_10000_by_60_with_fixed_anchors() -> None:
    rng = np.random.default_rng(20260804)
    form = make_form(rng, anchors_per_area=2)  # 10 anchors
    theta = draw_theta(rng, 10_000, mean=0.3, sd=1.1)  # population off the reference N(0, 1)
    scores = draw_scores(rng, form, theta)
    cal = calibrate(form, scores)  # its speed is measured by tests/perf, not asserted here
    assert cal.converged
    free = [not c.fixed for c in cal.items]
    assert sum(free) == 50
    true_a = np.array([it.a for it, f in zip(form, free, strict=True) if f])
    true_b = np.array([it.b for it, f in zip(form, free, strict=True) if f])
    est_a = np.array([c.a for c in cal.items if not c.fixed])
    est_b = np.array([c.b for c in cal.items if not c.fixed])
    assert np.corrcoef(true_b, est_b)[0, 1] >= 0.95
    assert np.corrcoef(true_a, est_a)[0, 1] >= 0.9
    # anchors fix the scale: no re-standardisation, so b is unbiased and the population shift is found
    assert abs(float((est_b - true_b).mean())) < 0.1
    for area in cal.areas:
        assert area.scale == "anchors"
        assert area.pop_mean == pytest.approx(0.3, abs=0.1)
        assert area.pop_sd == pytest.approx(1.1, abs=0.1)
    for c, it in zip(cal.items, form, strict=True):
        if c.fixed:
            assert (c.a, c.b, c.steps) == (it.a, it.b, it.steps)
            assert abs(c.displacement) < 0.3
    # fit of items that follow the model: mean squares near 1, small S-X2 RMSEA
    assert all(0.9 < c.infit < 1.1 and 0.8 < c.outfit < 1.2 for c in cal.items)
    assert all(c.rmsea < 0.05 for c in cal.items)
    updated = cal.item_specs(form)
    assert [u.id for u in updated] == [it.id for it in form]
    assert all(u.steps == () for u in updated if u.max_score == 1)
    assert all(abs(sum(u.steps)) < 1e-9 for u in updated if u.max_score == 2)


def test_without_anchors_the_prior_sets_the_scale() -> None:
    rng = np.random.default_rng(3)
    form = make_form(rng, areas=(2,))
    scores = draw_scores(rng, form, draw_theta(rng, 3000, n_areas=1), areas=(2,))
    cal = calibrate(form, scores)
    (area,) = cal.areas
    assert area.scale == "prior"
    assert area.pop_mean == 0.0
    assert area.pop_sd == 1.0
    assert area.n_fixed == 0
    assert area.converged
    assert np.corrcoef([it.b for it in form], [c.b for c in cal.items])[0, 1] > 0.95


def test_new_item_calibrated_onto_fixed_national_scale() -> None:
    rng = np.random.default_rng(9)
    form = make_form(rng, areas=(3,))
    new = replace(form[0], id="NEW", a=1.2, b=0.8)
    items = (*form[1:], new)
    theta = draw_theta(rng, 4000, mean=-0.4, n_areas=1)
    scores = draw_scores(rng, items, theta, areas=(3,))
    cal = calibrate(items, scores, fixed=[it.id for it in form[1:]])
    (c,) = [c for c in cal.items if not c.fixed]
    assert c.id == "NEW"
    assert c.b == pytest.approx(0.8, abs=0.15)
    assert c.a == pytest.approx(1.2, abs=0.25)
    assert cal.areas[0].pop_mean == pytest.approx(-0.4, abs=0.1)


def test_misfitting_and_drifting_items_are_flagged() -> None:
    rng = np.random.default_rng(12)
    form = make_form(rng, areas=(1,), anchors_per_area=5)
    theta = draw_theta(rng, 4000, n_areas=1)
    scores = draw_scores(rng, form, theta)
    bad = next(j for j, it in enumerate(form) if it.max_score == 1 and not it.anchor)
    # a U-shaped item: both weak and strong persons tend to get it right
    scores[:, bad] = rng.random(4000) < 1 / (1 + np.exp(-(2 * np.abs(theta[:, 0]) - 1)))
    # anchor 0 has drifted: it became 0.8 logits easier since its parameters were fixed.  The scale
    # follows the anchors, the drifted one included, so its displacement understates the drift
    # (about -0.4 here) and some shows on the others; it is still the largest and flagged.
    drifted = replace(form[0], b=form[0].b - 0.8)
    scores[:, 0] = draw_scores(rng, [drifted], theta)[:, 0]
    cal = calibrate(form, scores)
    text = "\n".join(cal.warnings)
    assert f"item {form[bad].id}: misfit" in text
    assert cal.items[bad].rmsea > 0.05
    assert f"item {form[0].id}: anchor displaced" in text
    assert cal.items[0].displacement < -0.3
    assert abs(cal.items[0].displacement) > max(abs(c.displacement) for c in cal.items[1:5])


def test_sparse_partial_credit_category_is_reported() -> None:
    rng = np.random.default_rng(13)
    form = make_form(rng, areas=(1,))
    scores = draw_scores(rng, form, draw_theta(rng, 1500, n_areas=1))
    gpcm = next(j for j, it in enumerate(form) if it.max_score == 2)
    scores[:, gpcm] = np.minimum(scores[:, gpcm], 1)
    cal = calibrate(form, scores)
    assert any(w.startswith(f"item {form[gpcm].id}: sparse score categories") for w in cal.warnings)


def test_calibration_is_deterministic_and_respects_mask() -> None:
    rng = np.random.default_rng(14)
    form = make_form(rng, areas=(4,), anchors_per_area=1)
    scores = draw_scores(rng, form, draw_theta(rng, 1500, n_areas=1), areas=(4,))
    mask = rng.random(scores.shape) > 0.2  # 20% not administered
    first = calibrate(form, scores, mask)
    second = calibrate(form, scores.copy(), mask.copy())
    assert repr(first) == repr(second)  # repr is exact for floats, and NaN-safe unlike ==
    noisy = np.where(mask, scores, 1 - np.minimum(scores, 1))  # change only the masked-out cells
    assert repr(calibrate(form, noisy, mask)) == repr(first)


def test_guessing_item_keeps_a_sensible_2pl_fit() -> None:
    rng = np.random.default_rng(15)
    form = make_form(rng, areas=(5,))
    theta = draw_theta(rng, 3000, n_areas=1)
    scores = draw_scores(rng, form, theta, areas=(5,))
    j = next(j for j, it in enumerate(form) if it.max_score == 1)
    scores[:, j] = rng.random(3000) < 0.25 + 0.75 * prob_2pl(theta[:, 0], 1.5, 0.5)
    cal = calibrate(form, scores)
    assert 0.05 < cal.items[j].a < 3.0
    assert cal.converged
