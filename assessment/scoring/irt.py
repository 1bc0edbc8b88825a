"""Item response models (2PL and GPCM) and EAP ability estimates on a quadrature grid.

One parameterisation covers both models.  Item ``j`` with maximum score ``m`` (1 or 2) has
discrimination ``a`` and category thresholds ``delta_1..delta_m``; with ``z_0 = 0`` and
``z_k = sum_{v<=k} a * (theta - delta_v)``::

    P(X = k | theta) = exp(z_k) / sum_{h=0..m} exp(z_h)

For ``m = 1`` this is the 2PL, ``P(X = 1) = 1 / (1 + exp(-a (theta - b)))`` with ``delta_1 = b``;
for ``m = 2`` it is the generalized partial credit model with ``delta_k = b + steps[k]``.
The logistic metric is used (no 1.7 scaling constant).

**Lower asymptote.**  A one-answer item (``m = 1``) may carry a guessing parameter ``c`` (the 3PL):
``P(X = 1) = c + (1 - c) / (1 + exp(-a (theta - b)))``.  A person who does not know the answer to a
four-option question still picks the key about a quarter of the time, so without ``c`` low scorers'
right answers are read as ability.  Partial-credit items have ``c = 0`` (nobody guesses an ordering).
Items with ``c = 0`` go through exactly the same arithmetic as before ``c`` existed (bit-identical
results); only the rows with ``c > 0`` take the 3PL branch.  The 3PL information is
``a^2 (1 - c)^2 F^2 (1 - F)^2 / (P (1 - P))`` with ``F`` the logistic part, not ``a^2 Var(X)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .items import ItemSpec

FloatArray = NDArray[np.float64]

# Categories 0, 1, 2 plus one "not administered" row whose log-probability is 0.
N_CATEGORIES: Final[int] = 3
_SKIP: Final[int] = N_CATEGORIES
_CHUNK: Final[int] = 4096


@dataclass(frozen=True, eq=False)
class ItemParams:
    """Item parameters as arrays: ``a`` (J,), ``thresholds`` (J, 2) with NaN where unused, ``max_score``
    and the lower asymptote ``c`` (J,): zeros when not given, and always 0 for max-2 items."""

    a: FloatArray
    thresholds: FloatArray
    max_score: NDArray[np.int8]
    c: FloatArray = None  # type: ignore[assignment]  # None -> zeros, set in __post_init__

    def __post_init__(self) -> None:
        if self.c is None:
            object.__setattr__(self, "c", np.zeros(self.a.shape[0]))
        else:
            c = np.asarray(self.c, dtype=np.float64)
            if (
                c.shape != self.a.shape
                or np.any((c < 0) | (c >= 1))
                or np.any((c > 0) & (self.max_score != 1))
            ):
                raise ValueError("c must be (J,) in [0, 1) and 0 for partial-credit items")
            object.__setattr__(self, "c", c)

    @classmethod
    def from_items(cls, items: Sequence[ItemSpec]) -> ItemParams:
        a = np.array([it.a for it in items], dtype=np.float64)
        thr = np.full((len(items), 2), np.nan)
        for j, it in enumerate(items):
            thr[j, : it.max_score] = it.thresholds
        max_score = np.array([it.max_score for it in items], dtype=np.int8)
        c = np.array([it.c for it in items], dtype=np.float64)
        return cls(a=a, thresholds=thr, max_score=max_score, c=c)

    @property
    def guessing(self) -> NDArray[np.bool_]:
        """Items with a lower asymptote (c > 0)."""
        return np.asarray(self.c > 0.0)

    @property
    def n_items(self) -> int:
        return int(self.a.shape[0])


@dataclass(frozen=True, eq=False)
class Quadrature:
    """Fixed quadrature: ``nodes`` on the theta scale and prior ``weights`` summing to 1."""

    nodes: FloatArray
    weights: FloatArray


def normal_quadrature(
    n_points: int = 61, bound: float = 5.0, mean: float = 0.0, sd: float = 1.0
) -> Quadrature:
    """Equally spaced nodes on ``mean +- bound*sd`` with normal-density weights (the default prior)."""
    z = np.linspace(-bound, bound, n_points)
    w = np.exp(-0.5 * z * z)
    return Quadrature(nodes=mean + sd * z, weights=w / w.sum())


def gauss_hermite_quadrature(n_points: int = 41, mean: float = 0.0, sd: float = 1.0) -> Quadrature:
    """Gauss-Hermite nodes and weights for a normal prior (probabilists' Hermite polynomials)."""
    z, w = np.polynomial.hermite_e.hermegauss(n_points)
    return Quadrature(nodes=mean + sd * z, weights=w / w.sum())


DEFAULT_QUADRATURE: Final[Quadrature] = normal_quadrature()


def prob_2pl(theta: ArrayLike, a: float, b: float, c: float = 0.0) -> FloatArray:
    """P(correct | theta) under the 2PL, or the 3PL when ``c > 0``."""
    t = np.asarray(theta, dtype=np.float64)
    p = 1.0 / (1.0 + np.exp(-a * (t - b)))
    if c > 0.0:
        p = c + (1.0 - c) * p
    return np.asarray(p, dtype=np.float64)


def gpcm_probs(theta: ArrayLike, a: float, b: float, steps: Sequence[float]) -> FloatArray:
    """GPCM category probabilities, shape ``theta.shape + (len(steps) + 1,)``."""
    t = np.asarray(theta, dtype=np.float64)[..., None]
    deltas = b + np.asarray(steps, dtype=np.float64)
    z = np.concatenate([np.zeros_like(t), np.cumsum(a * (t - deltas), axis=-1)], axis=-1)
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=-1, keepdims=True), dtype=np.float64)


