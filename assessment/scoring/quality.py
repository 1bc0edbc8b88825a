"""Classical item and test statistics after a round, with review flags.

* p-value: mean item score / max score, over persons given the item.
* Point-biserial: the corrected item-rest correlation, i.e. Pearson r between the item score and the
  sum of the *other national items of the same area* (the construct the item is meant to measure;
  local items are never part of a rest score).  Persons given the item are used; with mixed forms the
  rest sums are not comparable, so run this per form.
* Distractor rates: share of persons given the item who chose each option (``None`` = blank).
* Cronbach's alpha per area and over all national items, on persons given every item of the set.
* Marginal reliability per area from EAP results: ``var(theta_hat) / (var(theta_hat) + mean(SE^2))``.

Flags (thresholds in :class:`QualityThresholds`): ``too_easy`` (p > .90), ``too_hard`` (p < .20),
``weak_discrimination`` (0 <= r_pb < .20), ``negative_discrimination`` (r_pb < 0: check the key),
``rare_distractor`` (a wrong option chosen by fewer than 5%).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .estimate import BatchResult
from .items import ItemSpec


@dataclass(frozen=True)
class QualityThresholds:
    """Review thresholds.  Defaults follow common item-analysis practice (revise below p .20 or above
    .80-.90; r_pb under .20 is weak; under 0 suggests a wrong key) and a 5% rule for distractors."""

    too_easy: float = 0.90
    too_hard: float = 0.20
    weak_rpb: float = 0.20
    negative_rpb: float = 0.0
    rare_distractor: float = 0.05


DEFAULT_THRESHOLDS = QualityThresholds()


@dataclass(frozen=True)
class ItemStats:
    """Classical statistics of one item."""

    id: str
    area: int
    local: bool
    n: int
    max_score: int
    mean_score: float
    p_value: float
    r_pb: float
    option_rates: tuple[tuple[str | None, float], ...]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class QualityReport:
    """Item statistics plus alpha and marginal reliability per area (and overall)."""

    items: tuple[ItemStats, ...]
    alpha_by_area: tuple[tuple[int, float], ...]
    alpha_overall: float
    reliability_by_area: tuple[tuple[int, float], ...]
    index_reliability: float
    thresholds: QualityThresholds


def pearson(x: ArrayLike, y: ArrayLike) -> float:
    """Pearson correlation; NaN when either variable is constant or fewer than 2 values."""
    a = np.asarray(x, dtype=np.float64)
    b = np.asarray(y, dtype=np.float64)
    if a.shape[0] < 2:
        return math.nan
    da, db = a - a.mean(), b - b.mean()
    denom = math.sqrt(float((da * da).sum()) * float((db * db).sum()))
    return float((da * db).sum()) / denom if denom > 0 else math.nan


def cronbach_alpha(scores: ArrayLike) -> float:
    """Cronbach's alpha of a complete (persons, items) matrix: k/(k-1) * (1 - sum var_i / var_total)."""
    x = np.asarray(scores, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 2 or x.shape[0] < 2:
        return math.nan
    k = x.shape[1]
    total_var = float(x.sum(axis=1).var(ddof=1))
    if total_var <= 0:
        return math.nan
    return float(k / (k - 1) * (1.0 - float(x.var(axis=0, ddof=1).sum()) / total_var))


def marginal_reliability(theta: ArrayLike, se: ArrayLike) -> float:
    """``var(theta_hat) / (var(theta_hat) + mean(SE^2))`` over persons with an estimate (NaN dropped)."""
    t = np.asarray(theta, dtype=np.float64)
    e = np.asarray(se, dtype=np.float64)
    keep = ~(np.isnan(t) | np.isnan(e))
    if keep.sum() < 2:
        return math.nan
    v = float(t[keep].var())
    return v / (v + float(np.mean(e[keep] ** 2)))


def _flags(
    p: float, r: float, rates: Sequence[tuple[str | None, float]], key: Sequence[str], t: QualityThresholds
) -> tuple[str, ...]:
    out = []
    if p > t.too_easy:
        out.append("too_easy")
    if p < t.too_hard:
        out.append("too_hard")
    if r < t.negative_rpb:
        out.append("negative_discrimination")
    elif r < t.weak_rpb:
        out.append("weak_discrimination")
    if any(opt is not None and opt not in key and rate < t.rare_distractor for opt, rate in rates):
        out.append("rare_distractor")
    return tuple(out)


def item_statistics(
    items: Sequence[ItemSpec],
    scores: NDArray[np.integer],
    mask: NDArray[np.bool_] | None = None,
    choices: Mapping[str, Sequence[str | None]] | None = None,
    thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
) -> tuple[ItemStats, ...]:
    """Per-item p-value, corrected point-biserial, distractor rates and flags.

    ``choices`` maps a single-choice or scenario item's id to the option each person chose (``None``
    for blank), in person order; items without an entry get no distractor rates.
    """
    x = np.asarray(scores, dtype=np.float64)
    m = np.ones(x.shape, dtype=np.bool_) if mask is None else np.asarray(mask, dtype=np.bool_)
    xm = np.where(m, x, 0.0)
    national = np.array([not it.local for it in items], dtype=np.bool_)
    area_of = np.array([it.area for it in items])
    out = []
    for j, it in enumerate(items):
        given = m[:, j]
        n = int(given.sum())
        mean = float(x[given, j].mean()) if n else math.nan
        p = mean / it.max_score if n else math.nan
        peers = national & (area_of == it.area)
        peers[j] = False
        rest = xm[given][:, peers].sum(axis=1)
        r = pearson(x[given, j], rest) if peers.any() else math.nan
        rates: tuple[tuple[str | None, float], ...] = ()
        if choices is not None and it.id in choices:
            chosen = [c for c, g in zip(choices[it.id], given, strict=True) if g]
            seen = sorted({c for c in chosen if c is not None})
            options: list[str | None] = [*(it.options or seen)]
            rates = tuple((opt, chosen.count(opt) / n if n else math.nan) for opt in [*options, None])
        out.append(
            ItemStats(
                id=it.id,
                area=it.area,
                local=it.local,
                n=n,
                max_score=it.max_score,
                mean_score=mean,
                p_value=p,
                r_pb=r,
                option_rates=rates,
                flags=_flags(p, r, rates, it.key, thresholds) if n else (),
            )
        )
    return tuple(out)


def round_quality(
    items: Sequence[ItemSpec],
    scores: NDArray[np.integer],
    mask: NDArray[np.bool_] | None = None,
    choices: Mapping[str, Sequence[str | None]] | None = None,
    result: BatchResult | None = None,
    thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
) -> QualityReport:
    """The full classical report for a round; pass the scoring ``result`` to get marginal reliabilities."""
    x = np.asarray(scores)
    m = np.ones(x.shape, dtype=np.bool_) if mask is None else np.asarray(mask, dtype=np.bool_)
    national = [j for j, it in enumerate(items) if not it.local]
    areas = sorted({items[j].area for j in national})

    def alpha(cols: list[int]) -> float:
        complete = m[:, cols].all(axis=1)
        return cronbach_alpha(x[complete][:, cols])

    alpha_by_area = tuple((a, alpha([j for j in national if items[j].area == a])) for a in areas)
    reliability: tuple[tuple[int, float], ...] = ()
    index_rel = math.nan
    if result is not None:
        reliability = tuple(
            (a, marginal_reliability(result.theta[:, k], result.se[:, k])) for k, a in enumerate(result.areas)
        )
        index_rel = marginal_reliability(result.index, result.index_se)
    return QualityReport(
        items=item_statistics(items, x, m, choices, thresholds),
        alpha_by_area=alpha_by_area,
        alpha_overall=alpha(national),
        reliability_by_area=reliability,
        index_reliability=index_rel,
        thresholds=thresholds,
    )
