"""Group figures from person scores: plain numpy in, plain data out (no models, nothing personal).

The same function serves the region's pages and the aggregates a region publishes to the benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from assessment.scoring import group_mean_ci

HISTOGRAM_EDGES: tuple[float, ...] = tuple(1.0 + 0.25 * k for k in range(13))  # 1.00, 1.25 ... 4.00


@dataclass(frozen=True)
class GroupFigures:
    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    area_means: list[float | None]
    competence_means: dict[str, float]
    level_shares: list[float]
    area_level_shares: list[list[float]]
    histogram: list[int]


def _clean(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def _shares(levels: NDArray[np.integer], n: int) -> list[float]:
    if n == 0:
        return [0.0, 0.0, 0.0, 0.0]
    counts = np.bincount(np.asarray(levels, dtype=np.int64), minlength=5)[1:5]
    return [round(float(c) / n, 4) for c in counts]


def summarise(
    index: NDArray[np.float64],
    index_level: NDArray[np.integer],
    area_scores: NDArray[np.float64],
    area_levels: NDArray[np.integer],
    competence_levels: NDArray[np.float64],
    competences: Sequence[str],
) -> GroupFigures:
    """Figures of one group: rows are persons; ``area_scores`` has one column per area (1-5)."""
    n = int(index.shape[0])
    summary = group_mean_ci(index) if n else None
    counts, _ = np.histogram(np.clip(index, 1.0, 4.0), bins=np.array(HISTOGRAM_EDGES))
    return GroupFigures(
        n=n,
        mean=_clean(summary.mean) if summary else None,
        sd=_clean(summary.sd) if summary else None,
        ci_low=_clean(summary.low) if summary else None,
        ci_high=_clean(summary.high) if summary else None,
        area_means=[_clean(float(np.nanmean(area_scores[:, k]))) if n else None for k in range(5)],
        competence_means=(
            {c: round(float(np.nanmean(competence_levels[:, j])), 4) for j, c in enumerate(competences)}
            if n
            else {}
        ),
        level_shares=_shares(index_level, n),
        area_level_shares=[_shares(area_levels[:, k], n) for k in range(5)],
        histogram=[int(c) for c in counts],
    )
