"""Recalibrating a bank's item parameters: propose a parameter set, then let an operator accept it.

:func:`propose` runs the engine's MML-EM calibration (``assessment.scoring.calibrate``, anchors fixed)
on a score matrix and stores the outcome as a :class:`ParameterSet` that changes nothing yet.
:func:`accept` writes the set into the bank's items, all or nothing, and only if the items still hold
the parameters the set was estimated against. Only ``Item.params`` and ``ItemBank.parameters`` change,
which a locked bank allows (see ``assessment.instrument.services``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from numpy.typing import NDArray

from assessment.instrument.models import Item, ItemBank, ParameterSet
from assessment.scoring import CalibrationResult, ItemSpec, calibrate

# Flag limits, passed to the engine so the flags and its warnings agree.
FIT_RANGE = (0.7, 1.3)
RMSEA_LIMIT = 0.05
DRIFT_LIMIT = 0.3
MIN_RESPONSES = 200
MIN_CATEGORY = 10
DIGITS = 4


class CalibrationError(Exception):
    """A parameter set that cannot be proposed or accepted; the message says why."""


def _num(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), DIGITS)


def new_label() -> str:
    return f"kalibrasi-{timezone.localdate():%Y-%m-%d}"


def _flags(cal: Any, categories: list[int] | None) -> list[str]:
    lo, hi = FIT_RANGE
    flags = []
    if cal.fixed:
        flags.append("anchor")
    if not (lo <= cal.infit <= hi and lo <= cal.outfit <= hi) or cal.rmsea > RMSEA_LIMIT:
        flags.append("misfit")
    if cal.fixed and abs(cal.displacement) > DRIFT_LIMIT:
        flags.append("drift")
    if cal.at_bound:
        flags.append("bound")
    if not cal.fixed and cal.n < MIN_RESPONSES:
        flags.append("few")
    if categories is not None and min(categories) < MIN_CATEGORY:
        flags.append("sparse")
    return flags


def _contents(
    result: CalibrationResult, specs: Sequence[ItemSpec], scores: NDArray[np.integer], mask: NDArray[np.bool_]
) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    params: dict[str, Any] = {}
    fit: dict[str, Any] = {}
    column = {s.id: j for j, s in enumerate(specs)}
    for cal in result.items:
        categories = None
        if not cal.fixed and cal.max_score == 2:
            j = column[cal.id]
            categories = np.bincount(scores[mask[:, j], j].astype(np.int64), minlength=3).tolist()
        if not cal.fixed:
            params[cal.id] = {
                "a": round(cal.a, DIGITS),
                "b": round(cal.b, DIGITS),
                "steps": [round(s, DIGITS) for s in cal.steps],
            }
        fit[cal.id] = {
            "area": cal.area,
            "fixed": cal.fixed,
            "n": cal.n,
            "p": _num(cal.p_value),
            "infit": _num(cal.infit),
            "outfit": _num(cal.outfit),
            "sx2": _num(cal.sx2),
            "sx2_df": cal.sx2_df,
            "rmsea": _num(cal.rmsea),
            "displacement": _num(cal.displacement),
            "flags": _flags(cal, categories),
        }
    areas = [
        {
            "area": a.area,
            "persons": a.n_persons,
            "items": a.n_items,
            "anchors": a.n_fixed,
            "scale": a.scale,
            "pop_mean": _num(a.pop_mean),
            "pop_sd": _num(a.pop_sd),
            "iterations": a.iterations,
            "converged": a.converged,
            "max_change": _num(a.max_change),
        }
        for a in result.areas
    ]
    return params, fit, areas


def propose(
    bank: ItemBank,
    specs: Sequence[ItemSpec],
    scores: NDArray[np.integer],
    mask: NDArray[np.bool_],
    source: str,
) -> ParameterSet:
    """Calibrate ``specs`` (the bank's items, columns of ``scores``/``mask``) and store the outcome,
    not accepted. Anchor items keep their parameters; nothing but the new set is written."""
    current = dict(
        Item.objects.filter(bank=bank, code__in=[s.id for s in specs]).values_list("code", "params")
    )
    unknown = sorted({s.id for s in specs} - set(current))
    if unknown:
        raise CalibrationError(f"Items not in bank {bank}: {', '.join(unknown)}.")
    scores = np.asarray(scores)
    mask = np.asarray(mask, dtype=np.bool_)
    try:
        result = calibrate(
            specs,
            scores,
            mask,
            fit_range=FIT_RANGE,
            rmsea_limit=RMSEA_LIMIT,
            drift_limit=DRIFT_LIMIT,
            min_responses=MIN_RESPONSES,
            min_category=MIN_CATEGORY,
        )
    except ValueError as exc:
        raise CalibrationError(f"Calibration failed: {exc}") from exc
    params, fit, areas = _contents(result, specs, scores, mask)
    return ParameterSet.objects.create(
        bank=bank,
        label=new_label(),
        source=source,
        params=params,
        previous={code: current[code] for code in params},
        fit=fit,
        areas=areas,
        warnings=list(result.warnings),
    )


@transaction.atomic
def accept(parameter_set: ParameterSet, accepted_by: str) -> None:
    """Write the set's parameters into its bank's items and label the bank with it, all or nothing.

    Refused (CalibrationError) when the set was already accepted, when no operator is named, or when
    any of its items no longer holds the parameters the set replaces (the bank changed since).
    """
    if not accepted_by.strip():
        raise CalibrationError("Name who accepts the parameter set.")
    locked = ParameterSet.objects.select_for_update().get(pk=parameter_set.pk)
    if locked.accepted_at is not None:
        raise CalibrationError(
            f"Parameter set {locked.pk} was already accepted on {locked.accepted_at:%Y-%m-%d %H:%M} "
            f"by {locked.accepted_by}."
        )
    bank = ItemBank.objects.select_for_update().get(pk=locked.bank_id)
    items = {
        i.code: i for i in Item.objects.select_for_update().filter(bank=bank, code__in=list(locked.params))
    }
    missing = sorted(set(locked.params) - set(items))
    changed = sorted(
        code for code in locked.params if code in items and items[code].params != locked.previous.get(code)
    )
    if missing or changed:
        raise CalibrationError(
            f"Bank {bank} has changed since parameter set {locked.pk} was proposed "
            f"({len(missing)} item(s) gone, {len(changed)} with other parameters: "
            f"{', '.join((missing + changed)[:5])}{'…' if len(missing) + len(changed) > 5 else ''}); "
            "calibrate again."
        )
    for code, new in locked.params.items():
        items[code].params = dict(new)
    Item.objects.bulk_update(list(items.values()), ["params"])
    bank.parameters = locked.label
    bank.save(update_fields=["parameters"])
    locked.accepted_at = timezone.now()
    locked.accepted_by = accepted_by.strip()[:200]
    locked.save(update_fields=["accepted_at", "accepted_by"])
    parameter_set.accepted_at, parameter_set.accepted_by = locked.accepted_at, locked.accepted_by