def log_category_probs(params: ItemParams, theta: ArrayLike) -> FloatArray:
    """log P(X = k | theta) for every item, category and theta: shape (J, 3, Q); -inf past max_score."""
    t = np.asarray(theta, dtype=np.float64).reshape(-1)
    n_items = params.n_items
    z = np.full((n_items, N_CATEGORIES, t.shape[0]), -np.inf)
    z[:, 0, :] = 0.0
    step = params.a[:, None] * (t[None, :] - params.thresholds[:, 0:1])
    z[:, 1, :] = step
    two = params.max_score == 2
    if np.any(two):
        z[two, 2, :] = step[two] + params.a[two, None] * (t[None, :] - params.thresholds[two, 1:2])
    top = z.max(axis=1, keepdims=True)
    lse = top + np.log(np.exp(z - top).sum(axis=1, keepdims=True))
    out = z - lse
    guess = params.c > 0.0
    if np.any(guess):
        # 3PL rows: log P1 = log(c + (1 - c) F), log P0 = log(1 - c) + log(1 - F); out holds log F and
        # log(1 - F) for these (max-1) rows already.
        c = params.c[guess, None]
        out[guess, 1, :] = np.logaddexp(np.log(c), np.log1p(-c) + out[guess, 1, :])
        out[guess, 0, :] = np.log1p(-c) + out[guess, 0, :]
    return np.asarray(out, dtype=np.float64)


def category_probs(params: ItemParams, theta: ArrayLike) -> FloatArray:
    """P(X = k | theta), shape (J, 3, Q); zero past max_score."""
    return np.exp(log_category_probs(params, theta))


def expected_score(params: ItemParams, theta: ArrayLike) -> FloatArray:
    """E[X | theta] per item, shape (J, Q)."""
    p = category_probs(params, theta)
    return np.asarray(p[:, 1, :] + 2.0 * p[:, 2, :], dtype=np.float64)


