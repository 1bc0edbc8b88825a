"""M-step of the EM: new item parameters from the expected counts ``r[j, k, q]`` of persons at node
``q`` scoring ``k`` on item ``j``.

* 2PL and GPCM items (no lower asymptote): a few Newton steps on ``sum_qk r[j,k,q] log P_jk(theta_q)``
  in the natural parameters ``(a, g_1, g_2)`` with ``z_k = k*a*theta + g_k``.  The model is an
  exponential family there, so the objective is concave and Newton is safe.  A weak ridge toward
  ``(1, 0, 0)`` (SD ``ridge_sd``) only matters for degenerate items (e.g. everyone correct).
* One-answer items with a lower asymptote ``c`` (fixed, or estimated for the 3PL): the 3PL is not an
  exponential family and the expected complete-data log-likelihood is not concave in ``(a, b, c)``.
  Fisher scoring on ``(a, d, logit c)`` with ``P = c + (1 - c) F(a theta + d)`` is used instead: its
  information matrix ``sum_q N_q dP dP' / (P (1 - P))`` is positive definite everywhere, so every
  step goes uphill for small enough moves (each move is capped at 1 unit, as for Newton).  ``logit c``
  keeps ``c`` inside (0, 1).  The Beta(alpha, beta) prior on ``c`` enters as a penalty (the estimate is
  the posterior mode in ``c``); the same weak ridge holds ``a`` and ``d``.  All items move together,
  vectorised over items with (J, 3, 3) systems.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..irt import FloatArray

A_MIN, A_MAX = 0.05, 6.0
_LOGIT_MIN, _LOGIT_MAX = -9.0, 4.0  # c in about [1e-4, 0.98]


def natural(a: FloatArray, thr: FloatArray, max_score: int) -> FloatArray:
    """(a, thresholds) -> (a, g_1[, g_2]) with g_k = -a * sum_{v<=k} delta_v."""
    g = -a[:, None] * np.cumsum(thr[:, :max_score], axis=1)
    return np.concatenate([a[:, None], g], axis=1)


def from_natural(beta: FloatArray) -> tuple[FloatArray, FloatArray]:
    a = beta[:, 0]
    g = np.concatenate([np.zeros((beta.shape[0], 1)), beta[:, 1:]], axis=1)
    thr = -(np.diff(g, axis=1)) / a[:, None]
    return a, thr


def newton(
    beta: FloatArray, counts: FloatArray, nodes: FloatArray, ridge_sd: float, n_steps: int
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Newton steps maximising the expected complete-data log-likelihood of items with K categories.

    ``beta`` (J, K) natural parameters, ``counts`` (J, K, Q) expected counts.  Returns the new beta and
    which items hit the bounds on a.
    """
    n_items, n_cat = beta.shape
    q = nodes.shape[0]
    # Features phi[k, q, d]: d=0 is k*theta, d=k is the indicator of category k.
    phi = np.zeros((n_cat, q, n_cat))
    phi[:, :, 0] = np.arange(n_cat)[:, None] * nodes[None, :]
    for k in range(1, n_cat):
        phi[k, :, k] = 1.0
    prior_mean = np.zeros(n_cat)
    prior_mean[0] = 1.0
    total = counts.sum(axis=1)  # (J, Q)
    observed = np.einsum("jkq,kqd->jd", counts, phi)
    eye = np.eye(n_cat) / (ridge_sd * ridge_sd)
    at_bound = np.zeros(n_items, dtype=np.bool_)
    for _ in range(n_steps):
        z = np.einsum("kqd,jd->jkq", phi, beta)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        e_phi = np.einsum("jkq,kqd->jqd", p, phi)
        e_phi2 = np.einsum("jkq,kqd,kqe->jqde", p, phi, phi)
        cov = e_phi2 - e_phi[:, :, :, None] * e_phi[:, :, None, :]
        grad = observed - np.einsum("jq,jqd->jd", total, e_phi) - (beta - prior_mean) / ridge_sd**2
        hess = -np.einsum("jq,jqde->jde", total, cov) - eye
        step = -np.linalg.solve(hess, grad[:, :, None])[:, :, 0]
        biggest = np.abs(step).max(axis=1, keepdims=True)
        step *= np.minimum(1.0, 1.0 / np.maximum(biggest, 1e-300))  # cap each move at 1 unit
        beta = beta + step
        # Projection onto a in [A_MIN, A_MAX]: keeps thresholds finite; flagged for the operator.
        low, high = beta[:, 0] < A_MIN, beta[:, 0] > A_MAX
        at_bound = low | high
        beta[:, 0] = np.clip(beta[:, 0], A_MIN, A_MAX)
        if float(np.abs(step).max(initial=0.0)) < 1e-8:
            break
    return beta, at_bound


def start_values(x: NDArray[np.int8], m: NDArray[np.bool_], max_score: int) -> FloatArray:
    """Classical starting thresholds from category counts at a = 1 (log-odds of adjacent categories)."""
    counts = np.stack([((x == k) & m).sum(axis=0) for k in range(max_score + 1)], axis=1) + 0.5
    thr = -np.log(counts[:, 1:] / counts[:, :-1])
    return np.asarray(np.clip(thr, -4.0, 4.0), dtype=np.float64)


