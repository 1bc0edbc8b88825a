"""From theta to the reported 1.0-4.0 scale, levels, and uncertainty for persons and groups.

The map is piecewise linear through the knots ``(c_k, s_k)``: the theta cut ``c_k`` between level
``k`` and ``k+1`` lands on the score ``s_k``.  With the default ``s = (1.5, 2.5, 3.5)`` each level is
the band of scores that rounds to it (level 2 = [1.5, 2.5)), so a score reads as "level equivalents"
and a group's mean score is comparable with the mean of its members' levels.  Beyond the outer cuts
the line keeps the slope of the neighbouring band until it reaches 1.0 or 4.0, where it is clamped.
A panel that prefers "level = floor(score)" sets ``score_at_cut = (2, 3, 4)``; the code is the same.

Cut points are data: :data:`DEFAULT_CUTS` holds provisional values (theta -1, 0, 1) until a
Bookmark or Angoff panel sets per-area cuts (see docs/scoring.md).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

FloatArray = NDArray[np.float64]
Cut3 = tuple[float, float, float]

SCALE_MIN: Final[float] = 1.0
SCALE_MAX: Final[float] = 4.0
LEVEL_NAMES: Final = MappingProxyType({1: "Dasar", 2: "Menengah", 3: "Mahir", 4: "Sangat Mahir"})


def _increasing(values: Sequence[float]) -> bool:
    return all(math.isfinite(v) for v in values) and all(x < y for x, y in itertools.pairwise(values))


@dataclass(frozen=True)
class ScaleCuts:
    """Theta cut points between the four levels and where they land on the 1-4 scale.

    ``theta`` applies to every area unless ``by_area`` holds ``(area, (c1, c2, c3))`` overrides, which
    is how per-area standard-setting results are passed in.
    """

    theta: Cut3 = (-1.0, 0.0, 1.0)
    score_at_cut: Cut3 = (1.5, 2.5, 3.5)
    by_area: tuple[tuple[int, Cut3], ...] = ()

    def __post_init__(self) -> None:
        for cuts in (self.theta, *(c for _, c in self.by_area)):
            if len(cuts) != 3 or not _increasing(cuts):
                raise ValueError("theta cuts must be three increasing finite numbers")
        s = self.score_at_cut
        if len(s) != 3 or not _increasing(s) or s[0] <= SCALE_MIN or s[2] > SCALE_MAX:
            raise ValueError("score_at_cut must be three increasing numbers in (1, 4]")
        if len({a for a, _ in self.by_area}) != len(self.by_area):
            raise ValueError("by_area lists an area twice")

    def for_area(self, area: int | None) -> Cut3:
        """The theta cuts of ``area`` (the common cuts when there is no override or area is None)."""
        for a, cuts in self.by_area:
            if a == area:
                return cuts
        return self.theta


DEFAULT_CUTS: Final[ScaleCuts] = ScaleCuts()


def _knots(theta_cuts: Cut3, score_at_cut: Cut3) -> tuple[FloatArray, FloatArray]:
    c, s = theta_cuts, score_at_cut
    slope_lo = (s[1] - s[0]) / (c[1] - c[0])
    slope_hi = (s[2] - s[1]) / (c[2] - c[1])
    xs = [c[0] - (s[0] - SCALE_MIN) / slope_lo, *c]
    ys = [SCALE_MIN, *s]
    if s[2] < SCALE_MAX:
        xs.append(c[2] + (SCALE_MAX - s[2]) / slope_hi)
        ys.append(SCALE_MAX)
    return np.array(xs), np.array(ys)


def theta_to_score(theta: ArrayLike, cuts: ScaleCuts = DEFAULT_CUTS, area: int | None = None) -> FloatArray:
    """The 1.0-4.0 score of ``theta`` (NaN stays NaN)."""
    t = np.asarray(theta, dtype=np.float64)
    xs, ys = _knots(cuts.for_area(area), cuts.score_at_cut)
    out = np.interp(t, xs, ys)
    return np.asarray(np.where(np.isnan(t), np.nan, out), dtype=np.float64)


def score_to_level(score: ArrayLike, cuts: ScaleCuts = DEFAULT_CUTS) -> NDArray[np.int8]:
    """Level 1-4 of a score on the 1-4 scale: 1 + the number of ``score_at_cut`` values <= score.

    0 marks a missing score (NaN).  Area levels and the overall level both use this rule, so a shown
    score and its level always agree.
    """
    s = np.asarray(score, dtype=np.float64)
    level = np.ones(s.shape, dtype=np.int8)
    for cut in cuts.score_at_cut:
        level += (s >= cut).astype(np.int8)
    return np.where(np.isnan(s), np.int8(0), level).astype(np.int8)


def theta_to_level(
    theta: ArrayLike, cuts: ScaleCuts = DEFAULT_CUTS, area: int | None = None
) -> NDArray[np.int8]:
    """Level 1-4 of ``theta`` (0 for NaN); the same as ``score_to_level(theta_to_score(theta))``."""
    return score_to_level(theta_to_score(theta, cuts, area), cuts)


def score_interval(
    theta: ArrayLike, se: ArrayLike, cuts: ScaleCuts = DEFAULT_CUTS, area: int | None = None, z: float = 1.96
) -> tuple[FloatArray, FloatArray]:
    """Interval on the 1-4 scale from mapping ``theta -+ z*SE`` (95% by default; clamped at 1 and 4)."""
    t = np.asarray(theta, dtype=np.float64)
    e = np.asarray(se, dtype=np.float64)
    return theta_to_score(t - z * e, cuts, area), theta_to_score(t + z * e, cuts, area)


def score_se(
    theta: ArrayLike, se: ArrayLike, cuts: ScaleCuts = DEFAULT_CUTS, area: int | None = None
) -> FloatArray:
    """Standard error on the 1-4 scale: half the width of the mapped ``theta -+ SE`` interval."""
    lo, hi = score_interval(theta, se, cuts, area, z=1.0)
    return np.asarray((hi - lo) / 2.0, dtype=np.float64)


def overall_index(area_scores: ArrayLike) -> FloatArray:
    """Overall index: the plain mean of the area scores along the last axis (NaN if any area is NaN)."""
    s = np.asarray(area_scores, dtype=np.float64)
    return np.asarray(s.mean(axis=-1), dtype=np.float64)


def overall_index_se(area_score_se: ArrayLike) -> FloatArray:
    """``sqrt(sum se_k^2) / A``: the index SE *if* the area errors were independent.

    They are not, so this understates the uncertainty and is no longer what the engine reports.  Each
    area has its own items, but an EAP error is mostly shrinkage toward the prior, and abilities across
    areas correlate (about 0.7): a person far from the mean is shrunk the same way in every area, and
    the errors add up instead of cancelling.  With per-area EAPs under independent priors the 95%
    interval from this SE covered the true index for 91% of simulated persons, and for 81-83% of those
    truly at level 1 or 4.  :func:`assessment.scoring.estimate.score_matrix` takes the SE and interval
    of the index from the joint posterior of the five areas instead (``index_se``, ``index_low``,
    ``index_high``).  Kept for hand checks and for forms whose areas really are unrelated.
    """
    e = np.asarray(area_score_se, dtype=np.float64)
    return np.asarray(np.sqrt((e * e).sum(axis=-1)) / e.shape[-1], dtype=np.float64)


def index_interval(
    posterior_mean: ArrayLike, posterior_sd: ArrayLike, index: ArrayLike, z: float = 1.96
) -> tuple[FloatArray, FloatArray]:
    """Interval for a person's true index: ``posterior_mean -+ z * posterior_sd``, clipped to [1, 4].

    ``posterior_mean``/``posterior_sd`` are the mean and SD of the true index ``mean_k f(theta_k)`` over
    the person's joint posterior.  The interval is centred there, not on the shown ``index``
    (``mean_k f(theta_hat_k)``): the two differ near 1 and 4, where ``f`` is flat on one side, and the
    posterior mean is the centre that gives the stated coverage.  The interval is widened, if needed,
    to contain ``index``, so a shown index always lies inside its own interval (in simulation it
    already did for every person).  NaN stays NaN.
    """
    m = np.asarray(posterior_mean, dtype=np.float64)
    sd = np.asarray(posterior_sd, dtype=np.float64)
    shown = np.asarray(index, dtype=np.float64)
    low = np.minimum(np.clip(m - z * sd, SCALE_MIN, SCALE_MAX), shown)
    high = np.maximum(np.clip(m + z * sd, SCALE_MIN, SCALE_MAX), shown)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


@dataclass(frozen=True)
class GroupSummary:
    """A group mean on the 1-4 scale with its confidence interval."""

    n: int
    mean: float
    sd: float
    se: float
    low: float
    high: float
    confidence: float
    method: Literal["sample", "census"]
    small_group: bool


def group_mean_ci(
    scores: ArrayLike,
    confidence: float = 0.95,
    method: Literal["sample", "census"] = "sample",
    person_se: ArrayLike | None = None,
    min_n: int = 30,
) -> GroupSummary:
    """Mean of a group's scores with a confidence interval, clipped to [1, 4]; NaN scores are dropped.

    ``sample`` (default): the group stands for a larger population: ``mean -+ t_{n-1} * SD / sqrt(n)``.
    ``census``: the group is the whole unit, only measurement error remains:
    ``mean -+ z * sqrt(mean(person_se^2) / n)`` (``person_se`` required).
    ``small_group`` is True below ``min_n`` persons (PISA reports nothing under 30).
    """
    s = np.asarray(scores, dtype=np.float64)
    keep = ~np.isnan(s)
    s = s[keep]
    n = int(s.shape[0])
    mean = float(s.mean()) if n else math.nan
    sd = float(s.std(ddof=1)) if n > 1 else math.nan
    if method == "sample":
        se = sd / math.sqrt(n) if n > 1 else math.nan
        crit = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) if n > 1 else math.nan
    else:
        if person_se is None:
            raise ValueError("census intervals need person_se")
        e = np.asarray(person_se, dtype=np.float64)[keep]
        se = float(np.sqrt(np.mean(e * e) / n)) if n else math.nan
        crit = float(stats.norm.ppf(0.5 + confidence / 2.0))
    low = max(SCALE_MIN, mean - crit * se) if n > 1 or method == "census" else math.nan
    high = min(SCALE_MAX, mean + crit * se) if n > 1 or method == "census" else math.nan
    return GroupSummary(n, mean, sd, se, low, high, confidence, method, n < min_n)


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a share ``k / n`` (e.g. the share of a unit at level 3 or above)."""
    if n <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    p = k / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def level_of(score: float | None, cuts: ScaleCuts = DEFAULT_CUTS) -> int:
    """The level 1-4 of one score on the 1-4 scale (0 when missing): :func:`score_to_level` for a
    single value, so a score on a cut belongs to the upper level (2.5 is level 3, 2.49 level 2).

    This is the one rule by which pages, PDFs, exports, the learning plan and the roadmap turn a score
    into a level, so that a value shown as level 3 is never planned as a gap below level 3. It is plain
    Python because the roadmap calls it for every person and competence (numpy costs ~15 µs a call).
    """
    if score is None or score != score:
        return 0
    low, middle, high = cuts.score_at_cut
    return 1 + (score >= low) + (score >= middle) + (score >= high)
