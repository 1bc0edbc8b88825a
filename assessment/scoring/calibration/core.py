"""Marginal maximum likelihood calibration (Bock-Aitkin EM) of 2PL, 3PL and GPCM items, per area.

Each area is calibrated on its own (one theta per area, as in scoring).  In every EM cycle:

* E-step (em.py): posterior weights of each distinct (group, response pattern) over the quadrature
  nodes, then expected counts ``r[j, k, q]`` of persons at node ``q`` scoring ``k`` on item ``j``
  (masked items count nothing).
* M-step (mstep.py): Newton steps for 2PL/GPCM items in their natural parameters, Fisher scoring on
  ``(a, d, logit c)`` for one-answer items with a lower asymptote.
* Anchors (fixed items) keep their parameters.  If an area has anchors they fix the scale and every
  group's population mean and SD are estimated; without anchors the reference group (the only group,
  or the first group label) is N(0, 1), which identifies the scale, and other groups are estimated.

**Groups** (``groups=``, one int per person, e.g. the region): multi-group MML with one normal
population per group per area.  One pooled N(0, 1) for groups that differ would misplace items
(the pooled distribution is a mixture, not a normal) and leaves group differences to be read off
shrunken EAPs; a population per group gives both the items and the group means directly.

**Guessing** (``guessing=``): "none" is the 2PL (as before), "fixed" gives every free one-answer item
``c = 1/number of options`` (items without listed options keep 0, with a warning), "free" estimates
``c`` (3PL) with a Beta prior whose mode is ``1/number of options`` (0.2 without options) and weight
``c_prior_weight`` (alpha + beta - 2; 20 gives Beta(6, 16) for four options: the 3PL's ``c`` is poorly
identified by data alone, and an unpenalised ``c`` wanders to 0 or 0.5 for easy items), and "auto"
fits all three per area, warm-started in that order, and keeps the one with the smallest BIC.  Every
candidate's log-likelihood, parameter count, AIC and BIC are reported (``AreaCalibration.model_fit``).
BIC rather than AIC: with thousands of persons AIC favours the extra ``c`` for tiny gains, and a 2PL
is the safer default when the data cannot tell.

**Standard errors** (errors.py): cross-product of per-pattern scores (XPD) at the estimates, including
the population parameters, for free items.

Item fit (see fit.py): posterior-averaged infit/outfit mean squares (expected exactly 1.0 under the
model; flagged outside ``fit_range``) and Orlando-Thissen S-X2 with its RMSEA (flagged above
``rmsea_limit``); with several groups the mean squares take each person's posterior under their own
group's population, and S-X2 (which pools persons by total score) uses the mixture of the groups.
For anchors the result also gives the *displacement*: the parameters the anchor would take if freed
for one final M-step, minus the fixed ones (drift).

Nothing is written anywhere: the result is a plain value for an operator to accept or reject.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..fit import posterior_mean_squares, posterior_mean_squares_by_group, s_x2
from ..irt import FloatArray, ItemParams, Quadrature, normal_quadrature
from ..items import ItemSpec
from .em import AreaData, AreaFit, em_area, prepare
from .errors import standard_errors
from .mstep import m_step, start_values
from .results import AreaCalibration, CalibrationResult, GroupPopulation, ItemCalibration, ModelFit

Guessing = Literal["none", "fixed", "free", "auto"]
_GUESSING: tuple[str, ...] = ("none", "fixed", "free", "auto")
_DEFAULT_C_MODE = 0.2


def _c_prior(items: Sequence[ItemSpec], weight: float) -> FloatArray:
    """Beta(alpha, beta) per item with mode 1/options (0.2 without options) and alpha + beta - 2 = weight."""
    mode = np.array([1.0 / it.n_options if it.n_options >= 2 else _DEFAULT_C_MODE for it in items])
    return np.stack([1.0 + weight * mode, 1.0 + weight * (1.0 - mode)], axis=1)


def _n_params(
    free: NDArray[np.bool_], max_score: NDArray[np.int8], est_c: NDArray[np.bool_], pops: int
) -> int:
    one = free & (max_score == 1)
    return int(2 * one.sum() + 3 * (free & (max_score == 2)).sum() + (one & est_c).sum() + 2 * pops)


def _model_fit(model: str, fit: AreaFit, k: int, n: float) -> ModelFit:
    ll = fit.loglik
    return ModelFit(
        model=model, log_likelihood=ll, n_params=k, aic=-2.0 * ll + 2.0 * k, bic=-2.0 * ll + k * math.log(n)
    )


def _population(fit: AreaFit, data: AreaData, n_quad: int, bound: float) -> Quadrature:
    """The area's ability distribution for the fit statistics: its normal, or the groups' mixture."""
    if len(data.rows) == 1:
        return normal_quadrature(n_quad, bound, float(fit.mean[0]), float(fit.sd[0]))
    parts = [
        normal_quadrature(n_quad, bound, float(m), float(s)) for m, s in zip(fit.mean, fit.sd, strict=True)
    ]
    share = data.n_group / data.n_persons
    return Quadrature(
        nodes=np.concatenate([p.nodes for p in parts]),
        weights=np.concatenate([p.weights * w for p, w in zip(parts, share, strict=True)]),
    )


def _check_groups(groups: ArrayLike | None, n: int) -> NDArray[np.int64] | None:
    if groups is None:
        return None
    g = np.asarray(groups)
    if g.shape != (n,) or not np.issubdtype(g.dtype, np.integer):
        raise ValueError(f"groups must be one integer per person, shape ({n},); got {g.dtype} {g.shape}")
    return g.astype(np.int64)


def calibrate(
    items: Sequence[ItemSpec],
    scores: NDArray[np.integer],
    mask: NDArray[np.bool_] | None = None,
    fixed: Collection[str] | None = None,
    max_iter: int = 500,
    tol: float = 1e-4,
    n_quad: int = 41,
    bound: float = 5.0,
    ridge_sd: float = 10.0,
    newton_steps: int = 3,
    fit_range: tuple[float, float] = (0.7, 1.3),
    rmsea_limit: float = 0.05,
    drift_limit: float = 0.3,
    min_responses: int = 200,
    min_category: int = 10,
    *,
    groups: ArrayLike | None = None,
    guessing: Guessing = "none",
    c_prior_weight: float = 20.0,
    compute_errors: bool = True,
) -> CalibrationResult:
    """Calibrate the items of ``scores`` (persons x items, in the order of ``items``) by MML-EM.

    ``fixed`` lists item ids whose parameters stay as given (default: the items flagged ``anchor``);
    pass every national item as fixed to calibrate new or local items onto the national scale.
    ``groups`` (one int per person) asks for one population per group (see the module docstring);
    ``guessing`` is "none", "fixed", "free" or "auto"; ``compute_errors=False`` skips the errors.
    Convergence: the largest change of any parameter (a, thresholds, c, population means/SDs) in one EM
    cycle below ``tol``.  Warnings name non-converged areas, misfitting items (infit or outfit outside
    ``fit_range``, or S-X2 RMSEA above ``rmsea_limit``: 0.05 suits N >= 500, raise it for small
    pilots), anchors displaced by more than ``drift_limit`` logits, items at the bounds on a, items with
    fewer than ``min_responses`` responses and partial-credit items with a score category seen fewer
    than ``min_category`` times.
    """
    if guessing not in _GUESSING:
        raise ValueError(f"guessing must be one of {_GUESSING}, got {guessing!r}")
    x_all = np.asarray(scores, dtype=np.int8)
    m_all = np.ones(x_all.shape, dtype=np.bool_) if mask is None else np.asarray(mask, dtype=np.bool_)
    if x_all.ndim != 2 or x_all.shape[1] != len(items) or m_all.shape != x_all.shape:
        raise ValueError("scores and mask must be (persons, items) in the order of items")
    g_all = _check_groups(groups, x_all.shape[0])
    fixed_ids = {it.id for it in items if it.anchor} if fixed is None else set(fixed)
    is_fixed = np.array([it.id in fixed_ids for it in items], dtype=np.bool_)
    quad = normal_quadrature(n_quad, bound)
    z, log_w = quad.nodes, np.log(quad.weights)
    any_anchor = bool(is_fixed.any())
    results: list[ItemCalibration | None] = [None] * len(items)
    summaries: list[AreaCalibration] = []
    warnings: list[str] = []
    for area in sorted({it.area for it in items}):
        cols = [j for j, it in enumerate(items) if it.area == area]
        area_items = [items[j] for j in cols]
        m = m_all[:, cols]
        persons = m.any(axis=1)
        x, m = x_all[persons][:, cols], m[persons]
        if x.shape[0] == 0:
            raise ValueError(f"area {area}: no person was given any of its items")
        area_groups = None if g_all is None else g_all[persons]
        data = prepare(x, m, area_groups)
        start = ItemParams.from_items(area_items)
        free = ~is_fixed[cols]
        max_score = start.max_score
        a0, thr0 = start.a.copy(), start.thresholds.copy()
        for s in (1, 2):
            sel = free & (max_score == s)
            if np.any(sel):
                a0[sel] = 1.0
                thr0[np.ix_(sel, np.arange(s))] = start_values(x[:, sel], m[:, sel], s)
        c_fixed = np.where(free, 0.0, start.c)
        has_anchor = bool((~free).any())
        n_groups = len(data.rows)
        pop_free = np.full(n_groups, True) if has_anchor else np.arange(n_groups) > 0
        n_pops = int(pop_free.sum())
        prior = _c_prior(area_items, c_prior_weight)
        one = free & (max_score == 1)
        n_opts = np.array([it.n_options for it in area_items])
        c_options = np.where(one & (n_opts >= 2), 1.0 / np.maximum(n_opts, 1), 0.0)
        no_est = np.zeros(len(cols), dtype=np.bool_)

        def run(
            a: FloatArray,
            thr: FloatArray,
            c: FloatArray,
            est_c: NDArray[np.bool_],
            data: AreaData = data,
            max_score: NDArray[np.int8] = max_score,
            free: NDArray[np.bool_] = free,
            prior: FloatArray = prior,
            pop_free: NDArray[np.bool_] = pop_free,
        ) -> AreaFit:
            params = ItemParams(a, thr, max_score, c)
            return em_area(
                data, params, free, est_c, prior, pop_free, z, log_w, max_iter, tol, ridge_sd, newton_steps
            )

        candidates: list[tuple[str, AreaFit, NDArray[np.bool_]]] = []
        if not np.any(one):
            guessing_area = "none"
        else:
            guessing_area = guessing
            if guessing in ("fixed", "auto") and np.any(one & (n_opts < 2)):
                ids = [it.id for it, o in zip(area_items, one & (n_opts < 2), strict=True) if o]
                warnings.append(
                    f"area {area}: items without listed options keep c = 0 under fixed guessing: {ids}"
                )
        if guessing_area in ("none", "auto"):
            candidates.append(("2PL", run(a0, thr0, c_fixed, no_est), no_est))
        if guessing_area in ("fixed", "auto"):
            a1, thr1 = (candidates[-1][1].a, candidates[-1][1].thr) if candidates else (a0, thr0)
            if np.any(c_options > 0) or guessing_area == "fixed":
                candidates.append(("2PL+c", run(a1, thr1, np.where(one, c_options, c_fixed), no_est), no_est))
        if guessing_area in ("free", "auto"):
            if candidates:
                prev = candidates[-1][1]
                a2, thr2, c2 = prev.a, prev.thr, prev.c
            else:
                a2, thr2, c2 = a0, thr0, c_fixed
            mode = (prior[:, 0] - 1.0) / (prior[:, 0] + prior[:, 1] - 2.0)
            c_start = np.where(one, np.where(c2 > 0, c2, mode), c_fixed)
            candidates.append(("3PL", run(a2, thr2, c_start, one), one))
        fits = tuple(
            _model_fit(name, f, _n_params(free, max_score, est, n_pops), data.n_persons)
            for name, f, est in candidates
        )
        best = int(np.argmin([f.bic for f in fits])) if len(fits) > 1 else 0
        model, fit, est_c = candidates[best]
        final = ItemParams(fit.a, fit.thr, max_score, fit.c)
        pop = _population(fit, data, n_quad, bound)
        if n_groups == 1:
            infit, outfit = posterior_mean_squares(x, m, final, pop)
        else:  # each person under their own group's population
            quads = [
                normal_quadrature(n_quad, bound, float(mu), float(sd))
                for mu, sd in zip(fit.mean, fit.sd, strict=True)
            ]
            group_of = np.searchsorted(np.array(data.labels), np.asarray(area_groups))
            infit, outfit = posterior_mean_squares_by_group(x, m, final, quads, group_of)
        sx2 = s_x2(x, m, final, pop, free)
        # Anchor drift: free every fixed item for one M-step on the final expected counts.
        a_drift, thr_drift, c_drift = fit.a.copy(), fit.thr.copy(), fit.c.copy()
        m_step(
            a_drift, thr_drift, c_drift, max_score, fit.counts, fit.nodes, ~free, no_est, prior, ridge_sd, 25
        )
        a_free = np.where(~free, a_drift, np.nan)
        thr_free = np.where(~free[:, None], thr_drift, np.nan)
        nan = np.full(len(cols), np.nan)
        se_a, se_b, se_c, se_step = nan, nan, nan, nan
        se_mean, se_sd = np.full(n_groups, np.nan), np.full(n_groups, np.nan)
        if compute_errors and np.any(free):
            se_a, se_b, se_c, se_step, se_mean, se_sd = standard_errors(
                data, final, fit.mean, fit.sd, z, log_w, free, est_c, pop_free, prior, ridge_sd
            )
        share = data.n_group / data.n_persons
        if n_groups == 1:
            pop_mean, pop_sd = float(fit.mean[0]), float(fit.sd[0])
        else:
            pop_mean = float(share @ fit.mean)
            pop_sd = float(math.sqrt(max(float(share @ (fit.sd**2 + fit.mean**2)) - pop_mean**2, 0.0)))
        summaries.append(
            AreaCalibration(
                area=area,
                n_persons=int(x.shape[0]),
                n_items=len(cols),
                n_fixed=int((~free).sum()),
                scale="anchors" if has_anchor else "prior",
                pop_mean=pop_mean,
                pop_sd=pop_sd,
                iterations=fit.iterations,
                converged=fit.converged,
                log_likelihood=fit.loglik,
                max_change=fit.max_change,
                model=model,
                model_fit=fits,
                groups=tuple(
                    GroupPopulation(
                        group=label,
                        n=int(data.n_group[g]),
                        mean=float(fit.mean[g]),
                        sd=float(fit.sd[g]),
                        fixed=not bool(pop_free[g]),
                        se_mean=float(se_mean[g]),
                        se_sd=float(se_sd[g]),
                    )
                    for g, label in enumerate(data.labels)
                ),
            )
        )
        for name, f, _ in candidates:
            if not f.converged:
                which = f"{name} " if len(candidates) > 1 else ""
                cycles = f"{f.iterations} cycles (change {f.max_change:.2g})"
                warnings.append(f"area {area}: {which}not converged after {cycles}")
        if any_anchor and not has_anchor:
            warnings.append(f"area {area}: no anchor items; its scale is set by a N(0,1) prior, not linked")
        n_given = m.sum(axis=0)
        for k, j in enumerate(cols):
            it = items[j]
            s = it.max_score
            thr = fit.thr[k, :s]
            if free[k]:
                a_k, b = float(fit.a[k]), float(thr.mean())
                steps = tuple(float(t - b) for t in thr) if s == 2 else ()
                c_k = float(fit.c[k])
            else:  # report fixed parameters exactly as given, not re-derived from thresholds
                a_k, b, steps, c_k = it.a, it.b, it.steps, it.c
            b_free = float(np.mean(thr_free[k, :s])) if not free[k] else math.nan
            n_k = int(n_given[k])
            p_val = float(x[m[:, k], k].mean() / s) if n_k else math.nan
            cal = ItemCalibration(
                id=it.id,
                area=area,
                max_score=s,
                fixed=not bool(free[k]),
                a=a_k,
                b=b,
                steps=steps,
                n=n_k,
                p_value=p_val,
                infit=float(infit[k]),
                outfit=float(outfit[k]),
                sx2=float(sx2.stat[k]),
                sx2_df=int(sx2.df[k]),
                sx2_p=float(sx2.p_value[k]),
                rmsea=float(sx2.rmsea[k]),
                a_free=float(a_free[k]),
                b_free=b_free,
                displacement=b_free - b if not free[k] else math.nan,
                at_bound=bool(fit.at_bound[k]),
                c=c_k,
                se_a=float(se_a[k]),
                se_b=float(se_b[k]),
                se_c=float(se_c[k]),
                se_steps=(float(se_step[k]), float(se_step[k])) if s == 2 else (),
            )
            results[j] = cal
            lo, hi = fit_range
            if not (lo <= cal.infit <= hi and lo <= cal.outfit <= hi) or cal.rmsea > rmsea_limit:
                warnings.append(
                    f"item {it.id}: misfit (infit {cal.infit:.2f}, outfit {cal.outfit:.2f}, "
                    f"S-X2 {cal.sx2:.1f} on {cal.sx2_df} df, RMSEA {cal.rmsea:.3f})"
                )
            if cal.fixed and abs(cal.displacement) > drift_limit:
                warnings.append(f"item {it.id}: anchor displaced by {cal.displacement:+.2f} logits")
            if cal.at_bound:
                warnings.append(f"item {it.id}: discrimination at its bound ({cal.a:.2f})")
            if not cal.fixed and n_k < min_responses:
                warnings.append(f"item {it.id}: only {n_k} responses")
            if not cal.fixed and s == 2:
                per_cat = np.bincount(x[m[:, k], k], minlength=3)
                if per_cat.min() < min_category:
                    warnings.append(f"item {it.id}: sparse score categories {per_cat.tolist()} (0/1/2)")
    return CalibrationResult(
        items=tuple(r for r in results if r is not None), areas=tuple(summaries), warnings=tuple(warnings)
    )
