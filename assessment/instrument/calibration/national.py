"""The national calibration: the anonymous matrices of several regions, one proposed parameter set.

Input: ``AnonymousMatrix`` es (``assessment.results.services.contribution``) of closed rounds of
regions that agreed to contribute; they carry item scores and the grouping variables DIF needs, never
a person's identity. The rounds may use the bank or an earlier version of it: items are matched by
code, and the columns of items the target bank does not hold are left out (they cannot get
parameters in it).

What is computed (assessment.scoring does the statistics; this module only assembles and stores):

1. **The proposal**: the stacked matrix (union of the items; an item not on a round's form is simply
   not administered there) calibrated with the anchors fixed, one population per region
   (``groups``; regions differ in ability, and one N(0, 1) for all would bias the items of regions
   whose forms differ), and the guessing model chosen per area by BIC (``guessing="auto"``).
   Standard errors, fit, and the model chosen per area are stored with the estimates.
2. **Anchor drift**: the same data calibrated *freely* (no item fixed), its anchors linked back to
   their reference parameters with purification (``screen_drift``); an area whose anchors no longer
   hold is reported, and the versions of the bank are then not on one scale there.
3. **DIF**: Mantel-Haenszel by sex, age band, education and region kind (``dif_report``); the
   reference group of each variable is its largest group. Items in ETS category C, and misfitting
   items, are listed in ``review``: the operator may leave them out of scoring in the new version.
4. **Version link**: when the bank has an earlier version, the freely calibrated items are linked to
   that version's parameters through their common items (``link_versions``), and stored so the
   benchmark can say where versions compare (``versions.common_scale``).

A step that cannot run on the chosen data (no anchors on the forms, a variable with one group, too
few common items) says "not computed" with the reason instead of failing the proposal. Nothing
personal is stored: the set's ``sources`` count persons per region and round.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from assessment.instrument.calibration import versions
from assessment.instrument.calibration.common import (
    DRIFT_LIMIT,
    FIT_RANGE,
    MIN_CATEGORY,
    MIN_RESPONSES,
    RMSEA_LIMIT,
    CalibrationError,
    area_models,
    contents,
    new_label,
    num,
    standard_errors,
)
from assessment.instrument.calibration.proposal import bank_params, full_snapshot
from assessment.instrument.models import ItemBank, ParameterSet
from assessment.scoring import CalibrationResult, ItemSpec
from assessment.scoring.dif import dif_report
from assessment.scoring.linking import AreaDrift, link_versions, screen_drift

if TYPE_CHECKING:
    from assessment.results.services.contribution import AnonymousMatrix

MIN_PERSONS = 200
DIF_VARIABLES = ("sex", "age_band", "education", "region_kind")
GUESSING: Final = "auto"
DIF_MIN_GROUP = 100  # the engine's default: smaller focal or reference groups are not analysed
Step = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class Stacked:
    specs: list[ItemSpec]
    scores: NDArray[np.int8]
    mask: NDArray[np.bool_]
    groups: NDArray[np.int64]  # region index per row
    regions: list[str]  # region codes, by group index
    variables: dict[str, list[str | None]]


def stack(bank: ItemBank, matrices: Sequence[AnonymousMatrix]) -> Stacked:
    """The matrices one under the other, columns = the bank's items any of them holds (area order)."""
    if not matrices:
        raise CalibrationError(_("Choose at least one round to calibrate on."))
    others = sorted({m.bank for m in matrices if m.bank_code != bank.code})
    if others:
        raise CalibrationError(
            _("Rounds of other instruments (%(banks)s) cannot calibrate bank %(bank)s.")
            % {"banks": ", ".join(others), "bank": bank}
        )
    specs_by_code = versions.bank_specs(bank, {c for m in matrices for c in m.item_ids})
    if not specs_by_code:
        raise CalibrationError(_("The chosen rounds share no items with bank %(bank)s.") % {"bank": bank})
    specs = sorted(specs_by_code.values(), key=lambda s: (s.area, s.id))
    column = {s.id: j for j, s in enumerate(specs)}
    regions = list(dict.fromkeys(m.region_code for m in matrices))
    blocks_x, blocks_m, groups = [], [], []
    variables: dict[str, list[str | None]] = {v: [] for v in DIF_VARIABLES}
    for m in matrices:
        x = np.zeros((m.persons, len(specs)), dtype=np.int8)
        mk = np.zeros((m.persons, len(specs)), dtype=np.bool_)
        src = [j for j, code in enumerate(m.item_ids) if code in column]
        dst = [column[m.item_ids[j]] for j in src]
        x[:, dst], mk[:, dst] = m.scores[:, src], m.mask[:, src]
        blocks_x.append(x)
        blocks_m.append(mk)
        groups.append(np.full(m.persons, regions.index(m.region_code), dtype=np.int64))
        variables["sex"] += [v or None for v in m.sex]
        variables["age_band"] += [v or None for v in m.age_band]
        variables["education"] += [v or None for v in m.education]
        variables["region_kind"] += [m.region_kind or None] * m.persons
    return Stacked(
        specs, np.concatenate(blocks_x), np.concatenate(blocks_m), np.concatenate(groups), regions, variables
    )


