"""The theta -> 1-4 mapping, levels, index and group intervals."""

import math

import numpy as np
import pytest

from assessment.scoring import (
    DEFAULT_CUTS,
    ScaleCuts,
    group_mean_ci,
    overall_index,
    overall_index_se,
    score_interval,
    score_se,
    score_to_level,
    theta_to_level,
    theta_to_score,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("theta", "score", "level"),
    [
        (-1.0, 1.5, 2),  # at c1: the boundary belongs to the upper level
        (0.0, 2.5, 3),  # at c2
        (1.0, 3.5, 4),  # at c3
        (-0.5, 2.0, 2),  # middle of level 2
        (0.3, 2.8, 3),
        (-1.2, 1.3, 1),  # below c1, same slope
        (-1.5, 1.0, 1),  # reaches the floor at c1 - 0.5
        (-3.0, 1.0, 1),  # clamped
        (1.5, 4.0, 4),  # reaches the ceiling at c3 + 0.5
        (2.7, 4.0, 4),  # clamped
        (-1.0001, 1.4999, 1),
        (0.9999, 3.4999, 3),
    ],
)
def test_default_mapping_at_and_between_cuts(theta: float, score: float, level: int) -> None:
    assert float(theta_to_score(theta)) == pytest.approx(score, abs=1e-9)
    assert int(theta_to_level(theta)) == level
    assert int(score_to_level(theta_to_score(theta))) == level


def test_uneven_cuts_use_neighbouring_slopes() -> None:
    cuts = ScaleCuts(theta=(-1.2, -0.2, 1.0))
    assert float(theta_to_score(0.4, cuts)) == pytest.approx(3.0)  # 2.5 + 0.6 / 1.2
    assert float(theta_to_score(-1.7, cuts)) == pytest.approx(1.0)  # lower band slope 1/1.0
    assert float(theta_to_score(-1.45, cuts)) == pytest.approx(1.25)
    assert float(theta_to_score(1.6, cuts)) == pytest.approx(4.0)  # upper band slope 1/1.2
    assert float(theta_to_score(1.3, cuts)) == pytest.approx(3.75)


def test_floor_convention_is_only_data() -> None:
    floor = ScaleCuts(theta=(-1.0, 0.0, 1.0), score_at_cut=(2.0, 3.0, 4.0))
    assert theta_to_score([-2.5, -1.5, -1.0, 0.5, 1.0, 2.0], floor).tolist() == pytest.approx(
        [1.0, 1.5, 2.0, 3.5, 4.0, 4.0]
    )
    assert score_to_level([1.0, 1.99, 2.0, 3.5, 4.0], floor).tolist() == [1, 1, 2, 3, 4]


def test_per_area_cuts_and_missing_values() -> None:
    cuts = ScaleCuts(by_area=((4, (-0.5, 0.5, 1.5)),))
    assert float(theta_to_score(0.0, cuts, area=4)) == pytest.approx(2.0)
    assert float(theta_to_score(0.0, cuts, area=1)) == pytest.approx(2.5)
    assert math.isnan(float(theta_to_score(math.nan)))
    assert int(theta_to_level(math.nan)) == 0


def test_cut_validation() -> None:
    with pytest.raises(ValueError, match="increasing"):
        ScaleCuts(theta=(0.0, -1.0, 1.0))
    with pytest.raises(ValueError, match="score_at_cut"):
        ScaleCuts(score_at_cut=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="twice"):
        ScaleCuts(by_area=((1, (-1.0, 0.0, 1.0)), (1, (-1.0, 0.0, 1.0))))


def test_score_uncertainty_maps_theta_plus_minus_se() -> None:
    assert float(score_se(0.0, 0.5)) == pytest.approx(0.5)
    lo, hi = score_interval(0.0, 0.5)
    assert (float(lo), float(hi)) == pytest.approx((2.5 - 0.98, 2.5 + 0.98))
    # near the ceiling the interval is clamped: f(1.9) = 4.0 (not 4.4), f(0.9) = 3.4
    assert float(score_se(1.4, 0.5)) == pytest.approx((4.0 - 3.4) / 2)


def test_overall_index_is_mean_of_areas() -> None:
    areas = np.array([[2.5, 2.35, 2.1, 2.28, 2.35]])  # Kukar 2023 area scores
    assert float(overall_index(areas)[0]) == pytest.approx(2.316)
    assert float(overall_index_se(np.full((1, 5), 0.5))[0]) == pytest.approx(math.sqrt(5 * 0.25) / 5)
    assert int(score_to_level(overall_index(areas))[0]) == 2
    assert math.isnan(float(overall_index(np.array([[2.0, math.nan, 3.0, 3.0, 3.0]]))[0]))


def test_group_mean_ci_sample_and_census() -> None:
    scores = [2.0, 3.0, 2.5, 3.5, 2.0]
    g = group_mean_ci(scores)
    sd = math.sqrt(((0.6**2) * 2 + 0.4**2 + 0.1**2 + 0.9**2) / 4)  # deviations from 2.6
    t4 = 2.7764451052  # t_{0.975, 4}
    assert g.n == 5
    assert g.mean == pytest.approx(2.6)
    assert g.sd == pytest.approx(sd)
    assert g.low == pytest.approx(2.6 - t4 * sd / math.sqrt(5))
    assert g.high == pytest.approx(2.6 + t4 * sd / math.sqrt(5))
    assert g.small_group
    c = group_mean_ci(scores, method="census", person_se=[0.4] * 5)
    assert c.se == pytest.approx(0.4 / math.sqrt(5))
    assert c.high - c.mean == pytest.approx(1.959964 * 0.4 / math.sqrt(5), abs=1e-6)
    # research note D: unit of 20, SD 0.6 -> SE 0.134, half-width 0.28
    rng = np.random.default_rng(0)
    s = rng.normal(size=20)
    s = 2.3 + 0.6 * (s - s.mean()) / s.std(ddof=1)
    g20 = group_mean_ci(s)
    assert g20.se == pytest.approx(0.134, abs=1e-3)
    assert g20.high - g20.mean == pytest.approx(0.28, abs=0.005)


def test_wilson_interval_matches_research_note() -> None:
    lo, hi = wilson_interval(8, 20)
    assert (round(lo, 2), round(hi, 2)) == (0.22, 0.61)
    lo, hi = wilson_interval(4, 20)
    assert (round(lo, 2), round(hi, 2)) == (0.08, 0.42)


def test_default_cuts_constant() -> None:
    assert DEFAULT_CUTS.theta == (-1.0, 0.0, 1.0)
    assert DEFAULT_CUTS.score_at_cut == (1.5, 2.5, 3.5)
