"""Stocking-Lord linking, transformation, purified version links and linked population means."""

import math
from dataclasses import replace

import numpy as np
import pytest

from assessment.scoring import calibrate
from assessment.scoring.irt import ItemParams, expected_score, normal_quadrature
from assessment.scoring.linking import (
    LinkConstants,
    _Curve,
    link_versions,
    linked_population,
    mean_change,
    screen_drift,
    stocking_lord,
    transform,
)
from assessment.scoring.simulate import draw_scores, draw_theta, make_form


def _onto_new(items, a: float, b: float):
    """The same items as a calibration on a scale with theta_old = a * theta_new + b would give them."""
    return transform(items, LinkConstants(A=1.0 / a, B=-b / a, n_items=0, item_ids=()))


def _ab(link: LinkConstants) -> tuple[float, float]:
    return link.A, link.B


def test_transform_moves_every_threshold_and_keeps_the_rest() -> None:
    form = make_form(np.random.default_rng(1), items_per_area=8, areas=(1,))
    link = LinkConstants(A=1.25, B=-0.4, n_items=0, item_ids=())
    out = transform(form, link)
    for old, new in zip(form, out, strict=True):
        assert new.a == pytest.approx(old.a / 1.25)
        assert new.thresholds == pytest.approx(tuple(1.25 * t - 0.4 for t in old.thresholds))
        assert (new.id, new.type, new.key, new.level, new.anchor) == (
            old.id,
            old.type,
            old.key,
            old.level,
            old.anchor,
        )
        assert abs(sum(new.steps)) < 1e-9
    back = transform(out, LinkConstants(A=1 / 1.25, B=0.4 / 1.25, n_items=0, item_ids=()))
    assert [it.b for it in back] == pytest.approx([it.b for it in form])
    with pytest.raises(ValueError, match="cannot transform"):
        transform(form, LinkConstants(A=math.nan, B=0.0, n_items=0, item_ids=()))


@pytest.mark.parametrize("symmetric", [False, True])
def test_stocking_lord_recovers_known_constants_with_partial_credit_items(symmetric: bool) -> None:
    form = make_form(np.random.default_rng(2), items_per_area=10, areas=(3,))
    assert any(it.max_score == 2 for it in form)
    new = _onto_new(form, 0.8, 0.35)
    link = stocking_lord(list(reversed(new)), form, symmetric=symmetric, jackknife=True)
    assert _ab(link) == pytest.approx((0.8, 0.35), abs=1e-7)
    assert link.n_items == 10
    assert set(link.item_ids) == {it.id for it in form}
    assert link.se_B < 1e-6  # exact data: every jackknife link is the same
    assert link.criterion < 1e-12


def test_stocking_lord_pairs_by_id_and_refuses_no_overlap() -> None:
    form = make_form(np.random.default_rng(3), items_per_area=8, areas=(1,))
    new = [replace(it, id=f"X-{it.id}") if k < 3 else it for k, it in enumerate(_onto_new(form, 1.1, 0.2))]
    link = stocking_lord(new, form)
    assert link.n_items == 5
    assert _ab(link)[1] == pytest.approx(0.2, abs=1e-7)
    with pytest.raises(ValueError, match="no common items"):
        stocking_lord([replace(it, id="other") for it in form[:1]], form)
    pc = next(it for it in form if it.max_score == 2)
    one = next(it for it in form if it.max_score == 1)
    with pytest.raises(ValueError, match="maximum score"):
        stocking_lord([replace(one, id=pc.id)], form)


def test_characteristic_curve_link_is_robust_to_a_weighted_grid() -> None:
    form = make_form(np.random.default_rng(4), items_per_area=8, areas=(2,))
    new = _onto_new(form, 1.0, 0.5)
    grid = normal_quadrature(31, 4.0, mean=0.5, sd=1.0)  # the new group on the old scale
    link = stocking_lord(new, form, quadrature=grid)
    assert _ab(link) == pytest.approx((1.0, 0.5), abs=1e-7)


def test_lower_asymptote_passes_through_and_counts_in_the_curves() -> None:
    form = make_form(np.random.default_rng(5), items_per_area=8, areas=(1,), guessing=(0.1, 0.25))
    assert any(it.c > 0 for it in form)
    out = transform(form, LinkConstants(A=2.0, B=1.0, n_items=0, item_ids=()))
    assert [it.c for it in out] == [it.c for it in form]
    # the characteristic curve is the engine's expected score, lower asymptote included
    theta = np.linspace(-4, 4, 17)
    tcc, slope = _Curve.of(form).tcc(theta)
    assert tcc == pytest.approx(expected_score(ItemParams.from_items(form), theta).sum(axis=0))
    step = 1e-6
    numeric = (_Curve.of(form).tcc(theta + step)[0] - _Curve.of(form).tcc(theta - step)[0]) / (2 * step)
    assert slope == pytest.approx(numeric, rel=1e-6)
    link = stocking_lord(_onto_new(form, 1.3, -0.1), form, symmetric=True)
    assert _ab(link) == pytest.approx((1.3, -0.1), abs=1e-7)


