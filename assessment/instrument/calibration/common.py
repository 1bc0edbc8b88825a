"""What the regional and the national proposals share: the flag limits, the error, and how an engine
calibration result becomes the JSON of a ``ParameterSet`` (parameters, standard errors, fit, areas).

The engine's newer fields (guessing ``c``, standard errors, the model chosen per area, group
populations) are read with ``getattr`` and a neutral default, so a set can still be proposed with an
engine that does not report them; the JSON then says "not estimated" (None) rather than inventing a
figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.utils import timezone
from numpy.typing import NDArray

from assessment.scoring import CalibrationResult, ItemCalibration, ItemSpec

# Flag limits, passed to the engine so the flags and its warnings agree.
FIT_RANGE = (0.7, 1.3)
RMSEA_LIMIT = 0.05
DRIFT_LIMIT = 0.3
MIN_RESPONSES = 200
MIN_CATEGORY = 10
DIGITS = 4


class CalibrationError(Exception):
    """A parameter set that cannot be proposed or accepted; the message says why (in the active
    language). ``field`` names what the operator's form should show it at: "rounds" (the choice of
    rounds: none, no consent, not closed, other instrument, too few persons), "min_persons", "bank"
    or "accept"."""

    def __init__(self, message: str, field: str = "rounds") -> None:
        super().__init__(message)
        self.field = field


def num(value: Any) -> float | None:
    """A finite float rounded for JSON, else None (NaN: not estimated)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if not math.isfinite(value) else round(value, DIGITS)


def new_label() -> str:
    return f"kalibrasi-{timezone.localdate():%Y-%m-%d}"


def flags(cal: Any, categories: list[int] | None) -> list[str]:
    lo, hi = FIT_RANGE
    out = []
    if cal.fixed:
        out.append("anchor")
    if not (lo <= cal.infit <= hi and lo <= cal.outfit <= hi) or cal.rmsea > RMSEA_LIMIT:
        out.append("misfit")
    if cal.fixed and abs(cal.displacement) > DRIFT_LIMIT:
        out.append("drift")
    if cal.at_bound:
        out.append("bound")
    if not cal.fixed and cal.n < MIN_RESPONSES:
        out.append("few")
    if categories is not None and min(categories) < MIN_CATEGORY:
        out.append("sparse")
    return out


def item_params(cal: ItemCalibration) -> dict[str, Any]:
    """The stored parameters of a calibrated item; ``c`` only when the item has a lower asymptote, so a
    2PL item's JSON stays what it always was."""
    params: dict[str, Any] = {
        "a": round(float(cal.a), DIGITS),
        "b": round(float(cal.b), DIGITS),
        "steps": [round(float(s), DIGITS) for s in cal.steps],
    }
    c = float(cal.c)
    if c > 0:
        params["c"] = round(c, DIGITS)
    return params


def standard_errors(cal: ItemCalibration) -> dict[str, Any]:
    return {
        "a": num(cal.se_a),
        "b": num(cal.se_b),
        "c": num(cal.se_c),
        "steps": [num(s) for s in cal.se_steps],
    }


def contents(
    result: CalibrationResult, specs: Sequence[ItemSpec], scores: NDArray[np.integer], mask: NDArray[np.bool_]
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """(params of the estimated items, fit of every item, area summaries)."""
    params: dict[str, Any] = {}
    fit: dict[str, Any] = {}
    column = {s.id: j for j, s in enumerate(specs)}
    for cal in result.items:
        categories = None
        if not cal.fixed and cal.max_score == 2:
            j = column[cal.id]
            categories = np.bincount(scores[mask[:, j], j].astype(np.int64), minlength=3).tolist()
        if not cal.fixed:
            params[cal.id] = item_params(cal)
        fit[cal.id] = {
            "area": cal.area,
            "fixed": cal.fixed,
            "n": cal.n,
            "p": num(cal.p_value),
            "infit": num(cal.infit),
            "outfit": num(cal.outfit),
            "sx2": num(cal.sx2),
            "sx2_df": cal.sx2_df,
            "rmsea": num(cal.rmsea),
            "displacement": num(cal.displacement),
            "flags": flags(cal, categories),
        }
    areas = [
        {
            "area": a.area,
            "persons": a.n_persons,
            "items": a.n_items,
            "anchors": a.n_fixed,
            "scale": a.scale,
            "pop_mean": num(a.pop_mean),
            "pop_sd": num(a.pop_sd),
            "iterations": a.iterations,
            "converged": a.converged,
            "max_change": num(a.max_change),
        }
        for a in result.areas
    ]
    return params, fit, areas


def area_models(result: CalibrationResult, group_names: Sequence[str] = ()) -> dict[str, Any]:
    """Per area: the model the engine chose, the candidates' fit and each group's population."""
    out: dict[str, Any] = {}
    for a in result.areas:
        groups = []
        for g in a.groups:
            index = int(g.group)
            groups.append(
                {
                    "group": index,
                    "region": group_names[index] if index < len(group_names) else "",
                    "n": int(g.n),
                    "mean": num(g.mean),
                    "sd": num(g.sd),
                }
            )
        out[str(a.area)] = {
            "model": a.model,
            "fit": [
                {
                    "model": str(m.model),
                    "log_likelihood": num(m.log_likelihood),
                    "n_params": int(m.n_params),
                    "aic": num(m.aic),
                    "bic": num(m.bic),
                }
                for m in a.model_fit
            ],
            "groups": groups,
        }
    return out
