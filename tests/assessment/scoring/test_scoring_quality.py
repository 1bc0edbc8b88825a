"""Classical statistics on a tiny hand-checked dataset, and the review flags."""

import math

import numpy as np
import pytest

from assessment.scoring import (
    ItemSpec,
    QualityThresholds,
    cronbach_alpha,
    item_statistics,
    marginal_reliability,
    round_quality,
    score_matrix,
)
from assessment.scoring.simulate import draw_choices, draw_scores, draw_theta, make_form

OPTS = ("A", "B", "C", "D")
ITEMS = tuple(ItemSpec(f"i{k}", "single_choice", ("A",), area=1, options=OPTS) for k in range(1, 5))
# six persons x four items
X = np.array(
    [
        [1, 1, 1, 1],
        [1, 1, 1, 0],
        [1, 1, 0, 0],
        [1, 0, 0, 0],
        [0, 1, 0, 1],
        [0, 0, 0, 0],
    ]
)


def test_alpha_by_hand() -> None:
    # item variances (n-1): 4/15 each, sum 16/15; totals 4,3,2,1,2,0 -> variance 10/5 = 2
    # alpha = 4/3 * (1 - (16/15) / 2) = 0.6222...
    assert cronbach_alpha(X) == pytest.approx(4 / 3 * (1 - (16 / 15) / 2))
    assert cronbach_alpha(X) == pytest.approx(0.622222, abs=1e-6)
    assert math.isnan(cronbach_alpha(X[:, :1]))


def test_p_values_and_corrected_point_biserials_by_hand() -> None:
    stats = item_statistics(ITEMS, X)
    assert [s.p_value for s in stats] == pytest.approx([4 / 6, 4 / 6, 2 / 6, 2 / 6])
    # item 1 vs rest [3,2,1,0,2,0]: cross-products 2/3, SS 4/3 and 22/3 -> r = 2 / sqrt(88)
    assert stats[0].r_pb == pytest.approx(2 / math.sqrt(88))
    # item 2 vs rest [3,2,1,1,1,0]: cross-products 5/3, SS 4/3 and 16/3 -> r = 5/8
    assert stats[1].r_pb == pytest.approx(0.625)
    # item 4 vs rest [3,3,2,1,1,0]: cross-products 2/3, SS 4/3 and 22/3 -> r = 2 / sqrt(88)
    assert stats[3].r_pb == pytest.approx(0.213201, abs=1e-6)
    assert all(s.n == 6 and s.max_score == 1 for s in stats)


def test_flags() -> None:
    items = tuple(ItemSpec(f"f{k}", "single_choice", ("A",), area=2, options=OPTS) for k in range(4))
    # f0 everyone right; f1 nearly nobody right; f2 right for the weakest (reversed key); f3 good
    x = np.array(
        [
            [1, 0, 0, 1],
            [1, 0, 0, 1],
            [1, 0, 0, 1],
            [1, 0, 0, 1],
            [1, 0, 0, 0],
            [1, 0, 1, 0],
            [1, 0, 1, 0],
            [1, 1, 1, 0],
            [1, 0, 0, 1],
            [1, 0, 0, 0],
        ]
    )
    choices = {"f3": ["A", "A", "A", "A", "B", "B", "C", "B", "A", "C"]}  # D never chosen
    stats = {s.id: s for s in item_statistics(items, x, choices=choices)}
    assert "too_easy" in stats["f0"].flags
    assert "too_hard" in stats["f1"].flags
    assert "negative_discrimination" in stats["f2"].flags
    assert "weak_discrimination" not in stats["f2"].flags
    assert dict(stats["f3"].option_rates) == pytest.approx(
        {"A": 0.5, "B": 0.3, "C": 0.2, "D": 0.0, None: 0.0}
    )
    assert "rare_distractor" in stats["f3"].flags
    lenient = QualityThresholds(too_easy=1.0, rare_distractor=0.0)
    relaxed = {s.id: s for s in item_statistics(items, x, choices=choices, thresholds=lenient)}
    assert "too_easy" not in relaxed["f0"].flags
    assert "rare_distractor" not in relaxed["f3"].flags


def test_weak_discrimination_flag() -> None:
    items = tuple(ItemSpec(f"w{k}", "single_choice", ("A",), area=3) for k in range(3))
    x = np.array([[1, 1, 1], [1, 1, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1], [0, 0, 0]])
    stats = item_statistics(items, x)
    weak = [s for s in stats if 0 <= s.r_pb < 0.2]
    assert weak
    assert all("weak_discrimination" in s.flags for s in weak)


def test_marginal_reliability_by_hand() -> None:
    # var(theta_hat) = 2/3, mean SE^2 = 0.25
    assert marginal_reliability([-1.0, 0.0, 1.0], [0.5, 0.5, 0.5]) == pytest.approx((2 / 3) / (2 / 3 + 0.25))


def test_round_report_on_a_simulated_round() -> None:
    rng = np.random.default_rng(30)
    form = make_form(rng)
    scores = draw_scores(rng, form, draw_theta(rng, 2000))
    choices = draw_choices(rng, form, scores)
    result = score_matrix(form, scores)
    report = round_quality(form, scores, choices=choices, result=result)
    assert [a for a, _ in report.alpha_by_area] == [1, 2, 3, 4, 5]
    assert all(0.5 < alpha < 0.9 for _, alpha in report.alpha_by_area)
    assert 0.8 < report.alpha_overall < 0.95
    assert all(0.5 < rel < 0.9 for _, rel in report.reliability_by_area)
    assert report.index_reliability > max(rel for _, rel in report.reliability_by_area)
    assert all(s.r_pb > 0.2 for s in report.items)
    sc = next(s for s in report.items if s.max_score == 1)
    assert sum(rate for _, rate in sc.option_rates) == pytest.approx(1.0)
