"""A region's calibration (one score matrix): propose a parameter set that changes nothing yet.

:func:`propose` runs the engine's MML-EM calibration (``assessment.scoring.calibrate``, anchors fixed)
on a score matrix and stores the outcome as a ``ParameterSet`` of kind *regional*, with the snapshot of
every item of the bank under it (see ``versions``). The national proposal (several regions) is in
``national``; both are accepted the same way (``acceptance``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from assessment.instrument.calibration.common import (
    DRIFT_LIMIT,
    FIT_RANGE,
    MIN_CATEGORY,
    MIN_RESPONSES,
    RMSEA_LIMIT,
    CalibrationError,
    contents,
    new_label,
    standard_errors,
)
from assessment.instrument.models import Item, ItemBank, ParameterSet
from assessment.scoring import ItemSpec, calibrate


def bank_params(bank: ItemBank) -> dict[str, dict[str, Any]]:
    return dict(Item.objects.filter(bank=bank).values_list("code", "params"))


def full_snapshot(current: Mapping[str, Any], params: Mapping[str, Any]) -> dict[str, Any]:
    """Every item's parameters under a set: what the items hold, overlaid with the estimates."""
    return {code: dict(params.get(code) or p or {}) for code, p in current.items()}


def propose(
    bank: ItemBank,
    specs: Sequence[ItemSpec],
    scores: NDArray[np.integer],
    mask: NDArray[np.bool_],
    source: str,
) -> ParameterSet:
    """Calibrate ``specs`` (the bank's items, columns of ``scores``/``mask``) and store the outcome,
    not accepted. Anchor items keep their parameters; nothing but the new set is written."""
    current = bank_params(bank)
    unknown = sorted({s.id for s in specs} - set(current))
    if unknown:
        raise CalibrationError(
            _("Items not in bank %(bank)s: %(codes)s.") % {"bank": bank, "codes": ", ".join(unknown)}
        )
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
        raise CalibrationError(_("Calibration failed: %(error)s") % {"error": exc}) from exc
    params, fit, areas = contents(result, specs, scores, mask)
    return ParameterSet.objects.create(
        bank=bank,
        kind=ParameterSet.Kind.REGIONAL,
        label=new_label(),
        source=source,
        params=params,
        previous={code: current[code] for code in params},
        snapshot=full_snapshot(current, params),
        standard_errors={cal.id: standard_errors(cal) for cal in result.items if not cal.fixed},
        fit=fit,
        areas=areas,
        warnings=list(result.warnings),
    )
