"""Item fit statistics for 2PL/GPCM items calibrated on one area.

* Posterior-averaged infit and outfit mean squares.  The usual plug-in version at each person's EAP
  theta runs well below 1.0 on short scales (about 0.7-0.9 on 12 items, because the shrunken theta
  partly fits the item's own response), so every squared standardised residual is averaged over the
  person's posterior instead.  Under the model, (theta drawn from the posterior, x) has the same joint
  distribution as (true theta, x), so outfit has expectation exactly 1 and infit tends to 1.
* Orlando-Thissen S-X2 (Kang-Chen for polytomous items): observed versus model-expected category
  proportions within groups of persons with equal total score on the area, expected values from the
  Lord-Wingersky recursion.  Adjacent score groups are merged from the low end until every
  category's expected count reaches ``min_expected``; ``df = groups * (categories - 1) - parameters``.
  It needs a complete response vector on the area, so it uses persons given every item of the area.
  With thousands of persons tiny misfits are significant, so the size measure
  ``RMSEA = sqrt(max(X2 - df, 0) / (df * (N - 1)))`` is what the warnings use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from .irt import FloatArray, ItemParams, Quadrature, category_probs, log_likelihood_grid


@dataclass(frozen=True, eq=False)
class SX2:
    """S-X2 per item: statistic, degrees of freedom, p-value, RMSEA and the persons used."""

    stat: FloatArray
    df: NDArray[np.int64]
    p_value: FloatArray
    rmsea: FloatArray
    n: int


def _posterior(x: NDArray[np.int8], m: NDArray[np.bool_], params: ItemParams, quad: Quadrature) -> FloatArray:
    ll = log_likelihood_grid(x, params, quad.nodes, m) + np.log(quad.weights)[None, :]
    ll -= ll.max(axis=1, keepdims=True)
    post = np.exp(ll)
    return np.asarray(post / post.sum(axis=1, keepdims=True), dtype=np.float64)


def posterior_mean_squares(
    x: NDArray[np.int8], m: NDArray[np.bool_], params: ItemParams, quad: Quadrature
) -> tuple[FloatArray, FloatArray]:
    """Infit and outfit mean squares per item, each residual averaged over the person's posterior."""
    r2_sum, v_sum, z2_sum = _mean_square_sums(x, m, params, quad)
    n = np.maximum(m.sum(axis=0), 1)
    return np.asarray(r2_sum / np.maximum(v_sum, 1e-12)), np.asarray(z2_sum / n)


def posterior_mean_squares_by_group(
    x: NDArray[np.int8],
    m: NDArray[np.bool_],
    params: ItemParams,
    quads: Sequence[Quadrature],
    group: NDArray[np.intp],
) -> tuple[FloatArray, FloatArray]:
    """As :func:`posterior_mean_squares`, each person's posterior taken under the population of their
    group (``group`` indexes ``quads``); the sums are pooled over the groups before the ratios."""
    r2_sum, v_sum, z2_sum = np.zeros(x.shape[1]), np.zeros(x.shape[1]), np.zeros(x.shape[1])
    for g, quad in enumerate(quads):
        rows = group == g
        if np.any(rows):
            r2, v, z2 = _mean_square_sums(x[rows], m[rows], params, quad)
            r2_sum, v_sum, z2_sum = r2_sum + r2, v_sum + v, z2_sum + z2
    n = np.maximum(m.sum(axis=0), 1)
    return np.asarray(r2_sum / np.maximum(v_sum, 1e-12)), np.asarray(z2_sum / n)


def _mean_square_sums(
    x: NDArray[np.int8], m: NDArray[np.bool_], params: ItemParams, quad: Quadrature
) -> tuple[FloatArray, FloatArray, FloatArray]:
    post = _posterior(x, m, params, quad)  # (N, Q)
    p = category_probs(params, quad.nodes)  # (J, 3, Q)
    k = np.arange(3, dtype=np.float64)[None, :, None]
    expect = (p * k).sum(axis=1, keepdims=True)
    var = np.maximum((p * k * k).sum(axis=1) - expect[:, 0, :] ** 2, 1e-12)  # (J, Q)
    resid2 = (k - expect) ** 2  # (J, 3, Q)
    z2_sum = np.zeros(x.shape[1])
    r2_sum = np.zeros(x.shape[1])
    for cat in range(3):
        hit = ((x == cat) & m).astype(np.float64)
        z2_sum += (hit * (post @ (resid2[:, cat, :] / var).T)).sum(axis=0)
        r2_sum += (hit * (post @ resid2[:, cat, :].T)).sum(axis=0)
    v_sum = (m * (post @ var.T)).sum(axis=0)
    return r2_sum, v_sum, z2_sum