def test_purification_drops_the_drifted_items_and_keeps_the_link() -> None:
    form = make_form(np.random.default_rng(6), items_per_area=10, areas=(1,), anchors_per_area=10)
    new = list(_onto_new(form, 1.1, 0.25))
    # items 0 and 6 drifted on the new data: their locations moved by +0.6 and -0.5 on the old scale
    new[0] = replace(new[0], b=new[0].b + 0.6 / 1.1)
    new[6] = replace(new[6], b=new[6].b - 0.5 / 1.1)
    report = screen_drift(form, new)
    (area,) = report.areas
    assert set(area.dropped) == {form[0].id, form[6].id}
    assert set(report.flagged) == {form[0].id, form[6].id}
    assert area.rounds == 3
    assert _ab(area.link) == pytest.approx((1.1, 0.25), abs=1e-6)
    disp = {d.id: d.displacement for d in area.items}
    assert disp[form[0].id] == pytest.approx(0.6, abs=1e-6)
    assert disp[form[6].id] == pytest.approx(-0.5, abs=1e-6)
    assert area.holds
    assert area.reason.startswith("holds: 8 common items")
    # without purification the two drifts would have pulled the link
    pulled = stocking_lord(new, form)
    assert abs(pulled.B - 0.25) > 0.01


def test_robust_criterion_finds_a_drift_that_moves_the_link() -> None:
    form = make_form(np.random.default_rng(7), items_per_area=5, areas=(4,), anchors_per_area=5, n_scenario=1)
    new = list(_onto_new(form, 1.0, 0.0))
    new[2] = replace(new[2], b=new[2].b + 0.8)
    report = screen_drift(form, new, min_common=3)
    assert report.flagged == (form[2].id,)
    assert _ab(report.area(4).link)[1] == pytest.approx(0.0, abs=1e-6)


def test_link_versions_says_per_area_whether_the_link_holds() -> None:
    rng = np.random.default_rng(8)
    old = make_form(rng, items_per_area=10, areas=(1, 2))
    new_items = make_form(rng, items_per_area=10, areas=(1, 2, 3))
    # area 1 shares 8 items, area 2 only 4, area 3 is new
    shared = [it for it in old if it.area == 1][:8] + [it for it in old if it.area == 2][:4]
    keep_new = [replace(it, id=f"N-{it.id}") for it in new_items]
    version2 = list(_onto_new(shared, 0.9, -0.2)) + keep_new
    result = link_versions(old, version2)
    assert not result.holds
    one, two, three = result.areas
    assert one.holds
    assert _ab(one.link) == pytest.approx((0.9, -0.2), abs=1e-6)
    assert not two.holds
    assert "only 4 common items" in two.reason
    assert not three.holds
    assert three.reason == "no common items"
    assert result.failed == ("area 2: " + two.reason, "area 3: no common items")
    assert {it.area for it in result.items} == {1}
    assert len(result.items) == 8 + 10
    back = {it.id: it for it in result.items}
    for it in shared[:8]:
        assert back[it.id].b == pytest.approx(it.b, abs=1e-6)
    with pytest.raises(ValueError, match="limit"):
        link_versions(old, version2, limit=0.0)


def test_linked_population_and_its_standard_error() -> None:
    link = LinkConstants(A=1.2, B=0.3, n_items=8, item_ids=(), se_A=0.02, se_B=0.015, cov_AB=0.0001)
    pop = linked_population(link, 0.5, 0.9, n_persons=10_000)
    assert pop.mean == pytest.approx(1.2 * 0.5 + 0.3)
    assert pop.sd == pytest.approx(1.2 * 0.9)
    var_link = 0.015**2 + 0.25 * 0.02**2 + 2 * 0.5 * 0.0001
    assert pop.se_linking == pytest.approx(math.sqrt(var_link))
    assert pop.se_sampling == pytest.approx(1.2 * 0.9 / 100)
    assert pop.se_mean == pytest.approx(math.sqrt(var_link + (1.2 * 0.9 / 100) ** 2))
    change = mean_change(pop, 0.2, 0.01)
    assert change.estimate == pytest.approx(0.7)
    assert change.se == pytest.approx(math.sqrt(pop.se_mean**2 + 1e-4))


def test_change_across_bank_versions_recovered_without_bias() -> None:
    """Year 1: N = 10,000 on version 1; year 2: N = 10,000 on version 2 (8 items common per area),
    true change +0.10.  Each version calibrated freely, version 2 linked to version 1."""
    rng = np.random.default_rng(20261206)
    v1 = make_form(rng, items_per_area=16, areas=(1,))
    fresh = make_form(rng, items_per_area=16, areas=(1,))
    common = tuple(v1[k] for k in (0, 2, 3, 5, 6, 9, 12, 15))
    v2 = common + tuple(replace(it, id=f"V2-{it.id}") for it in fresh[:8])
    assert len({it.level for it in v2[:8]}) == 4
    assert any(it.max_score == 2 for it in v2[:8])
    n, reps, true_change = 10_000, 30, 0.10
    estimates, ses = [], []
    for _ in range(reps):
        x1 = draw_scores(rng, v1, draw_theta(rng, n, 0.0, n_areas=1), areas=(1,))
        x2 = draw_scores(rng, v2, draw_theta(rng, n, true_change, n_areas=1), areas=(1,))
        old = calibrate(v1, x1, fixed=()).item_specs(v1)
        new = calibrate(v2, x2, fixed=()).item_specs(v2)
        result = link_versions(old, new)
        assert result.holds, result.failed
        pop = linked_population(result.areas[0].link, 0.0, 1.0, n_persons=n)
        change = mean_change(pop, 0.0, 1.0 / math.sqrt(n))
        estimates.append(change.estimate)
        ses.append(change.se)
    bias = float(np.mean(estimates)) - true_change
    sd = float(np.std(estimates, ddof=1))
    print(f"version link: bias {bias:+.4f}, empirical SD {sd:.4f}, mean reported SE {np.mean(ses):.4f}")
    assert abs(bias) < 0.02
    assert np.mean(ses) <= 0.03
    assert sd <= 0.03
    assert 0.6 < np.mean(ses) / sd < 1.6  # the reported SE describes the real spread