def too_few(persons: int, min_persons: int) -> str:
    return _("Too few persons to calibrate: %(n)s in the chosen rounds; at least %(min)s are needed.") % {
        "n": persons,
        "min": min_persons,
    }


def _calibrate(stacked: Stacked, fixed: Sequence[str] | None) -> tuple[CalibrationResult, list[str]]:
    """The engine's calibration with one population per region and the guessing model chosen by BIC;
    an engine without those options calibrates as before and says so in the warnings."""
    from assessment.scoring import calibrate

    kwargs: dict[str, Any] = {
        "fit_range": FIT_RANGE,
        "rmsea_limit": RMSEA_LIMIT,
        "drift_limit": DRIFT_LIMIT,
        "min_responses": MIN_RESPONSES,
        "min_category": MIN_CATEGORY,
    }
    notes: list[str] = []
    try:
        try:
            result = calibrate(
                stacked.specs,
                stacked.scores,
                stacked.mask,
                fixed,
                groups=stacked.groups,
                guessing=GUESSING,
                **kwargs,
            )
        except TypeError as exc:
            if "groups" not in str(exc) and "guessing" not in str(exc):
                raise
            notes.append("The engine has no multi-group or guessing options: one population, 2PL.")
            result = calibrate(stacked.specs, stacked.scores, stacked.mask, fixed, **kwargs)
    except ValueError as exc:
        raise CalibrationError(_("Calibration failed: %(error)s") % {"error": exc}) from exc
    return result, notes


def _as_specs(specs: Sequence[ItemSpec], result: CalibrationResult) -> list[ItemSpec]:
    by_id = {cal.id: cal for cal in result.items}
    out = []
    for spec in specs:
        cal = by_id.get(spec.id)
        if cal is None:
            continue
        out.append(
            dataclasses.replace(
                spec,
                a=float(cal.a),
                b=float(cal.b),
                steps=tuple(float(s) for s in cal.steps),
                c=float(cal.c),
                anchor=False,
            )
        )
    return out


def _not_computed(reason: str) -> dict[str, Any]:
    return {"computed": False, "reason": reason}


def _area_drift(area: AreaDrift) -> dict[str, Any]:
    return {
        "area": int(area.area),
        "A": num(area.link.A),
        "B": num(area.link.B),
        "n_items": int(area.link.n_items),
        "item_ids": list(area.link.item_ids),
        "holds": bool(area.holds),
        "reason": str(area.reason),
        "rounds": int(area.rounds),
        "dropped": list(area.dropped),
        "items": [
            {
                "id": d.id,
                "b_reference": num(d.b_reference),
                "b_linked": num(d.b_linked),
                "displacement": num(d.displacement),
                "flagged": bool(d.flagged),
                "dropped": bool(d.dropped),
            }
            for d in area.items
        ],
    }


def drift_report(specs: Sequence[ItemSpec], free: Sequence[ItemSpec]) -> dict[str, Any]:
    anchors = [s for s in specs if s.anchor]
    if not anchors:
        return _not_computed("The bank has no anchor items on the chosen forms.")
    by_id = {s.id: s for s in free}
    try:
        report = screen_drift(anchors, [by_id[s.id] for s in anchors if s.id in by_id], limit=DRIFT_LIMIT)
    except ValueError as exc:
        return _not_computed(f"Anchor drift could not be screened: {exc}")
    return {"computed": True, "reason": "", "areas": [_area_drift(a) for a in report.areas]}


def _reference(values: Sequence[str | None]) -> str | None:
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else None


def dif(stacked: Stacked, min_group: int = DIF_MIN_GROUP) -> dict[str, Any]:
    variables = {k: v for k, v in stacked.variables.items() if len({x for x in v if x}) >= 2}
    if not variables:
        return _not_computed("No grouping variable has two groups in the chosen rounds.")
    reference = {k: ref for k, v in variables.items() if (ref := _reference(v)) is not None}
    try:
        comparisons = dif_report(
            stacked.specs, stacked.scores, stacked.mask, variables, reference, min_group=min_group
        )
    except ValueError as exc:
        return _not_computed(f"DIF could not be computed: {exc}")
    return {
        "computed": True,
        "reason": "",
        "comparisons": [
            {
                "variable": c.variable,
                "reference": c.reference,
                "focal": c.focal,
                "n_reference": int(c.n_reference),
                "n_focal": int(c.n_focal),
                "note": c.note,
                "items": [
                    {
                        "id": i.id,
                        "area": int(i.area),
                        "n_reference": int(i.n_reference),
                        "n_focal": int(i.n_focal),
                        "delta": num(i.delta),
                        "se_delta": num(i.se_delta),
                        "chi2": num(i.chi2),
                        "p_value": num(i.p_value),
                        "category": str(i.category),
                    }
                    for i in c.items
                ],
            }
            for c in comparisons
        ],
    }