def sum_score_distribution(params: ItemParams, nodes: FloatArray, skip: int | None = None) -> FloatArray:
    """Lord-Wingersky recursion: P(total score = s | theta_q), shape (max total + 1, Q); item ``skip``
    (a column index) is left out."""
    p = category_probs(params, nodes)
    total = int(params.max_score.sum()) - (int(params.max_score[skip]) if skip is not None else 0)
    dist = np.zeros((total + 1, nodes.shape[0]))
    dist[0] = 1.0
    top = 0
    for j in range(params.n_items):
        if j == skip:
            continue
        m_j = int(params.max_score[j])
        new = np.zeros_like(dist)
        for cat in range(m_j + 1):
            new[cat : top + cat + 1] += dist[: top + 1] * p[j, cat]
        dist, top = new, top + m_j
    return dist


def s_x2(
    x: NDArray[np.int8],
    m: NDArray[np.bool_],
    params: ItemParams,
    quad: Quadrature,
    free: NDArray[np.bool_] | None = None,
    min_expected: float = 1.0,
) -> SX2:
    """S-X2 for every item of one area, using the persons given all of its items.

    ``free`` marks estimated items; fixed (anchor) items lose no degrees of freedom to estimation.
    """
    complete = m.all(axis=1)
    xc = x[complete].astype(np.int64)
    n_items = params.n_items
    n = int(xc.shape[0])
    stat = np.full(n_items, np.nan)
    dfs = np.zeros(n_items, dtype=np.int64)
    pval = np.full(n_items, np.nan)
    rmsea = np.full(n_items, np.nan)
    if n < 2:
        return SX2(stat, dfs, pval, rmsea, n)
    totals = xc.sum(axis=1)
    n_total = int(params.max_score.sum())
    group_n = np.bincount(totals, minlength=n_total + 1).astype(np.float64)
    w = quad.weights
    marginal = sum_score_distribution(params, quad.nodes) @ w  # P(total = s)
    probs = category_probs(params, quad.nodes)
    for j in range(n_items):
        m_j = int(params.max_score[j])
        rest = sum_score_distribution(params, quad.nodes, skip=j)
        expected = np.zeros((n_total + 1, m_j + 1))
        for cat in range(m_j + 1):
            expected[cat : cat + rest.shape[0], cat] = (rest * probs[j, cat][None, :]) @ w
        with np.errstate(invalid="ignore", divide="ignore"):
            expected = np.where(marginal[:, None] > 0, expected / marginal[:, None], 0.0)
        observed = np.zeros((n_total + 1, m_j + 1))
        np.add.at(observed, (totals, xc[:, j]), 1.0)
        exp_cnt = expected * group_n[:, None]
        # Merge adjacent score groups (low to high) until each category's expected count is large enough.
        groups_o: list[FloatArray] = []
        groups_e: list[FloatArray] = []
        acc_o = np.zeros(m_j + 1)
        acc_e = np.zeros(m_j + 1)
        for s in range(n_total + 1):
            acc_o += observed[s]
            acc_e += exp_cnt[s]
            if acc_e.min() >= min_expected:
                groups_o.append(acc_o)
                groups_e.append(acc_e)
                acc_o, acc_e = np.zeros(m_j + 1), np.zeros(m_j + 1)
        if groups_o and acc_e.sum() > 0:
            groups_o[-1] = groups_o[-1] + acc_o
            groups_e[-1] = groups_e[-1] + acc_e
        n_par = m_j + 1 if free is None or free[j] else 0  # 2PL: a, b; GPCM: a, b, one free step
        df = len(groups_o) * m_j - n_par
        if df < 1:
            continue
        o, e = np.array(groups_o), np.array(groups_e)
        chi = float(((o - e) ** 2 / e).sum())
        stat[j], dfs[j] = chi, df
        pval[j] = float(stats.chi2.sf(chi, df))
        rmsea[j] = math.sqrt(max(chi - df, 0.0) / (df * (n - 1)))
    return SX2(stat, dfs, pval, rmsea, n)
