"""Standard errors of the calibrated parameters from the observed information of the marginal
likelihood, by the cross-product of per-pattern scores (XPD, "empirical cross-product").

**What is computed.**  At the final estimates, one E-step gives every distinct (group, pattern) row
``u`` its posterior over the nodes.  By Fisher's identity the score of the *marginal* log-likelihood of
that row is the posterior mean of the complete-data score, ``s_u = sum_q post_uq d log P(x_u | theta_q)``
with respect to every free parameter: the items' ``(a, g_1[, g_2])`` (2PL/GPCM, natural parameters) or
``(a, d[, logit c])`` (items with a lower asymptote), and each free group's mean and SD (through the
moving nodes ``theta = mean + sd * z``).  The information is ``XPD = sum_u n_u s_u s_u'`` (exact per
distinct pattern, weighted by its count ``n_u``), one matrix product.  Population parameters are in
the matrix, so item errors include the uncertainty of the group means and SDs.

**Priors.**  The weak ridge on the item parameters and the Beta prior on ``c`` make the estimates
posterior modes.  The covariance is the sandwich ``(XPD + P)^-1 XPD (XPD + P)^-1`` with ``P`` the
prior's information: the sampling variance of the estimate (what replications show), which is smaller
than the posterior variance ``(XPD + P)^-1`` where the prior is strong (``c``).  Without a prior term
it is ``XPD^-1``.  Errors of ``b``, ``steps`` and ``c`` follow by the delta method.

**Known behaviour.**  XPD is consistent and needs only the scores, never second derivatives, so it is
cheap (one E-step and a (P, P) matrix).  It estimates the information by an average of squared
scores, so it is noisier than the exact Hessian in small samples and, when the model misfits, it is the
outer part of a sandwich rather than the information itself; with N in the thousands and a fitting
model it agrees with the empirical SDs (tests/assessment/scoring/test_standard_errors.py measures
the ratio).  Items at the bound of ``a`` and near-degenerate items get unreliable (large) errors.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..irt import FloatArray, ItemParams, category_probs
from .em import AreaData, e_step
from .mstep import guess_terms


def _derivatives(
    params: ItemParams, guess: NDArray[np.bool_], nodes: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """d log P_jk(theta_q) / d(item parameter slot), (J, 3, Q, 3), and d log P_jk / d theta, (J, 3, Q)."""
    p = category_probs(params, nodes)
    k = np.arange(3, dtype=np.float64)[None, :, None]
    expect = p[:, 1:2, :] + 2.0 * p[:, 2:3, :]
    deriv = np.zeros((params.n_items, 3, nodes.shape[0], 3))
    deriv[:, :, :, 0] = (k - expect) * nodes[None, None, :]
    deriv[:, :, :, 1] = (k == 1) - p[:, 1:2, :]
    deriv[:, :, :, 2] = (k == 2) - p[:, 2:3, :]
    dtheta = params.a[:, None, None] * (k - expect)
    with_c = guess | (params.c > 0.0)
    if np.any(with_c):
        a = params.a[with_c]
        _, prob, dp = guess_terms(a, -a * params.thresholds[with_c, 0], params.c[with_c], nodes)
        deriv[with_c, 1] = dp / prob[:, :, None]
        deriv[with_c, 0] = -dp / (1.0 - prob[:, :, None])
        deriv[with_c, 2] = 0.0
        dtheta[with_c, 1] = a[:, None] * dp[:, :, 1] / prob
        dtheta[with_c, 0] = -a[:, None] * dp[:, :, 1] / (1.0 - prob)
    return deriv, dtheta


def standard_errors(
    data: AreaData,
    params: ItemParams,
    mean: FloatArray,
    sd: FloatArray,
    z: FloatArray,
    log_w: FloatArray,
    free: NDArray[np.bool_],
    estimate_c: NDArray[np.bool_],
    pop_free: NDArray[np.bool_],
    c_prior: FloatArray,
    ridge_sd: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Standard errors ``(se_a, se_b, se_c, se_step, se_mean, se_sd)``: per item (J,) (NaN where not
    estimated; ``se_step`` is the error of ``steps[1] = -steps[0]`` of a partial-credit item) and per
    group (G,) (NaN for a fixed group)."""
    n_items = params.n_items
    max_score = params.max_score
    guess = free & (max_score == 1) & ((params.c > 0.0) | estimate_c)
    slots = np.zeros((n_items, 3), dtype=np.bool_)
    slots[free, :2] = True
    slots[free & (max_score == 2), 2] = True
    slots[guess & estimate_c, 2] = True
    item_index = np.flatnonzero(slots.reshape(-1))
    groups_free = np.flatnonzero(pop_free)
    n_par = item_index.shape[0] + 2 * groups_free.shape[0]
    est = e_step(data, params, mean, sd, z, log_w)
    xpd = np.zeros((n_par, n_par))
    for g, rows in enumerate(data.rows):
        freq = data.freq[rows]
        post = est.posts[g] / freq[:, None]
        onehot = data.onehot[rows]
        nodes = mean[g] + sd[g] * z
        deriv, dtheta = _derivatives(params, guess, nodes)
        item_scores = np.zeros((post.shape[0], n_items, 3))
        for k in range(3):
            hit = onehot[:, k * n_items : (k + 1) * n_items]
            for d in range(3):
                item_scores[:, :, d] += hit * (post @ deriv[:, k, :, d].T)
        scores = np.zeros((post.shape[0], n_par))
        scores[:, : item_index.shape[0]] = item_scores.reshape(post.shape[0], -1)[:, item_index]
        where = np.flatnonzero(groups_free == g)
        if where.size:
            h = onehot @ dtheta.transpose(1, 0, 2).reshape(3 * n_items, -1)  # (U, Q)
            col = item_index.shape[0] + 2 * int(where[0])
            scores[:, col] = (post * h).sum(axis=1)
            scores[:, col + 1] = (post * h * z[None, :]).sum(axis=1)
        xpd += scores.T @ (freq[:, None] * scores)
    prior = np.zeros((n_items, 3))
    prior[slots] = 1.0 / (ridge_sd * ridge_sd)
    cg = params.c
    prior[:, 2] = np.where(
        guess & estimate_c, (c_prior[:, 0] + c_prior[:, 1] - 2.0) * cg * (1.0 - cg), prior[:, 2]
    )
    penal = np.zeros(n_par)
    penal[: item_index.shape[0]] = prior.reshape(-1)[item_index]
    try:
        inv = np.linalg.inv(xpd + np.diag(penal))
        cov = inv @ xpd @ inv
    except np.linalg.LinAlgError:
        cov = np.full((n_par, n_par), np.nan)
    full = np.full((n_items * 3, n_items * 3), np.nan)
    full[np.ix_(item_index, item_index)] = cov[: item_index.shape[0], : item_index.shape[0]]
    se_a, se_b, se_c, se_step = (np.full(n_items, np.nan) for _ in range(4))
    a = params.a
    thr = params.thresholds
    for j in np.flatnonzero(free):
        block = full[3 * j : 3 * j + 3, 3 * j : 3 * j + 3]
        aj = a[j]
        se_a[j] = np.sqrt(block[0, 0])
        if max_score[j] == 1:
            d = -aj * thr[j, 0]
            grad_b = np.array([d / aj**2, -1.0 / aj])
            se_b[j] = np.sqrt(grad_b @ block[:2, :2] @ grad_b)
            if guess[j] and estimate_c[j]:
                se_c[j] = cg[j] * (1.0 - cg[j]) * np.sqrt(block[2, 2])
        else:
            g1 = -aj * thr[j, 0]
            g2 = g1 - aj * thr[j, 1]
            grad_b = np.array([g2 / (2 * aj**2), 0.0, -1.0 / (2 * aj)])
            grad_s = np.array([g1 / aj**2 - g2 / (2 * aj**2), -1.0 / aj, 1.0 / (2 * aj)])
            se_b[j] = np.sqrt(grad_b @ block @ grad_b)
            se_step[j] = np.sqrt(grad_s @ block @ grad_s)
    se_mean, se_sd = np.full(mean.shape[0], np.nan), np.full(mean.shape[0], np.nan)
    base = item_index.shape[0]
    for i, group in enumerate(groups_free):
        se_mean[group] = np.sqrt(cov[base + 2 * i, base + 2 * i])
        se_sd[group] = np.sqrt(cov[base + 2 * i + 1, base + 2 * i + 1])
    return se_a, se_b, se_c, se_step, se_mean, se_sd