def item_information(params: ItemParams, theta: ArrayLike) -> FloatArray:
    """Fisher information per item, shape (J, Q): ``a^2 * Var(X | theta)`` for 2PL and GPCM alike,
    ``a^2 (1 - c)^2 F^2 (1 - F)^2 / (P (1 - P))`` for 3PL items (``F`` the logistic part)."""
    p = category_probs(params, theta)
    k = np.arange(N_CATEGORIES, dtype=np.float64)[None, :, None]
    mean = (p * k).sum(axis=1)
    var = (p * k * k).sum(axis=1) - mean * mean
    info = params.a[:, None] ** 2 * var
    guess = params.c > 0.0
    if np.any(guess):
        c = params.c[guess, None]
        p1 = p[guess, 1, :]
        f = (p1 - c) / (1.0 - c)
        info[guess] = params.a[guess, None] ** 2 * ((1.0 - c) * f * (1.0 - f)) ** 2 / (p1 * (1.0 - p1))
    return np.asarray(info, dtype=np.float64)


def _check_scores(scores: NDArray[np.integer], mask: NDArray[np.bool_], params: ItemParams) -> None:
    if scores.ndim != 2 or scores.shape[1] != params.n_items or mask.shape != scores.shape:
        raise ValueError("scores and mask must be (persons, items) matching the item parameters")
    bad = mask & ((scores < 0) | (scores > params.max_score[None, :]))
    if np.any(bad):
        n, j = np.argwhere(bad)[0]
        raise ValueError(f"score {scores[n, j]} out of range for item column {j}")


def log_likelihood_grid(
    scores: NDArray[np.integer], params: ItemParams, nodes: FloatArray, mask: NDArray[np.bool_] | None = None
) -> FloatArray:
    """log L(theta_q; x_n) for every person and node, shape (N, Q); masked items contribute nothing.

    Summed item by item in a fixed order, without BLAS, so each person's row depends only on that
    person's own scores: identical answers give bit-identical results in any batch.
    """
    scores = np.asarray(scores)
    mask = np.ones(scores.shape, dtype=np.bool_) if mask is None else np.asarray(mask, dtype=np.bool_)
    _check_scores(scores, mask, params)
    table = np.zeros((params.n_items, N_CATEGORIES + 1, nodes.shape[0]))
    table[:, :N_CATEGORIES, :] = log_category_probs(params, nodes)
    codes = np.where(mask, scores, _SKIP).astype(np.intp)
    out = np.zeros((scores.shape[0], nodes.shape[0]))
    for j in range(params.n_items):
        out += table[j][codes[:, j]]
    return out


def posterior_moments(loglik: FloatArray, quadrature: Quadrature) -> tuple[FloatArray, FloatArray]:
    """Posterior mean and SD of theta for each row of a (N, Q) log-likelihood grid."""
    logpost = loglik + np.log(quadrature.weights)[None, :]
    logpost -= logpost.max(axis=1, keepdims=True)
    post = np.exp(logpost)
    total = post.sum(axis=1)
    nodes = quadrature.nodes[None, :]
    mean = (post * nodes).sum(axis=1) / total
    dev = nodes - mean[:, None]
    var = (post * dev * dev).sum(axis=1) / total
    return mean, np.sqrt(var)


def eap(
    scores: NDArray[np.integer],
    params: ItemParams,
    mask: NDArray[np.bool_] | None = None,
    quadrature: Quadrature = DEFAULT_QUADRATURE,
) -> tuple[FloatArray, FloatArray]:
    """EAP estimate of theta and its posterior SD (the standard error) for each person.

    ``scores`` is (persons, items) with item scores 0..max; ``mask`` marks administered items.  A person
    with no administered item gets the prior mean and SD.  Persons are processed in chunks so memory
    stays small for any N; chunking does not change any person's result.
    """
    scores = np.asarray(scores)
    n = scores.shape[0]
    theta = np.empty(n)
    se = np.empty(n)
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        sub_mask = None if mask is None else np.asarray(mask)[start:stop]
        ll = log_likelihood_grid(scores[start:stop], params, quadrature.nodes, sub_mask)
        theta[start:stop], se[start:stop] = posterior_moments(ll, quadrature)
    return theta, se