def guess_terms(
    a: FloatArray, d: FloatArray, c: FloatArray, nodes: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """For 3PL items at ``nodes``: the logistic part F and P(correct), (J, Q), and dP/d(a, d, logit c),
    (J, Q, 3)."""
    f = 1.0 / (1.0 + np.exp(-(a[:, None] * nodes[None, :] + d[:, None])))
    cc = c[:, None]
    p = cc + (1.0 - cc) * f
    slope = (1.0 - cc) * f * (1.0 - f)
    dp = np.stack([slope * nodes[None, :], slope, cc * (1.0 - cc) * (1.0 - f)], axis=-1)
    return f, p, dp


def scoring_guess(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    counts: FloatArray,
    nodes: FloatArray,
    estimate_c: NDArray[np.bool_],
    prior: FloatArray,
    ridge_sd: float,
    n_steps: int,
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
    """Fisher-scoring steps for one-answer items with a lower asymptote.

    ``counts`` (J, 2, Q) expected counts of scores 0 and 1; ``estimate_c`` marks items whose ``c`` is
    free (the others keep theirs); ``prior`` (J, 2) the Beta(alpha, beta) of each free ``c``.  Returns
    the new ``a``, ``b``, ``c`` and which items hit the bounds on ``a``.
    """
    n_items = a.shape[0]
    d = -a * b
    lam = np.log(c / (1.0 - c))
    r1 = counts[:, 1, :]
    total = counts[:, 0, :] + r1
    alpha, beta = prior[:, 0], prior[:, 1]
    free_dims = np.ones((n_items, 3), dtype=np.bool_)
    free_dims[:, 2] = estimate_c
    fixed_eye = np.zeros((n_items, 3, 3))
    fixed_eye[~estimate_c, 2, 2] = 1.0
    ridge = 1.0 / (ridge_sd * ridge_sd)
    at_bound = np.zeros(n_items, dtype=np.bool_)
    for _ in range(n_steps):
        cc = 1.0 / (1.0 + np.exp(-lam))
        _, p, dp = guess_terms(a, d, cc, nodes)
        p = np.clip(p, 1e-12, 1.0 - 1e-12)
        w = 1.0 / (p * (1.0 - p))
        grad = np.einsum("jq,jqd->jd", (r1 - total * p) * w, dp)
        info = np.einsum("jq,jqd,jqe->jde", total * w, dp, dp)
        grad[:, 0] -= (a - 1.0) * ridge
        grad[:, 1] -= d * ridge
        info[:, 0, 0] += ridge
        info[:, 1, 1] += ridge
        grad[:, 2] += (alpha - 1.0) * (1.0 - cc) - (beta - 1.0) * cc
        info[:, 2, 2] += (alpha + beta - 2.0) * cc * (1.0 - cc)
        grad = np.where(free_dims, grad, 0.0)
        info = np.where(free_dims[:, :, None] & free_dims[:, None, :], info, 0.0) + fixed_eye
        step = np.linalg.solve(info, grad[:, :, None])[:, :, 0]
        biggest = np.abs(step).max(axis=1, keepdims=True)
        step *= np.minimum(1.0, 1.0 / np.maximum(biggest, 1e-300))
        a = a + step[:, 0]
        d = d + step[:, 1]
        lam = np.clip(lam + step[:, 2], _LOGIT_MIN, _LOGIT_MAX)
        at_bound = (a < A_MIN) | (a > A_MAX)
        a = np.clip(a, A_MIN, A_MAX)
        if float(np.abs(step).max(initial=0.0)) < 1e-8:
            break
    c_new = np.where(estimate_c, 1.0 / (1.0 + np.exp(-lam)), c)
    return a, -d / a, c_new, at_bound


def m_step(
    a: FloatArray,
    thr: FloatArray,
    c: FloatArray,
    max_score: NDArray[np.int8],
    counts: FloatArray,
    nodes: FloatArray,
    free: NDArray[np.bool_],
    estimate_c: NDArray[np.bool_],
    prior: FloatArray,
    ridge_sd: float,
    n_steps: int,
) -> NDArray[np.bool_]:
    """Update ``a``, ``thr`` and ``c`` in place for the ``free`` items; returns their at-bound flags.

    Items without a lower asymptote take the Newton path (exactly as before ``c`` existed); one-answer
    items with ``c > 0`` or a free ``c`` take Fisher scoring.
    """
    at_bound = np.zeros(a.shape[0], dtype=np.bool_)
    guess = free & (max_score == 1) & ((c > 0.0) | estimate_c)
    for s in (1, 2):
        sel = free & (max_score == s) & ~guess
        if not np.any(sel):
            continue
        beta = natural(a[sel], thr[sel], s)
        beta, bound = newton(beta, counts[sel][:, : s + 1, :], nodes, ridge_sd, n_steps)
        a_new, thr_new = from_natural(beta)
        a[sel] = a_new
        thr[np.ix_(sel, np.arange(s))] = thr_new
        at_bound[sel] = bound
    if np.any(guess):
        a_new, b_new, c_new, bound = scoring_guess(
            a[guess],
            thr[guess, 0],
            np.maximum(c[guess], 1e-4),
            counts[guess][:, :2, :],
            nodes,
            estimate_c[guess],
            prior[guess],
            ridge_sd,
            n_steps,
        )
        a[guess], thr[guess, 0], at_bound[guess] = a_new, b_new, bound
        c[guess] = np.where(estimate_c[guess], c_new, c[guess])
    return at_bound
