"""Differential item functioning: Mantel-Haenszel with the ETS A/B/C categories, per area.

Method.  For a studied item, persons of the reference and the focal group are matched on their score
in the item's area and, within each matching stratum ``k``, cross-classified in a 2x2 table (group x
right/wrong): ``A_k`` reference right, ``B_k`` reference wrong, ``C_k`` focal right, ``D_k`` focal
wrong, ``T_k`` in all.  Then (Holland & Thayer 1988)::

    alpha_MH = sum(A_k D_k / T_k) / sum(B_k C_k / T_k)        (common odds ratio, reference : focal)
    Delta_MH = -2.35 ln alpha_MH                              (ETS delta metric)

``Delta_MH < 0`` means the item is harder for the focal group than for reference-group persons of the
same score.  Its SE is the Robins-Breslow-Greenland variance of ``ln alpha_MH`` times 2.35; the
MH chi-square (one df, continuity corrected) tests ``Delta = 0``.  ETS categories:

* A: ``|Delta| < 1`` or ``Delta`` not significantly different from 0 (MH chi-square, p >= .05);
* C: ``|Delta| >= 1.5`` and ``|Delta|`` significantly greater than 1 (one-sided z test of
  ``(|Delta| - 1) / SE`` at .05);
* B: otherwise.

The rule is applied as ETS defines it.  In logits, ``ln alpha`` for an item whose ``b`` is shifted by
``d`` for the focal group is about ``a * d``, so ``|Delta| = 2.35 a d``: a 0.6-logit shift is
``1.41 a``, category B for ``a = 1`` and C only from about ``a = 1.2`` at large samples.  Measured
share of replications in C for a 0.6-logit shift of a 2PL item (16-item area, focal group 0.3 lower,
200 replications each; no other item was ever C)::

    reference/focal   a=1.0   1.1    1.2    1.3    1.4    1.6     mean Delta at a=1.0 / 1.3
    2,000 / 2,000     25 %    50 %   88 %   97 %   100 %  100 %   -1.40 / -1.84
    5,000 / 5,000     15 %    66 %   95 %   100 %  100 %  100 %   -1.39 / -1.84
    10,000 / 10,000    9 %    72 %   99 %   100 %  100 %  100 %   -1.39 / -1.83

Matching.  ``matching="total"`` (default, Holland-Thayer) uses the area score *including* the
studied item, ``"rest"`` the area score without it.  Thin strata are merged with their neighbours
(from the low end up; the remainder at the top joins the last stratum) until every stratum holds at
least ``min_stratum`` persons of each group: a stratum with one group only carries no information
and would otherwise be lost.  Scores are raw sums of the administered area items, so persons are
matched only within the same set of administered items: with rotated forms or rounds of different
forms stacked, the strata are form x score (a raw score on one form is not the same ability as on
another; MH allows any stratification, and the common odds ratio pools them).

Purification (two-stage, ETS).  Stage 1 matches on every item of the area; the items found C are
removed from the matching score (the studied item itself always stays in its own total) and every
item is analysed again.  Stage 2 is reported.

Partial-credit items (max score 2) are dichotomised for MH as "full credit" (score 2) vs not: this
keeps one statistic and one classification rule for the whole bank.  Their matching contribution
stays polytomous.  Every item also gets the standardized mean difference (Dorans & Schmitt)
``SMD = sum_k (n_Fk / n_F) (mean_Fk - mean_Rk)`` of the item score on its full 0..max scale, which
shows DIF in the partial-credit category the dichotomy does not see.

``dif_report`` runs MH for several grouping variables (sex, age band, education, region kind): each
label other than the variable's reference label is a focal group compared with the reference label;
persons whose label is ``None`` (unknown) are left out of that variable's comparisons.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2 as chi2_dist

from .items import ItemSpec

Category = Literal["A", "B", "C"]
Matching = Literal["total", "rest"]

DELTA_SCALE: Final[float] = -2.35
_Z_ONE_SIDED: Final[float] = 1.6448536269514722  # standard normal 95th percentile
_ALPHA: Final[float] = 0.05


@dataclass(frozen=True)
class ItemDif:
    """MH DIF of one item for one focal/reference comparison (stage 2 if purified)."""

    id: str
    area: int
    n_reference: int
    n_focal: int
    alpha: float
    delta: float
    se_delta: float
    chi2: float
    p_value: float
    category: Category
    smd: float = math.nan


@dataclass(frozen=True)
class DifComparison:
    """One focal label against the reference label of one grouping variable."""

    variable: str
    reference: str
    focal: str
    items: tuple[ItemDif, ...]
    n_reference: int = 0
    n_focal: int = 0
    note: str = ""

    @property
    def flagged(self) -> tuple[ItemDif, ...]:
        """Items in category C."""
        return tuple(d for d in self.items if d.category == "C")


def ets_category(delta: float, se_delta: float, p_value: float) -> Category:
    """The ETS A/B/C category of one MH result (see the module docstring)."""
    size = abs(delta)
    if not (p_value < _ALPHA) or not size >= 1.0:
        return "A"
    if size >= 1.5 and se_delta > 0 and (size - 1.0) / se_delta > _Z_ONE_SIDED:
        return "C"
    return "B"


def _merge_strata(
    n_ref: NDArray[np.float64], n_foc: NDArray[np.float64], min_stratum: int
) -> NDArray[np.intp]:
    """Stratum index for every score level: adjacent levels merged until both groups have enough."""
    out = np.zeros(n_ref.shape[0], dtype=np.intp)
    current, acc_r, acc_f = 0, 0.0, 0.0
    last_closed = -1
    for level in range(n_ref.shape[0]):
        out[level] = current
        acc_r += n_ref[level]
        acc_f += n_foc[level]
        if acc_r >= min_stratum and acc_f >= min_stratum:
            last_closed = current
            current += 1
            acc_r = acc_f = 0.0
    if last_closed >= 0:
        out[out > last_closed] = last_closed  # a thin top remainder joins the last full stratum
    return out


def _strata_tables(
    y: NDArray[np.int8],
    score: NDArray[np.int64],
    g: NDArray[np.intp],
    full: int,
    min_stratum: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """2x2 tables (group x right) and item-score sums per group of the merged score strata."""
    n_levels = int(score.max(initial=0)) + 1
    right = (y == full).astype(np.intp)
    cell = np.bincount((score * 2 + g) * 2 + right, minlength=n_levels * 4).reshape(n_levels, 2, 2)
    sums = np.bincount(score * 2 + g, weights=y.astype(np.float64), minlength=n_levels * 2).reshape(
        n_levels, 2
    )
    cell = cell.astype(np.float64)
    strata = _merge_strata(cell[:, 0, :].sum(axis=1), cell[:, 1, :].sum(axis=1), min_stratum)
    n_s = int(strata.max()) + 1
    tab = np.zeros((n_s, 2, 2))
    np.add.at(tab, strata, cell)
    tot = np.zeros((n_s, 2))
    np.add.at(tot, strata, sums)
    return tab, tot


def _mh_item(
    y: NDArray[np.int8],
    score: NDArray[np.int64],
    focal: NDArray[np.bool_],
    full: int,
    min_stratum: int,
    form: NDArray[np.intp] | None = None,
) -> tuple[float, float, float, float, float, float]:
    """alpha, delta, se_delta, chi2, p, smd for one item over persons already restricted.

    ``form`` (optional) says which set of the area's items each person was given: the strata are then
    form x score, so persons are only matched with persons who took the same items (a raw score on
    one form is not the same ability as on another).
    """
    g = focal.astype(np.intp)
    if form is None or int(form.max(initial=0)) == 0:
        tab, tot = _strata_tables(y, score, g, full, min_stratum)
    else:
        parts = [
            _strata_tables(y[form == k], score[form == k], g[form == k], full, min_stratum)
            for k in np.unique(form)
        ]
        tab = np.concatenate([t for t, _ in parts])
        tot = np.concatenate([u for _, u in parts])
    a_, b_ = tab[:, 0, 1], tab[:, 0, 0]  # reference right, wrong
    c_, d_ = tab[:, 1, 1], tab[:, 1, 0]  # focal right, wrong
    t = a_ + b_ + c_ + d_
    use = (a_ + b_ > 0) & (c_ + d_ > 0) & (t > 1)
    a_, b_, c_, d_, t = a_[use], b_[use], c_[use], d_[use], t[use]
    tot = tot[use]
    r = a_ * d_ / t
    s = b_ * c_ / t
    sr, ss = float(r.sum()), float(s.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = sr / ss if ss > 0 else (math.inf if sr > 0 else math.nan)
        delta = DELTA_SCALE * math.log(alpha) if alpha > 0 and math.isfinite(alpha) else math.nan
        p_ = (a_ + d_) / t
        q_ = (b_ + c_) / t
        if sr > 0 and ss > 0:
            var = (
                float((p_ * r).sum()) / (2 * sr * sr)
                + float((p_ * s + q_ * r).sum()) / (2 * sr * ss)
                + float((q_ * s).sum()) / (2 * ss * ss)
            )
            se = abs(DELTA_SCALE) * math.sqrt(var)
        else:
            se = math.nan
        n_r, n_f = a_ + b_, c_ + d_
        m1, m0 = a_ + c_, b_ + d_
        expect = float((n_r * m1 / t).sum())
        var_a = float((n_r * n_f * m1 * m0 / (t * t * (t - 1.0))).sum())
        chi2 = (max(abs(float(a_.sum()) - expect) - 0.5, 0.0)) ** 2 / var_a if var_a > 0 else math.nan
        p_value = float(chi2_dist.sf(chi2, 1)) if math.isfinite(chi2) else math.nan
        nf_total = float(n_f.sum())
        smd = float(((n_f / nf_total) * (tot[:, 1] / n_f - tot[:, 0] / n_r)).sum()) if nf_total else math.nan
    return alpha, delta, se, chi2, p_value, smd


def _area_pass(
    x: NDArray[np.int8],
    m: NDArray[np.bool_],
    full: Sequence[int],
    focal: NDArray[np.bool_],
    in_match: NDArray[np.bool_],
    matching: Matching,
    min_stratum: int,
) -> list[tuple[int, int, float, float, float, float, float, float]]:
    xm = np.where(m, x, 0).astype(np.int64)
    base = xm[:, in_match].sum(axis=1)
    # Which of the area's items each person was given: rotated forms and rounds of other forms are
    # matched within their own form (strata form x score).
    form = np.unique(m, axis=0, return_inverse=True)[1].reshape(-1).astype(np.intp)
    out = []
    for j in range(x.shape[1]):
        own = xm[:, j]
        if matching == "total":
            score = base if in_match[j] else base + own
        else:
            score = base - own if in_match[j] else base
        given = m[:, j]
        f = focal[given]
        n_f = int(f.sum())
        n_r = int(given.sum()) - n_f
        if n_f == 0 or n_r == 0:
            out.append((n_r, n_f, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan))
            continue
        stats = _mh_item(x[given, j], score[given], f, full[j], min_stratum, form[given])
        out.append((n_r, n_f, *stats))
    return out


def mantel_haenszel(
    scores: NDArray[np.integer],
    mask: NDArray[np.bool_] | None,
    items: Sequence[ItemSpec],
    focal: NDArray[np.bool_],
    reference: NDArray[np.bool_],
    *,
    matching: Matching = "total",
    purify: bool = True,
    min_stratum: int = 1,
) -> tuple[ItemDif, ...]:
    """MH DIF of every item of ``scores`` (persons x items, in the order of ``items``), per area.

    ``focal`` and ``reference`` are boolean masks over persons (disjoint); persons in neither are left
    out.  ``mask`` marks administered items (``None``: all).  Results in the order of ``items``.
    """
    x_all = np.asarray(scores, dtype=np.int8)
    m_all = np.ones(x_all.shape, dtype=np.bool_) if mask is None else np.asarray(mask, dtype=np.bool_)
    if x_all.ndim != 2 or x_all.shape[1] != len(items) or m_all.shape != x_all.shape:
        raise ValueError("scores and mask must be (persons, items) in the order of items")
    foc = np.asarray(focal, dtype=np.bool_)
    ref = np.asarray(reference, dtype=np.bool_)
    if foc.shape != (x_all.shape[0],) or ref.shape != foc.shape:
        raise ValueError("focal and reference must be boolean masks with one entry per person")
    if np.any(foc & ref):
        raise ValueError(f"{int((foc & ref).sum())} persons are in both the focal and the reference group")
    if not foc.any() or not ref.any():
        raise ValueError("the focal and the reference group must both have persons")
    if matching not in ("total", "rest"):
        raise ValueError(f"matching must be 'total' or 'rest', not {matching!r}")
    if min_stratum < 1:
        raise ValueError("min_stratum must be at least 1")
    keep = foc | ref
    results: list[ItemDif | None] = [None] * len(items)
    for area in sorted({it.area for it in items}):
        cols = [j for j, it in enumerate(items) if it.area == area]
        x, m, f = x_all[keep][:, cols], m_all[keep][:, cols], foc[keep]
        full = [items[j].max_score for j in cols]
        in_match = np.ones(len(cols), dtype=np.bool_)
        stats = _area_pass(x, m, full, f, in_match, matching, min_stratum)
        cats = [ets_category(s[3], s[4], s[6]) for s in stats]
        if purify:
            c_items = np.array([c == "C" for c in cats], dtype=np.bool_)
            if c_items.any() and not c_items.all():
                stats = _area_pass(x, m, full, f, ~c_items, matching, min_stratum)
                cats = [ets_category(s[3], s[4], s[6]) for s in stats]
        for k, j in enumerate(cols):
            n_r, n_f, alpha, delta, se, chi2, p, smd = stats[k]
            results[j] = ItemDif(
                id=items[j].id,
                area=area,
                n_reference=n_r,
                n_focal=n_f,
                alpha=alpha,
                delta=delta,
                se_delta=se,
                chi2=chi2,
                p_value=p,
                category=cats[k],
                smd=smd,
            )
    return tuple(r for r in results if r is not None)


def dif_report(
    items: Sequence[ItemSpec],
    scores: NDArray[np.integer],
    mask: NDArray[np.bool_] | None,
    variables: Mapping[str, Sequence[str | None]],
    reference: Mapping[str, str],
    *,
    matching: Matching = "total",
    purify: bool = True,
    min_group: int = 100,
    min_stratum: int = 1,
) -> tuple[DifComparison, ...]:
    """MH DIF for every grouping variable: each label other than ``reference[variable]`` vs it.

    ``variables[name]`` gives each person's label (``None``: unknown, left out).  A focal or reference
    group smaller than ``min_group`` persons is not analysed; its comparison says so in ``note``.
    """
    n = np.asarray(scores).shape[0]
    out: list[DifComparison] = []
    for name, labels in variables.items():
        if len(labels) != n:
            raise ValueError(f"variable {name!r}: {len(labels)} labels for {n} persons")
        if name not in reference:
            raise ValueError(f"variable {name!r}: no reference label given")
        ref_label = reference[name]
        arr = np.array(["" if v is None else str(v) for v in labels], dtype=object)
        known = np.array([v is not None for v in labels], dtype=np.bool_)
        present = sorted({str(v) for v in labels if v is not None})
        if ref_label not in present:
            raise ValueError(f"variable {name!r}: reference label {ref_label!r} does not occur")
        ref_mask = known & (arr == ref_label)
        n_ref = int(ref_mask.sum())
        for label in present:
            if label == ref_label:
                continue
            foc_mask = known & (arr == label)
            n_foc = int(foc_mask.sum())
            if min(n_ref, n_foc) < min_group:
                note = (
                    f"not analysed: {min(n_ref, n_foc)} persons in the smaller group (fewer than {min_group})"
                )
                out.append(DifComparison(name, ref_label, label, (), n_ref, n_foc, note))
                continue
            res = mantel_haenszel(
                scores,
                mask,
                items,
                foc_mask,
                ref_mask,
                matching=matching,
                purify=purify,
                min_stratum=min_stratum,
            )
            out.append(DifComparison(name, ref_label, label, res, n_ref, n_foc))
    return tuple(out)
