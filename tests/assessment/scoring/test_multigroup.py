"""Multi-group MML: one N(mean, sd) per group per area, the reference group fixing the scale."""

from __future__ import annotations

import numpy as np
import pytest

from assessment.scoring import ItemParams, calibrate, eap
from assessment.scoring.simulate import draw_scores, draw_theta, make_form

MEANS = (0.0, 0.5, -0.4)
SDS = (1.0, 0.8, 1.2)


def _groups_data(seed: int, anchors: int = 0, per_group: int = 4000):
    rng = np.random.default_rng(seed)
    form = make_form(rng, areas=(1, 2), anchors_per_area=anchors)
    theta = np.concatenate(
        [draw_theta(rng, per_group, mean=m, sd=s, n_areas=2) for m, s in zip(MEANS, SDS, strict=True)]
    )
    groups = np.repeat(np.arange(len(MEANS)), per_group)
    return form, draw_scores(rng, form, theta, areas=(1, 2)), groups


def test_group_means_and_sds_are_recovered() -> None:
    form, x, groups = _groups_data(3)
    cal = calibrate(form, x, groups=groups)
    assert cal.converged
    for area in cal.areas:
        assert [g.group for g in area.groups] == [0, 1, 2]
        assert [g.n for g in area.groups] == [4000, 4000, 4000]
        ref = area.groups[0]
        assert ref.fixed
        assert (ref.mean, ref.sd) == (0.0, 1.0)
        for g, mean, sd in zip(area.groups[1:], MEANS[1:], SDS[1:], strict=True):
            assert not g.fixed
            assert g.mean == pytest.approx(mean, abs=0.1)
            assert g.sd == pytest.approx(sd, abs=0.1)
            assert 0.0 < g.se_mean < 0.06
        # pooled figures describe the mixture of the groups
        assert area.pop_mean == pytest.approx(np.mean(MEANS), abs=0.1)
    est_b = np.array([c.b for c in cal.items])
    true_b = np.array([it.b for it in form])
    assert abs(float((est_b - true_b).mean())) < 0.1  # group 0 is the true N(0, 1): same scale
    assert np.corrcoef(est_b, true_b)[0, 1] > 0.97


def test_group_difference_is_not_shrunk_like_mean_eaps() -> None:
    # The reason for groups: the group mean difference comes out directly, while the difference of the
    # groups' mean EAPs (pooled calibration) is shrunk toward 0 by the prior.
    form, x, groups = _groups_data(4)
    multi = calibrate(form, x, groups=groups)
    pooled = calibrate(form, x)
    area1 = [j for j, it in enumerate(form) if it.area == 1]
    specs = pooled.item_specs(form)
    theta, _ = eap(x[:, area1], ItemParams.from_items([specs[j] for j in area1]))
    eap_diff = float(theta[groups == 1].mean() - theta[groups == 0].mean())
    true_diff = MEANS[1] - MEANS[0]
    multi_diff = multi.areas[0].groups[1].mean - multi.areas[0].groups[0].mean
    assert multi_diff == pytest.approx(true_diff, abs=0.08)
    assert eap_diff < true_diff - 0.08


def test_with_anchors_every_group_is_free() -> None:
    form, x, groups = _groups_data(5, anchors=4)
    cal = calibrate(form, x, groups=groups)
    for area in cal.areas:
        assert area.scale == "anchors"
        for g, mean in zip(area.groups, MEANS, strict=True):
            assert not g.fixed
            assert g.mean == pytest.approx(mean, abs=0.12)


def test_one_group_label_equals_no_groups() -> None:
    form, x, _ = _groups_data(6, per_group=1000)
    plain = calibrate(form, x)
    labelled = calibrate(form, x, groups=np.full(x.shape[0], 7))
    assert [c.a for c in plain.items] == [c.a for c in labelled.items]
    assert [c.b for c in plain.items] == [c.b for c in labelled.items]
    assert labelled.areas[0].groups[0].group == 7


def test_bad_groups_are_refused() -> None:
    form, x, _ = _groups_data(7, per_group=300)
    with pytest.raises(ValueError, match="groups must be one integer per person"):
        calibrate(form, x, groups=np.zeros(5, dtype=int))
    with pytest.raises(ValueError, match="groups must be one integer per person"):
        calibrate(form, x, groups=np.zeros(x.shape[0]))