def version_key(version: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.\-]", version))


def older_bank(bank: ItemBank) -> ItemBank | None:
    """The bank's closest earlier version (same code), if any."""
    key = version_key(bank.version)
    earlier = [
        b for b in ItemBank.objects.filter(code=bank.code).exclude(pk=bank.pk) if version_key(b.version) < key
    ]
    return max(earlier, key=lambda b: version_key(b.version), default=None)


def version_link(bank: ItemBank, free: Sequence[ItemSpec]) -> dict[str, Any]:
    old = older_bank(bank)
    if old is None:
        return {}
    current = versions.current(old)
    base = {"old_bank": f"{old.code} {old.version}", "old_version": current.version}
    params = versions.snapshot(current)
    old_specs = versions.bank_specs(old, [s.id for s in free])
    old_linked = [dataclasses.replace(s, **_spec_params(params.get(s.id))) for s in old_specs.values()]
    try:
        link = link_versions(old_linked, list(free), limit=DRIFT_LIMIT)
    except ValueError as exc:
        return {**base, **_not_computed(f"The versions could not be linked: {exc}")}
    areas = [_area_drift(a) for a in link.areas]
    failing = [f"area {a['area']}: {a['reason']}" for a in areas if not a["holds"]]
    return {
        **base,
        "computed": True,
        "holds": link.holds,
        "reason": "; ".join(failing),
        "common_items": len(old_specs),
        "areas": areas,
    }


def _spec_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    if not params:
        return {}
    return {
        "a": float(params.get("a", 1.0)),
        "b": float(params.get("b", 0.0)),
        "steps": tuple(float(s) for s in params.get("steps") or ()),
        "c": float(params.get("c", 0.0) or 0.0),
    }


def review(fit: Mapping[str, Any], dif_json: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Items the operator may leave out of the new version: DIF category C, or misfit."""
    reasons: dict[str, list[str]] = {}
    for comparison in dif_json.get("comparisons", []):
        for item in comparison["items"]:
            if item["category"] == "C":
                reasons.setdefault(item["id"], []).append(
                    f"dif_c:{comparison['variable']}:{comparison['focal']}"
                )
    for code, f in fit.items():
        if "misfit" in f.get("flags", []) and not f.get("fixed"):
            reasons.setdefault(code, []).append("misfit")
    return [{"code": code, "reasons": r} for code, r in sorted(reasons.items())]


def propose_national(
    bank: ItemBank,
    matrices: Sequence[AnonymousMatrix],
    *,
    sources: Sequence[Mapping[str, Any]] = (),
    min_persons: int = MIN_PERSONS,
    dif_min_group: int = DIF_MIN_GROUP,
    step: Step | None = None,
) -> ParameterSet:
    """Calibrate ``bank`` on the matrices and store the proposal (not accepted)."""
    say = step or (lambda text: None)
    stacked = stack(bank, matrices)
    persons = int(stacked.mask.any(axis=1).sum())
    if persons < min_persons:
        raise CalibrationError(too_few(persons, min_persons))
    current = bank_params(bank)
    say("calibrating with the anchors fixed")
    result, notes = _calibrate(stacked, None)
    params, fit, areas = contents(result, stacked.specs, stacked.scores, stacked.mask)
    say("calibrating freely for anchor drift and the version link")
    free_result, _ = _calibrate(stacked, ())
    free = _as_specs(stacked.specs, free_result)
    drift = drift_report(stacked.specs, free)
    say("screening items for DIF")
    dif_json = dif(stacked, dif_min_group)
    say("linking to the earlier version")
    link = version_link(bank, free)
    sources_text = "; ".join(
        f"{s.get('region_name') or s.get('region')} round {s.get('round')} ({s.get('persons')} persons)"
        for s in sources
    )
    return ParameterSet.objects.create(
        bank=bank,
        kind=ParameterSet.Kind.NATIONAL if len(stacked.regions) > 1 else ParameterSet.Kind.REGIONAL,
        label=new_label(),
        source=f"national: {len(stacked.regions)} region(s), {persons} persons; {sources_text}"[:5000],
        sources=list(sources),
        params=params,
        previous={code: current[code] for code in params},
        snapshot=full_snapshot(current, params),
        standard_errors={cal.id: standard_errors(cal) for cal in result.items if not cal.fixed},
        fit=fit,
        areas=areas,
        area_models=area_models(result, stacked.regions),
        drift=drift,
        dif=dif_json,
        version_link=link,
        review=review(fit, dif_json),
        warnings=notes + list(result.warnings),
    )
