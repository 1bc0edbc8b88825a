"""The EM cycles of one area (Bock-Aitkin MML), for one or several groups of persons.

* Persons with the same response pattern *in the same group* have the same posterior, so the E-step
  runs once per distinct (group, pattern), weighted by its count: exact, and with 12 items per area
  several times fewer rows than persons.  Each row is a one-hot vector over (item, score), so the
  log-likelihood of every row at every node is one matrix product ``(U, 3J) @ (3J, Q)`` (float64
  BLAS), and so are the expected counts.  No Python loop runs over persons or items.
* Each group ``g`` has its own population N(mean_g, sd_g), carried by moving the quadrature nodes:
  ``theta_gq = mean_g + sd_g * z_q`` with fixed normal weights on the standard grid ``z``.  The
  M-step only needs (node, expected count) pairs, so the groups' counts are simply laid side by side
  (J, 3, G*Q) with their nodes; after the M-step each free group's mean and SD are its posterior
  moments.  With one group and no anchors the population is N(0, 1), as before; with several groups
  and no anchors the reference group (the first label) stays N(0, 1) and identifies the scale, the
  others are free; with anchors every group is free.
* With a single group and no lower asymptotes the arithmetic is exactly that of the former
  single-group code, so results are bit-identical.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..irt import FloatArray, ItemParams, log_category_probs
from .mstep import m_step


@dataclass(frozen=True, eq=False)
class AreaData:
    """Distinct (group, pattern) rows of one area: ``onehot`` (U, 3J), ``freq`` (U,), and per group its
    label, row slice and number of persons."""

    onehot: FloatArray
    freq: FloatArray
    labels: tuple[int, ...]
    rows: tuple[slice, ...]
    n_group: FloatArray

    @property
    def n_persons(self) -> float:
        return float(self.n_group.sum())


def prepare(x: NDArray[np.int8], m: NDArray[np.bool_], groups: NDArray[np.int64] | None) -> AreaData:
    codes = np.where(m, x, 3).astype(np.int8)
    parts: list[NDArray[np.int8]] = []
    freqs: list[NDArray[np.int64]] = []
    labels: list[int] = []
    if groups is None:
        patterns, freq = np.unique(codes, axis=0, return_counts=True)
        parts, freqs, labels = [patterns], [freq], [0]
    else:
        for label in np.unique(groups):
            patterns, freq = np.unique(codes[groups == label], axis=0, return_counts=True)
            parts.append(patterns)
            freqs.append(freq)
            labels.append(int(label))
    patterns = np.concatenate(parts, axis=0)
    rows, start = [], 0
    for part in parts:
        rows.append(slice(start, start + part.shape[0]))
        start += part.shape[0]
    # One-hot design (U, 3J): column k*J + j is "scored k on item j" (zero where not administered).
    onehot = np.concatenate([(patterns == k).astype(np.float64) for k in range(3)], axis=1)
    return AreaData(
        onehot=onehot,
        freq=np.concatenate(freqs).astype(np.float64),
        labels=tuple(labels),
        rows=tuple(rows),
        n_group=np.array([f.sum() for f in freqs], dtype=np.float64),
    )


@dataclass(frozen=True, eq=False)
class EStep:
    loglik: float
    posts: tuple[FloatArray, ...]  # per group (U_g, Q), rows carry their pattern's persons
    counts: FloatArray  # (J, 3, G*Q)
    nodes: FloatArray  # (G*Q,)


def e_step(
    data: AreaData, params: ItemParams, mean: FloatArray, sd: FloatArray, z: FloatArray, log_w: FloatArray
) -> EStep:
    n_items = params.n_items
    loglik = 0.0
    posts, counts, nodes_all = [], [], []
    for g, rows in enumerate(data.rows):
        nodes = mean[g] + sd[g] * z
        logp = log_category_probs(params, nodes)
        logp = np.where(np.isfinite(logp), logp, 0.0)  # impossible categories have zero counts
        onehot = data.onehot[rows]
        freq = data.freq[rows]
        ll = onehot @ logp.transpose(1, 0, 2).reshape(3 * n_items, -1) + log_w
        top = ll.max(axis=1, keepdims=True)
        post = np.exp(ll - top)
        total = post.sum(axis=1, keepdims=True)
        loglik += float((freq * (top[:, 0] + np.log(total[:, 0]))).sum())
        post *= freq[:, None] / total  # each row now carries its pattern's persons
        posts.append(post)
        # (post' onehot)' is the same product as onehot' post, but runs 2-3x faster in multi-threaded
        # BLAS for these tall, thin matrices; the single-group path keeps the former expression so its
        # results stay bit-identical to the former code.
        flat = onehot.T @ post if len(data.rows) == 1 else (post.T @ onehot).T
        counts.append(flat.reshape(3, n_items, -1).transpose(1, 0, 2))
        nodes_all.append(nodes)
    if len(counts) == 1:
        return EStep(loglik, tuple(posts), counts[0], nodes_all[0])
    return EStep(loglik, tuple(posts), np.concatenate(counts, axis=2), np.concatenate(nodes_all))


@dataclass
class AreaFit:
    a: FloatArray
    thr: FloatArray
    c: FloatArray
    mean: FloatArray
    sd: FloatArray
    iterations: int
    converged: bool
    loglik: float
    max_change: float
    counts: FloatArray
    nodes: FloatArray
    at_bound: NDArray[np.bool_]


def em_area(
    data: AreaData,
    params: ItemParams,
    free: NDArray[np.bool_],
    estimate_c: NDArray[np.bool_],
    c_prior: FloatArray,
    pop_free: NDArray[np.bool_],
    z: FloatArray,
    log_w: FloatArray,
    max_iter: int,
    tol: float,
    ridge_sd: float,
    newton_steps: int,
    mean: FloatArray | None = None,
    sd: FloatArray | None = None,
) -> AreaFit:
    """EM cycles until the largest change of any parameter (a, thresholds, c, group means and SDs) in
    one cycle is below ``tol``.  ``pop_free`` marks the groups whose N(mean, sd) is estimated; with
    several groups, no anchors and group 0 fixed, group 0 is estimated too and the whole solution
    re-standardised on it after every cycle (see the comment in the loop)."""
    n_items = params.n_items
    n_groups = len(data.rows)
    a, thr, c = params.a.copy(), params.thresholds.copy(), params.c.copy()
    max_score = params.max_score
    mean = np.zeros(n_groups) if mean is None else mean.copy()
    sd = np.ones(n_groups) if sd is None else sd.copy()
    at_bound = np.zeros(n_items, dtype=np.bool_)
    loglik, change, converged, it = -math.inf, math.inf, False, 0
    counts = np.zeros((n_items, 3, z.shape[0] * n_groups))
    nodes = np.concatenate([mean[g] + sd[g] * z for g in range(n_groups)])
    # Several groups, no anchors: every group is updated and the solution re-standardised on group 0.
    rescale = np.zeros(n_groups, dtype=np.bool_)
    if n_groups > 1 and not pop_free[0] and bool(np.all(free)):
        rescale[0] = True
    while it < max_iter:
        it += 1
        est = e_step(data, ItemParams(a, thr, max_score, c), mean, sd, z, log_w)
        loglik, counts, nodes = est.loglik, est.counts, est.nodes
        old_a, old_thr, old_c = a.copy(), thr.copy(), c.copy()
        bound = m_step(a, thr, c, max_score, counts, nodes, free, estimate_c, c_prior, ridge_sd, newton_steps)
        at_bound[free] = bound[free]
        new_mean, new_sd = mean.copy(), sd.copy()
        for g in np.flatnonzero(pop_free | rescale):
            mass = est.posts[g].sum(axis=0)  # persons at each node
            g_nodes = mean[g] + sd[g] * z
            n_g = float(data.n_group[g])
            new_mean[g] = float(mass @ g_nodes) / n_g
            new_sd[g] = float(
                math.sqrt(max(float(mass @ (g_nodes * g_nodes)) / n_g - new_mean[g] ** 2, 1e-6))
            )
        if rescale[0]:
            # Re-standardise so the reference group is N(0, 1) again: an exact change of scale (every
            # group is free, so the likelihood is invariant), which removes the slow EM direction of
            # all items and group means drifting together that pinning group 0 alone would leave.
            shift, scale = new_mean[0], new_sd[0]
            a[free] *= scale
            thr[free] = (thr[free] - shift) / scale
            new_mean, new_sd = (new_mean - shift) / scale, new_sd / scale
        change = max(
            float(np.abs(a - old_a).max(initial=0.0)),
            float(np.nan_to_num(np.abs(thr - old_thr)).max(initial=0.0)),
            float(np.abs(c - old_c).max(initial=0.0)),
            float(np.abs(new_mean - mean).max(initial=0.0)),
            float(np.abs(new_sd - sd).max(initial=0.0)),
        )
        mean, sd = new_mean, new_sd
        if change < tol:
            converged = True
            break
    return AreaFit(a, thr, c, mean, sd, it, converged, loglik, change, counts, nodes, at_bound)
