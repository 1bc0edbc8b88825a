"""Result values of a calibration run: per item, per area (with the candidate models and the group
populations), and the whole run.  Plain frozen dataclasses; nothing here computes anything."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ..items import ItemSpec

Model = Literal["2PL", "2PL+c", "3PL"]


@dataclass(frozen=True)
class ItemCalibration:
    """Estimated (or fixed) parameters of one item with its fit and, for anchors, its drift.

    ``c`` is the lower asymptote (0 for 2PL and partial-credit items).  ``se_a``, ``se_b``, ``se_c`` and
    ``se_steps`` are standard errors of the estimates (NaN where a parameter is not estimated: fixed
    items, ``c`` under "none"/"fixed"); see calibration/errors.py for how they are computed.
    """

    id: str
    area: int
    max_score: int
    fixed: bool
    a: float
    b: float
    steps: tuple[float, ...]
    n: int
    p_value: float
    infit: float
    outfit: float
    sx2: float
    sx2_df: int
    sx2_p: float
    rmsea: float
    a_free: float
    b_free: float
    displacement: float
    at_bound: bool
    c: float = 0.0
    se_a: float = math.nan
    se_b: float = math.nan
    se_c: float = math.nan
    se_steps: tuple[float, ...] = ()


@dataclass(frozen=True)
class ModelFit:
    """One candidate model of one area: marginal log-likelihood at the estimates, free parameters
    (items and population), ``aic = -2 LL + 2k`` and ``bic = -2 LL + k ln N``."""

    model: str
    log_likelihood: float
    n_params: int
    aic: float
    bic: float


@dataclass(frozen=True)
class GroupPopulation:
    """The estimated ability distribution N(mean, sd) of one group in one area (``n`` persons).

    ``fixed`` is True for the reference group that sets the scale (N(0, 1)) when there are no anchors.
    ``se_mean``/``se_sd`` come from the same information matrix as the item standard errors."""

    group: int
    n: int
    mean: float
    sd: float
    fixed: bool = False
    se_mean: float = math.nan
    se_sd: float = math.nan


@dataclass(frozen=True)
class AreaCalibration:
    """Run summary for one area.

    ``pop_mean``/``pop_sd`` describe all persons of the area together (with several groups: the mean and
    SD of the mixture of the group normals); ``groups`` has one entry per group.  ``model`` is the model
    kept for the area and ``model_fit`` lists every candidate that was fitted (one unless
    ``guessing="auto"``).
    """

    area: int
    n_persons: int
    n_items: int
    n_fixed: int
    scale: Literal["anchors", "prior"]
    pop_mean: float
    pop_sd: float
    iterations: int
    converged: bool
    log_likelihood: float
    max_change: float
    model: str = "2PL"
    model_fit: tuple[ModelFit, ...] = ()
    groups: tuple[GroupPopulation, ...] = ()


@dataclass(frozen=True)
class CalibrationResult:
    """Items in input order, one summary per area, and warnings for the operator."""

    items: tuple[ItemCalibration, ...]
    areas: tuple[AreaCalibration, ...]
    warnings: tuple[str, ...]

    @property
    def converged(self) -> bool:
        return all(a.converged for a in self.areas)

    @property
    def log_likelihood(self) -> float:
        return sum(a.log_likelihood for a in self.areas)

    def item_specs(self, items: Sequence[ItemSpec]) -> tuple[ItemSpec, ...]:
        """``items`` with the estimated parameters (including ``c``) put in (anchors unchanged)."""
        by_id = {c.id: c for c in self.items}
        out = []
        for it in items:
            c = by_id.get(it.id)
            out.append(it if c is None or c.fixed else replace(it, a=c.a, b=c.b, steps=c.steps, c=c.c))
        return tuple(out)
