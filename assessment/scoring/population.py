"""Group figures from a population model: a latent regression of the five areas, with plausible values.

Why.  A group mean of EAP estimates is pulled toward the N(0, 1) prior each EAP was computed under:
unit means regress toward the national mean, a change between rounds shrinks, and the spread is too
narrow, so the extreme levels are understated.  Large-scale assessments (NAEP, PISA) report groups
from *plausible values* (PVs) instead: draws of each person's abilities from the posterior under a
population model that contains the grouping variables.  A statistic computed on every draw and
averaged over draws is then consistent for that statistic of the true abilities (means, SDs, level
shares, histograms) for every group the model's covariates define, and Rubin's rules give its
uncertainty.  A group that is not a covariate (say, a grouping thought of after the fit) is pulled
toward what the covariates predict for it, as an EAP is pulled toward its prior.  PVs are for groups
only; a person's score stays the EAP of :mod:`estimate`.

Model.  ``theta_n ~ N(Gamma' x_n, Sigma)`` over the K areas.  Each area keeps its own 2PL/GPCM scale
with the item parameters fixed, and local items never enter.  ``x_n`` is an intercept plus a dummy for
*every* level of every categorical covariate (no reference level).  The dummy effects carry a weak
ridge, a N(0, (ridge_sd * sigma_k)^2) prior with ridge_sd = 3.  It identifies the full dummy coding
and stops a level with almost no data (one all-correct person) from running off.  A level of n persons
is shrunk by a factor of only about ``1 / (ridge_sd^2 n reliability)``, 0.15% at n = 100.  Because the
penalty is in units of sigma_k, the normal equations ``A = X'X + D / ridge_sd^2`` are the same for every
area, cycle and draw, and they are factored once.  X is scipy.sparse.  The covariate with most levels
(the ~1000 work units) forms a diagonal block, so only the Schur complement of the rest is dense.

A joint E-step over the five areas would need a 61^5 grid, so the fit runs in three steps.

1. *Per area, EM on the quadrature grid* for ``gamma_k`` and ``sigma_k``.  Each person's normal prior is
   evaluated at the fixed nodes and multiplied by the area's likelihood grid, computed once with
   :func:`irt.log_likelihood_grid`.  The marginal of a multivariate normal is normal, so per-area ML
   is consistent for ``gamma_k`` and ``Sigma_kk``; it is deterministic and free of Monte Carlo error,
   and converges in about 12 cycles.  The variance M-step divides by
   ``N - sum_n h_n (1 - v_n / sigma^2)``, not by N.  Here ``h_n = x_n' A^-1 x_n`` is the leverage, and
   ``1 - v_n / sigma^2`` is the share of the prior variance that the person's answers resolve.  In the
   normal case this is the REML fixed point: every fitted effect costs the information the data hold
   on it.  ML would make the spread too small by about ``p / (N reliability)`` when there are many
   small units.  With 500 units of 8 persons and a true SD of 0.85, ML gives 0.77, dividing by
   ``N - p`` gives 0.88, and this divisor gives 0.85.
2. *Cross-area correlations by stochastic EM.*  The start is the disattenuated correlation of the
   per-area posterior means (exact for normal likelihoods).  A Gibbs sampler then sweeps over the areas.
   ``theta_k | theta_-k`` has a normal conditional prior, which is multiplied by the area's likelihood
   and sampled on the grid.  After each sweep the correlation is replaced by that of the complete-data
   regression residuals of the draws, and the estimate is the mean over the last sweeps.  Monte Carlo
   error is about 0.004 for one correlation and 0.002 for their mean at N = 10,000.
3. *Plausible values.*  With Sigma fixed, the chain goes on as a data-augmentation sampler that also
   draws ``Gamma | theta`` from its conjugate matrix-normal posterior in every sweep.  The between-draw
   variance then includes the uncertainty of the regression itself: a unit mean is uncertain because
   all of its members' thetas are.  Every third sweep is kept.  The lag-1 autocorrelation of a group
   mean is 0.3-0.5, so the kept draws are nearly independent.  Each kept draw gets a uniform jitter
   within the node spacing h.  Without it the index, a mean of five node values, would heap on the
   level cuts.  The jitter adds ``h^2 / 12`` (0.002) to an area's variance.  Sigma is held at its
   estimate: its own uncertainty, small with thousands of persons, is not in the between-draw variance.

Grid draws are exact for the discretised posterior.  Its moments match the continuous posterior
closely, because the posterior SD (>= 0.3) is well above the node spacing (1/6).  The grid weights are
float32, which makes ``exp`` three times faster and halves the memory to 1.2 kB a person.  On one
core, 10,303 persons x 60 items with 94 units and 6 segment variables take about 1.1 s of CPU, and
100,000 persons with 1,000 units about 12 s and 0.5 GB.
One ``numpy.random.Generator`` seeded with ``seed`` is used in a fixed order, so the same inputs and
seed give identical output.

Group figures (means, level shares, differences) are computed from the draws by :mod:`.figures`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import linalg, sparse

from .irt import DEFAULT_QUADRATURE, FloatArray, ItemParams, Quadrature, log_likelihood_grid
from .items import ItemSpec
from .scale import (
    DEFAULT_CUTS,
    ScaleCuts,
    overall_index,
    theta_to_score,
)

IntArray = NDArray[np.intp]
F32Array = NDArray[np.float32]
Method = Literal["sample", "census"]
Shares = tuple[float, float, float, float]

INTERCEPT: Final[str] = "(intercept)"
# Chain lengths, in sweeps over the five areas (~20 ms each at N = 10,000).  The start (posterior
# means) is too narrow to update the correlations from, so the first sweeps only move the chain.  The
# disattenuated start is close to the answer; burn-in covers the transient of the stochastic EM.
# Thinning: group means have lag-1 autocorrelation 0.3-0.5 and lag-3 below 0.1.
_WARM_UP: Final[int] = 2
_SEM_BURN_IN: Final[int] = 6
_SEM_AVERAGE: Final[int] = 8
_THIN: Final[int] = 3
_MIN_CORR_EIGEN: Final[float] = 1e-3
_CHUNK: Final[int] = 8192
# A person whose float32 weights sum below _TINY is redone in float64 with a per-person maximum.
# Exponents are floored at _FLOOR because float32 exp is several times slower on subnormals, and
# 61 * exp(-80) is negligible beside exp(-40).
_TINY: Final[float] = math.exp(-40.0)
_FLOOR: Final[float] = -80.0


# ----------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, eq=False)
class PopulationModel:
    """The fitted latent regression.

    ``gamma`` (p, K) has one row per entry of ``columns``: the intercept, then ``name=value`` for every
    level of every covariate.  It has one column per area and holds the per-area EM estimates.
    ``sigma`` is the residual covariance (K, K) and ``correlation`` its correlation matrix.
    ``iterations`` counts the EM cycles per area.  ``converged`` is True when every area converged.
    ``log_likelihood`` is the marginal log-likelihood per area.  ``n_effective_parameters`` is
    ``tr(A^-1 X'X)``.
    """

    areas: tuple[int, ...]
    columns: tuple[str, ...]
    gamma: FloatArray
    sigma: FloatArray
    correlation: FloatArray
    ridge_sd: float
    iterations: tuple[int, ...]
    converged: bool
    log_likelihood: tuple[float, ...]
    n_effective_parameters: float

    def effect(self, column: str) -> FloatArray:
        """The (K,) coefficients of one column, e.g. ``"unit=Dinas Kominfo"``."""
        return np.asarray(self.gamma[self.columns.index(column)], dtype=np.float64)


@dataclass(frozen=True, eq=False)
class PlausibleValues:
    """M plausible values for N persons.

    ``theta`` (M, N, K) holds the draws, ``score`` (M, N, K) their 1-4 area scores, and ``index`` (M, N)
    the index of every draw: the mean of its area scores, as in :func:`scale.overall_index`.
    """

    areas: tuple[int, ...]
    theta: FloatArray
    score: FloatArray
    index: FloatArray
    model: PopulationModel
    cuts: ScaleCuts
    seed: int

    @property
    def n_draws(self) -> int:
        return int(self.theta.shape[0])

    @property
    def n_persons(self) -> int:
        return int(self.theta.shape[1])


# ----------------------------------------------------------------------------------------------
# Design matrix and the factored normal equations


@dataclass(frozen=True, eq=False)
class _Design:
    x: sparse.csr_array
    columns: tuple[str, ...]
    penalised: NDArray[np.bool_]
    diagonal: IntArray  # one covariate's columns: exclusive dummies, so X'X is diagonal there


def _design(covariates: Mapping[str, Sequence[Hashable]], n: int) -> _Design:
    columns = [INTERCEPT]
    col_of: list[IntArray] = [np.zeros(n, dtype=np.intp)]
    largest = (0, 0, 0)  # (levels, first column, stop)
    for name, values in covariates.items():
        if len(values) != n:
            raise ValueError(f"covariate {name!r} has {len(values)} values for {n} persons")
        index: dict[Hashable, int] = {}
        codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.intp, count=n)
        first = len(columns)
        columns.extend(f"{name}={value}" for value in index)
        col_of.append(codes + first)
        if len(index) > largest[0]:
            largest = (len(index), first, len(columns))
    cols = np.stack(col_of, axis=1).reshape(-1)
    rows = np.repeat(np.arange(n, dtype=np.intp), len(col_of))
    x = sparse.csr_array((np.ones(cols.shape[0]), (rows, cols)), shape=(n, len(columns)))
    penalised = np.ones(len(columns), dtype=np.bool_)
    penalised[0] = False
    return _Design(x, tuple(columns), penalised, np.arange(largest[1], largest[2], dtype=np.intp))


def _col(v: FloatArray, like: FloatArray) -> FloatArray:
    return v[:, None] if like.ndim == 2 else v


class _Normal:
    """``A = X'X + diag(penalty)``, factored once by blocks.

    The blocks are a diagonal block ``D`` (one covariate's levels) and the Cholesky factor ``L22`` of
    the dense Schur complement of the rest.
    """

    def __init__(self, design: _Design, penalty: FloatArray) -> None:
        a = (design.x.T @ design.x).tocsr() + sparse.diags_array(penalty).tocsr()
        self.p = int(a.shape[0])
        self.u = design.diagonal
        self.r = np.setdiff1d(np.arange(self.p, dtype=np.intp), self.u)
        self.d = np.asarray(a[self.u][:, self.u].diagonal(), dtype=np.float64)
        self.sqrt_d = np.sqrt(self.d)
        self.b = np.asarray(a[self.u][:, self.r].toarray(), dtype=np.float64)  # (p_u, p_r)
        schur = a[self.r][:, self.r].toarray() - self.b.T @ (self.b / self.d[:, None])
        self.l22 = np.asarray(linalg.cholesky(schur, lower=True), dtype=np.float64)

    def solve(self, rhs: FloatArray) -> FloatArray:
        """``A^-1 rhs`` for a (p,) or (p, K) right-hand side."""
        out = np.empty_like(rhs)
        r1, r2 = rhs[self.u], rhs[self.r]
        g2 = linalg.cho_solve((self.l22, True), r2 - self.b.T @ (r1 / _col(self.d, r1)))
        out[self.r] = g2
        out[self.u] = (r1 - self.b @ g2) / _col(self.d, r1)
        return out

    def half_inverse_t(self, z: FloatArray) -> FloatArray:
        """``L^-T z`` with ``A = L L'``: a standard normal ``z`` becomes a draw from N(0, A^-1)."""
        out = np.empty_like(z)
        z1, z2 = z[self.u], z[self.r]
        y2 = linalg.solve_triangular(self.l22, z2, lower=True, trans="T")
        out[self.r] = y2
        out[self.u] = (z1 - self.b @ y2 / _col(self.sqrt_d, z1)) / _col(self.sqrt_d, z1)
        return out

    def leverage(self, x: sparse.csr_array) -> FloatArray:
        """``h_n = x_n' A^-1 x_n`` for every row of ``x``.

        ``A^-1 = E + G'G``.  E is diagonal, with ``1/d`` on the diagonal block.  ``G = [-V D^-1, L22^-1]``
        is (p_r, p), with ``V = L22^-1 B'``.  So ``h_n = sum E x_n^2 + |G x_n|^2``.
        """
        g = np.empty((self.r.shape[0], self.p))
        g[:, self.r] = linalg.solve_triangular(self.l22, np.eye(self.r.shape[0]), lower=True)
        g[:, self.u] = -linalg.solve_triangular(self.l22, self.b.T, lower=True) / self.d[None, :]
        e = np.zeros(self.p)
        e[self.u] = 1.0 / self.d
        out = np.asarray(x.multiply(x) @ e, dtype=np.float64)
        for start in range(0, x.shape[0], _CHUNK):
            gx = np.asarray(x[start : start + _CHUNK] @ g.T)
            out[start : start + _CHUNK] += np.einsum("nr,nr->n", gx, gx)
        return out


# ----------------------------------------------------------------------------------------------
# Grid weights and per-area EM


def _weights(llt: F32Array, nodes: F32Array, centre: FloatArray, c: float, out: F32Array) -> F32Array:
    """``exp(ll[q, n] - c (theta_q - centre_n)^2)`` into ``out`` (Q, N).

    Every likelihood row was shifted to a maximum of 0, so the exponent is at most 0 and needs no
    per-person maximum.  :func:`_rescue` redoes the rare persons whose weights are all tiny.
    """
    root = math.sqrt(c)
    np.subtract((root * nodes)[:, None], (root * centre).astype(np.float32)[None, :], out=out)
    np.square(out, out=out)
    np.subtract(llt, out, out=out)
    np.maximum(out, np.float32(_FLOOR), out=out)
    return np.exp(out, out=out)


def _rescue(
    llt: F32Array, nodes: F32Array, centre: FloatArray, c: float, low: IntArray
) -> tuple[FloatArray, FloatArray]:
    """The weights of persons ``low`` in float64, scaled to a maximum of 1, and the log of that scale."""
    lp = llt[:, low].astype(np.float64) - c * np.square(nodes.astype(np.float64)[:, None] - centre[low])
    top = lp.max(axis=0)
    return np.exp(lp - top), top


@dataclass(frozen=True, eq=False)
class _AreaFit:
    gamma: FloatArray
    sigma: float
    post_mean: FloatArray
    iterations: int
    converged: bool
    log_likelihood: float


def _fit_area(
    llt: F32Array,
    ll_top: FloatArray,
    design: _Design,
    normal: _Normal,
    nodes: F32Array,
    leverage: FloatArray,
    tol: float,
    max_iter: int,
) -> _AreaFit:
    """EM for one area; the E-step runs on the grid under each person's N(x_n gamma, sigma^2) prior."""
    n = llt.shape[1]
    gamma, sigma, mu = np.zeros(normal.p), 1.0, np.zeros(n)
    mean, log_norm = np.zeros(n), np.zeros(n)
    buf = np.empty(llt.shape, dtype=np.float32)
    sq_nodes = nodes * nodes
    converged, iterations = False, 0
    while iterations < max_iter and not converged:
        iterations += 1
        c = 0.5 / (sigma * sigma)
        w = _weights(llt, nodes, mu, c, buf)
        total = w.sum(axis=0).astype(np.float64)
        s1 = np.einsum("qn,q->n", w, nodes).astype(np.float64)
        s2 = np.einsum("qn,q->n", w, sq_nodes).astype(np.float64)
        log_scale = np.zeros(n)
        low = np.flatnonzero(total < _TINY)
        if low.size:
            w_low, log_scale[low] = _rescue(llt, nodes, mu, c, low)
            total[low] = w_low.sum(axis=0)
            s1[low] = nodes.astype(np.float64) @ w_low
            s2[low] = sq_nodes.astype(np.float64) @ w_low
        mean = s1 / total
        var = np.maximum(s2 / total - mean * mean, 0.0)
        log_norm = np.log(total) + log_scale - math.log(sigma)
        new_gamma = normal.solve(design.x.T @ mean)
        new_mu = np.asarray(design.x @ new_gamma, dtype=np.float64)
        resid = mean - new_mu
        # REML-like divisor: an effect costs the share of information held on it (module docstring)
        df_resid = n - float(leverage @ np.maximum(1.0 - var / (sigma * sigma), 0.0))
        new_sigma = math.sqrt((float(var.sum()) + float(resid @ resid)) / max(df_resid, 1.0))
        converged = max(float(np.abs(new_gamma - gamma).max()), abs(new_sigma - sigma)) < tol
        gamma, sigma, mu = new_gamma, new_sigma, new_mu
    # marginal log-likelihood at the last E-step's parameters (the grid sum approximates the integral)
    h = float(nodes[1] - nodes[0])
    loglik = float((log_norm + ll_top).sum()) + n * (math.log(h) - 0.5 * math.log(2.0 * math.pi))
    return _AreaFit(gamma, sigma, mean, iterations, converged, loglik)


# ----------------------------------------------------------------------------------------------
# Correlations and the Gibbs sampler over areas


def _nearest_correlation(c: FloatArray) -> FloatArray:
    """A positive-definite correlation matrix near ``c`` (eigenvalues floored, unit diagonal)."""
    vals, vecs = np.linalg.eigh(0.5 * (c + c.T))
    c = (vecs * np.maximum(vals, _MIN_CORR_EIGEN)) @ vecs.T
    d = np.sqrt(np.diag(c))
    out = c / np.outer(d, d)
    np.fill_diagonal(out, 1.0)
    return np.asarray(out, dtype=np.float64)


def _disattenuated(post_mean: FloatArray, mu: FloatArray, sd: FloatArray, dof: float) -> FloatArray:
    """Start for the correlations: ``cov(m_k, m_l) = lambda_k lambda_l Sigma_kl`` for posterior means
    ``m`` under normal likelihoods, with ``lambda_k = var(m_k) / sigma_k^2``."""
    resid = post_mean - mu
    c = np.einsum("nk,nl->kl", resid, resid) / dof
    v = np.maximum(np.diag(c), 1e-12)
    start = np.clip(c * np.outer(sd, sd) / np.outer(v, v), -0.95, 0.95)
    np.fill_diagonal(start, 1.0)
    return _nearest_correlation(start)


def _precision(corr: FloatArray, sd: FloatArray) -> FloatArray:
    return np.asarray(np.linalg.inv(corr * np.outer(sd, sd)), dtype=np.float64)


def _residual_correlation(design: _Design, normal: _Normal, theta: FloatArray) -> FloatArray:
    """Correlation of the complete-data regression residuals of ``theta`` (N, K)."""
    resid = theta - design.x @ normal.solve(design.x.T @ theta)
    cov = np.einsum("nk,nl->kl", resid, resid)
    d = np.sqrt(np.diag(cov))
    return np.asarray(cov / np.outer(d, d), dtype=np.float64)


class _Sampler:
    """Gibbs sweeps over areas: ``theta_k`` from its conditional normal prior times the grid likelihood."""

    def __init__(self, llts: Sequence[F32Array], nodes: FloatArray) -> None:
        self.llts = llts
        self.nodes = nodes.astype(np.float32)
        self.values = nodes
        self.buf = np.empty(llts[0].shape, dtype=np.float32)
        self.cols = np.arange(llts[0].shape[1], dtype=np.intp)
        self.steps = math.ceil(math.log2(nodes.shape[0]))

    def _cumulate(self, w: F32Array) -> None:
        for q in range(1, w.shape[0]):  # row by row: each add is vectorised over persons
            np.add(w[q - 1], w[q], out=w[q])

    def sweep(
        self, theta: FloatArray, mu: FloatArray, precision: FloatArray, rng: np.random.Generator
    ) -> None:
        """One sweep, in place.  ``mu`` (N, K) is the regression mean and ``precision`` is Sigma^-1."""
        n, k_areas = theta.shape
        last = self.nodes.shape[0] - 1
        resid = theta - mu
        for k in range(k_areas):
            cond_var = 1.0 / precision[k, k]
            centre = mu[:, k].copy()
            for m in range(k_areas):
                if m != k:
                    centre -= (precision[k, m] * cond_var) * resid[:, m]
            c = 0.5 / cond_var
            cum = _weights(self.llts[k], self.nodes, centre, c, self.buf)
            self._cumulate(cum)
            low = np.flatnonzero(cum[last] < _TINY)
            if low.size:
                cum[:, low] = np.cumsum(_rescue(self.llts[k], self.nodes, centre, c, low)[0], axis=0)
            # u < total also after rounding to float32, so a node with cum_q > u exists and has weight
            u = np.minimum((rng.random(n) * cum[last]).astype(np.float32), np.nextafter(cum[last], 0))
            # the smallest q with cum_q > u, by bisection on the (Q, N) cumulative sums
            lo = np.zeros(n, dtype=np.intp)
            hi = np.full(n, last, dtype=np.intp)
            flat = cum.reshape(-1)
            for _ in range(self.steps):
                mid = (lo + hi) >> 1
                right = flat[mid * n + self.cols] <= u
                lo = np.where(right, mid + 1, lo)
                hi = np.where(right, hi, mid)
            theta[:, k] = self.values[lo]
            resid[:, k] = theta[:, k] - mu[:, k]


def _draw_gamma(
    design: _Design, normal: _Normal, theta: FloatArray, sigma_chol: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """``Gamma | theta ~ MN(A^-1 X' theta, A^-1, Sigma)``, the conjugate posterior under the ridge prior."""
    z = rng.standard_normal((normal.p, theta.shape[1]))
    return normal.solve(design.x.T @ theta) + normal.half_inverse_t(z) @ sigma_chol.T


# ----------------------------------------------------------------------------------------------
# Public API


def plausible_values(
    items: Sequence[ItemSpec],
    scores: NDArray[np.integer],
    mask: NDArray[np.bool_] | None = None,
    covariates: Mapping[str, Sequence[Hashable]] | None = None,
    n_draws: int = 10,
    seed: int = 0,
    cuts: ScaleCuts = DEFAULT_CUTS,
    quadrature: Quadrature = DEFAULT_QUADRATURE,
    ridge_sd: float = 3.0,
    tol: float = 1e-4,
    max_iter: int = 500,
) -> PlausibleValues:
    """Fit the latent regression of the areas on ``covariates`` and draw ``n_draws`` plausible values.

    ``scores`` and ``mask`` are the (persons, items) item-score matrix and the administered items, in
    the order of ``items``.  Local items are ignored.  ``covariates`` maps a name to one categorical
    value per person, e.g. ``{"unit": [...], "sex": [...]}``.  Any hashable value works, and ``None``
    is a level of its own.  The PVs are unbiased for groups that are covariate levels (or unions of
    levels), so every reported grouping should be a covariate.  A person given no item of an area is
    drawn from the model alone in that area.  Only the nodes of ``quadrature`` are used, and they must
    be equally spaced; each person's prior replaces its weights.  ``tol`` and ``max_iter`` govern the
    per-area EM.  The output is deterministic for a given ``seed``.
    """
    if n_draws < 2:
        raise ValueError("Rubin's rules need at least two plausible values")
    if ridge_sd <= 0.0:
        raise ValueError("ridge_sd must be positive")
    nodes = np.asarray(quadrature.nodes, dtype=np.float64)
    spacing = np.diff(nodes)
    if nodes.ndim != 1 or nodes.shape[0] < 3 or not np.allclose(spacing, spacing[0], rtol=1e-9):
        raise ValueError("plausible values need equally spaced quadrature nodes")
    h = float(spacing[0])
    scores = np.asarray(scores)
    n = scores.shape[0]
    mask = np.ones(scores.shape, dtype=np.bool_) if mask is None else np.asarray(mask, dtype=np.bool_)
    if scores.ndim != 2 or scores.shape[1] != len(items) or mask.shape != scores.shape:
        raise ValueError("scores and mask must be (persons, items) in the order of items")
    if n < 2:
        raise ValueError("a population model needs at least two persons")
    areas = tuple(sorted({it.area for it in items if not it.local}))
    if not areas:
        raise ValueError("no national items")

    # Likelihood grids transposed to (Q, N), so that per-person reductions run over contiguous rows.
    # Each person's row is shifted to a maximum of 0; the shift is kept for the log-likelihood.
    llts: list[F32Array] = []
    tops: list[FloatArray] = []
    for area in areas:
        cols = [j for j, it in enumerate(items) if it.area == area and not it.local]
        if not mask[:, cols].any():
            raise ValueError(f"no person was given an item of area {area}: it cannot be fitted")
        params = ItemParams.from_items([items[j] for j in cols])
        ll = log_likelihood_grid(scores[:, cols], params, nodes, mask[:, cols])
        top = ll.max(axis=1)
        llts.append(np.ascontiguousarray((ll - top[:, None]).T, dtype=np.float32))
        tops.append(top)
    nodes32 = nodes.astype(np.float32)

    design = _design(covariates or {}, n)
    normal = _Normal(design, np.where(design.penalised, 1.0 / (ridge_sd * ridge_sd), 0.0))
    leverage = normal.leverage(design.x)
    p_eff = float(leverage.sum())

    # 1. per-area EM
    fits = [
        _fit_area(llt, top, design, normal, nodes32, leverage, tol, max_iter)
        for llt, top in zip(llts, tops, strict=True)
    ]
    k_areas = len(areas)
    gamma = np.stack([f.gamma for f in fits], axis=1)  # (p, K)
    sd = np.array([f.sigma for f in fits])
    mu = np.asarray(design.x @ gamma, dtype=np.float64)  # (N, K)

    # 2. correlations: the disattenuated start, then stochastic EM
    theta = np.stack([f.post_mean for f in fits], axis=1)
    corr = _disattenuated(theta, mu, sd, max(n - p_eff, 1.0)) if k_areas > 1 else np.ones((1, 1))
    rng = np.random.default_rng(seed)
    sampler = _Sampler(llts, nodes)
    for _ in range(_WARM_UP):
        sampler.sweep(theta, mu, _precision(corr, sd), rng)
    if k_areas > 1:
        corr_sum = np.zeros((k_areas, k_areas))
        for sweep in range(_SEM_BURN_IN + _SEM_AVERAGE):
            sampler.sweep(theta, mu, _precision(corr, sd), rng)
            corr = _nearest_correlation(_residual_correlation(design, normal, theta))
            if sweep >= _SEM_BURN_IN:
                corr_sum += corr
        corr = _nearest_correlation(corr_sum / _SEM_AVERAGE)
    sigma = corr * np.outer(sd, sd)
    precision = _precision(corr, sd)
    sigma_chol = np.asarray(np.linalg.cholesky(sigma), dtype=np.float64)

    # 3. plausible values: Gamma is drawn with theta (data augmentation); every _THIN-th sweep is kept
    draws = np.empty((n_draws, n, k_areas))
    for m in range(n_draws):
        for _ in range(_THIN):
            g = _draw_gamma(design, normal, theta, sigma_chol, rng)
            sampler.sweep(theta, np.asarray(design.x @ g, dtype=np.float64), precision, rng)
        draws[m] = theta + rng.uniform(-0.5 * h, 0.5 * h, size=theta.shape)

    area_scores = np.empty_like(draws)
    for k, area in enumerate(areas):
        area_scores[:, :, k] = theta_to_score(draws[:, :, k], cuts, area)
    model = PopulationModel(
        areas=areas,
        columns=design.columns,
        gamma=gamma,
        sigma=sigma,
        correlation=corr,
        ridge_sd=ridge_sd,
        iterations=tuple(f.iterations for f in fits),
        converged=all(f.converged for f in fits),
        log_likelihood=tuple(f.log_likelihood for f in fits),
        n_effective_parameters=p_eff,
    )
    return PlausibleValues(
        areas=areas,
        theta=draws,
        score=area_scores,
        index=overall_index(area_scores),
        model=model,
        cuts=cuts,
        seed=seed,
    )
