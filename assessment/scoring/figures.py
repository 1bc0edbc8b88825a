"""Group figures from plausible values: a statistic computed on every draw, combined by Rubin's rules.

``T = U + (1 + 1/M) B``.  ``U`` is the mean sampling variance of the statistic and ``B`` its
between-draw variance.  The t interval uses the Barnard-Rubin degrees of freedom.  The draws come from
the population model of :mod:`.population`, whose docstring gives the model and why groups are
reported from it rather than from means of EAP scores.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from .irt import FloatArray
from .population import IntArray, Method, PlausibleValues, Shares
from .scale import (
    DEFAULT_CUTS,
    SCALE_MAX,
    SCALE_MIN,
    ScaleCuts,
    score_to_level,
)

# The index histogram in steps of a quarter level, as the round aggregates show it.
HISTOGRAM_EDGES: Final[tuple[float, ...]] = tuple(SCALE_MIN + 0.25 * i for i in range(13))


@dataclass(frozen=True)
class GroupFigures:
    """A group's figures from the plausible values, combined over the M draws by Rubin's rules.

    ``mean``, ``se``, ``low``, ``high`` and ``df`` give the mean index, its standard error, the interval
    (clipped to [1, 4]) and the Barnard-Rubin degrees of freedom.  ``sd`` is the mean over draws of the
    index SD.  ``level_shares`` are the shares at index level 1..4: ``score_to_level`` of each draw's
    index, averaged over draws, with Rubin standard errors in ``level_share_se``.  ``area_means``,
    ``area_se`` and ``area_level_shares`` follow the order of ``areas``, on the 1-4 scale.
    ``histogram`` is the mean count per bin over draws between ``histogram_edges``; the last bin
    includes 4.0.
    """

    n: int
    n_draws: int
    method: Method
    confidence: float
    mean: float
    se: float
    low: float
    high: float
    df: float
    sd: float
    level_shares: Shares
    level_share_se: Shares
    areas: tuple[int, ...]
    area_means: tuple[float, ...]
    area_se: tuple[float, ...]
    area_level_shares: tuple[Shares, ...]
    histogram_edges: tuple[float, ...]
    histogram: tuple[float, ...]
    small_group: bool


@dataclass(frozen=True)
class Difference:
    """The difference ``a - b`` of two groups' mean index, with its standard error and interval."""

    estimate: float
    se: float
    low: float
    high: float
    df: float
    confidence: float


def _rubin(
    estimates: FloatArray, sampling_var: FloatArray, n: int, method: Method
) -> tuple[float, float, float]:
    """Combine per-draw ``estimates`` (M,) and their sampling variances (M,) into (estimate, SE, df).

    ``census`` drops the sampling part: the group is the whole population, and only the measurement
    uncertainty remains.  The degrees of freedom follow Barnard and Rubin (1999), with complete-data
    df ``n - 1``.
    """
    m = estimates.shape[0]
    q = float(estimates.mean())
    # One value per person (m = 1, e.g. simulated figures) has no imputation part: the plain t interval.
    b = (1.0 + 1.0 / m) * float(estimates.var(ddof=1)) if m > 1 else 0.0
    u = float(sampling_var.mean()) if method == "sample" else 0.0
    t = u + b
    if not math.isfinite(t):
        return q, math.nan, math.nan
    if t <= 0.0:
        return q, 0.0, math.inf
    lam = b / t
    inv_df = lam * lam / (m - 1) if m > 1 else 0.0
    if method == "sample":
        df_com = float(n - 1)
        df_obs = (df_com + 1.0) / (df_com + 3.0) * df_com * (1.0 - lam)
        if df_obs > 0.0:
            inv_df += 1.0 / df_obs
    return q, math.sqrt(t), 1.0 / inv_df if inv_df > 0.0 else math.inf


def _critical(confidence: float, df: float) -> float:
    p = 0.5 + confidence / 2.0
    return float(stats.t.ppf(p, df)) if math.isfinite(df) else float(stats.norm.ppf(p))


def _rows(pv: PlausibleValues, rows: ArrayLike | None) -> IntArray:
    if rows is None:
        return np.arange(pv.n_persons, dtype=np.intp)
    r = np.asarray(rows)
    if r.dtype == np.bool_:
        if r.shape != (pv.n_persons,):
            raise ValueError("a boolean row selection needs one value per person")
        return np.flatnonzero(r)
    return r.astype(np.intp).reshape(-1)


def _level_shares(values: FloatArray, cuts: ScaleCuts) -> FloatArray:
    """Shares at level 1..4 for each draw: (M, 4) from (M, n) scores."""
    levels = score_to_level(values, cuts)
    return np.stack([(levels == lv).mean(axis=1) for lv in range(1, 5)], axis=1)


def _four(values: Sequence[float] | FloatArray) -> Shares:
    return (float(values[0]), float(values[1]), float(values[2]), float(values[3]))


def group_figures(
    pv: PlausibleValues,
    rows: ArrayLike | None = None,
    confidence: float = 0.95,
    method: Method = "sample",
    min_n: int = 30,
) -> GroupFigures:
    """The figures of one group.  ``rows`` is a boolean mask over persons or row indices (None: all).

    ``sample`` (default) treats the group as a sample of a larger population, so the SE adds the
    sampling part ``SD^2 / n`` to the measurement part from the draws.  ``census`` keeps only the
    measurement part.  ``small_group`` is set below ``min_n`` persons, as in :func:`scale.group_mean_ci`.
    """
    idx = _rows(pv, rows)
    return draw_figures(pv.index[:, idx], pv.score[:, idx, :], pv.areas, pv.cuts, confidence, method, min_n)


