"""A group's figures as the round's aggregates store them: plain numpy in, plain data out.

Every figure but the competence means comes from the group's plausible values through the engine's
``figures.draw_figures`` (Rubin's rules: the estimate is the mean over draws, its variance the mean
sampling variance plus (1 + 1/M) times the variance between draws). Averaging people's EAP estimates
instead would shrink every group toward the prior (docs/scoring.md 2.12). The indicative competence
levels are per-person values (docs 3.2) and are averaged as they are.

The same engine function serves the figures a region publishes to the benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from assessment.scoring import AREAS
from assessment.scoring.figures import HISTOGRAM_EDGES, draw_figures

__all__ = ["HISTOGRAM_EDGES", "AggregateFigures", "summarise"]


@dataclass(frozen=True)
class AggregateFigures:
    n: int
    mean: float | None
    mean_se: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    area_means: list[float | None]
    competence_means: dict[str, float]
    level_shares: list[float]
    area_level_shares: list[list[float]]
    histogram: list[float]  # expected number of people per bin (the mean over draws)
    incomplete: int = 0


def _clean(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def summarise(
    index: NDArray[np.float64],
    area_scores: NDArray[np.float64],
    competence_levels: NDArray[np.float64],
    competences: Sequence[str],
    incomplete: int = 0,
) -> AggregateFigures:
    """Figures of one group from its plausible values.

    ``index`` is (draws, persons) on the 1-4 scale, ``area_scores`` (draws, persons, 5); the indicative
    competence levels are (persons, competences).
    """
    n = int(index.shape[1])
    if n == 0:
        return AggregateFigures(
            0,
            None,
            None,
            None,
            None,
            None,
            [None] * 5,
            {},
            [0.0] * 4,
            [[0.0] * 4] * 5,
            [0.0] * 12,
            incomplete,
        )
    g = draw_figures(index, area_scores, AREAS)
    competence_means = {}
    if competence_levels.size:
        with np.errstate(invalid="ignore"):
            for j, code in enumerate(competences):
                column = competence_levels[:, j]
                if np.isfinite(column).any():
                    competence_means[code] = round(float(np.nanmean(column)), 4)
    return AggregateFigures(
        n=n,
        mean=_clean(g.mean),
        mean_se=_clean(g.se),
        sd=_clean(g.sd),
        ci_low=_clean(g.low),
        ci_high=_clean(g.high),
        area_means=[_clean(v) for v in g.area_means],
        competence_means=competence_means,
        level_shares=[round(v, 4) for v in g.level_shares],
        area_level_shares=[[round(v, 4) for v in shares] for shares in g.area_level_shares],
        histogram=[round(c, 2) for c in g.histogram],
        incomplete=incomplete,
    )