def draw_figures(
    index: FloatArray,
    score: FloatArray,
    areas: tuple[int, ...],
    cuts: ScaleCuts = DEFAULT_CUTS,
    confidence: float = 0.95,
    method: Method = "sample",
    min_n: int = 30,
) -> GroupFigures:
    """:func:`group_figures` from the draws themselves: ``index`` (M, n) and area ``score`` (M, n, K),
    for draws stored per person and read back (a region's scores, the benchmark's cells)."""
    index = np.asarray(index, dtype=np.float64)
    score = np.asarray(score, dtype=np.float64)
    n_draws, n = index.shape
    if n == 0:
        raise ValueError("empty group")
    var = index.var(axis=1, ddof=1) if n > 1 else np.full(n_draws, np.nan)
    mean, se, df = _rubin(index.mean(axis=1), var / n, n, method)
    half = _critical(confidence, df) * se
    shares = _level_shares(index, cuts)
    share_se = [_rubin(s, s * (1.0 - s) / n, n, method)[1] for s in shares.T]
    area_means, area_se, area_shares = [], [], []
    for k in range(len(areas)):
        s = score[:, :, k]
        s_var = s.var(axis=1, ddof=1) if n > 1 else np.full(n_draws, np.nan)
        q, e, _ = _rubin(s.mean(axis=1), s_var / n, n, method)
        area_means.append(q)
        area_se.append(e)
        area_shares.append(_four(_level_shares(s, cuts).mean(axis=0)))
    # bins [e_i, e_i+1), the last one closed: the index never leaves [1, 4]
    n_bins = len(HISTOGRAM_EDGES) - 1
    bins = np.searchsorted(np.asarray(HISTOGRAM_EDGES[1:-1]), index, side="right")
    offset = n_bins * np.arange(n_draws)[:, None]
    counts = np.bincount((bins + offset).reshape(-1), minlength=n_bins * n_draws)
    return GroupFigures(
        n=n,
        n_draws=n_draws,
        method=method,
        confidence=confidence,
        mean=mean,
        se=se,
        low=max(SCALE_MIN, mean - half) if math.isfinite(half) else math.nan,
        high=min(SCALE_MAX, mean + half) if math.isfinite(half) else math.nan,
        df=df,
        sd=float(np.sqrt(var).mean()),
        level_shares=_four(shares.mean(axis=0)),
        level_share_se=_four(share_se),
        areas=areas,
        area_means=tuple(area_means),
        area_se=tuple(area_se),
        area_level_shares=tuple(area_shares),
        histogram_edges=HISTOGRAM_EDGES,
        histogram=tuple(float(c) for c in counts.reshape(n_draws, n_bins).mean(axis=0)),
        small_group=n < min_n,
    )


def figures_by_group(
    pv: PlausibleValues,
    labels: Sequence[Hashable],
    confidence: float = 0.95,
    method: Method = "sample",
    min_n: int = 30,
) -> dict[Hashable, GroupFigures]:
    """:func:`group_figures` for every distinct label (one per person, e.g. the unit), in first-seen order."""
    if len(labels) != pv.n_persons:
        raise ValueError("labels need one value per person")
    members: dict[Hashable, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(label, []).append(i)
    return {
        label: group_figures(pv, np.asarray(rows, dtype=np.intp), confidence, method, min_n)
        for label, rows in members.items()
    }


def mean_difference(
    a: PlausibleValues,
    rows_a: ArrayLike | None,
    b: PlausibleValues,
    rows_b: ArrayLike | None,
    confidence: float = 0.95,
    method: Method = "sample",
) -> Difference:
    """The mean index of group ``a`` minus that of group ``b``, e.g. this round's region minus last round's.

    Two separate fits (two rounds) mean independent samples and independent draws.  Their variances
    add, and the df follow Welch-Satterthwaite.  With one fit (``a is b``: two disjoint groups of one
    round) the difference is taken draw by draw, so whatever the groups share through the fitted
    regression cancels.
    """
    ia, ib = _rows(a, rows_a), _rows(b, rows_b)
    na, nb = int(ia.shape[0]), int(ib.shape[0])
    if na < 2 or nb < 2:
        raise ValueError("each group needs at least two persons")
    xa, xb = a.index[:, ia], b.index[:, ib]
    if a is b:
        if np.intersect1d(ia, ib).size:
            raise ValueError("two groups of one fit must be disjoint")
        u = xa.var(axis=1, ddof=1) / na + xb.var(axis=1, ddof=1) / nb
        est, se, df = _rubin(xa.mean(axis=1) - xb.mean(axis=1), u, na + nb - 1, method)
    else:
        qa, sa, dfa = _rubin(xa.mean(axis=1), xa.var(axis=1, ddof=1) / na, na, method)
        qb, sb, dfb = _rubin(xb.mean(axis=1), xb.var(axis=1, ddof=1) / nb, nb, method)
        est, se = qa - qb, math.hypot(sa, sb)
        parts = (sa**4 / dfa if math.isfinite(dfa) else 0.0) + (sb**4 / dfb if math.isfinite(dfb) else 0.0)
        df = se**4 / parts if parts > 0.0 else math.inf
    half = _critical(confidence, df) * se
    return Difference(est, se, est - half, est + half, df, confidence)
