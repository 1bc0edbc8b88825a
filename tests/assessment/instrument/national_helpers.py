"""Helpers for tests of the national calibration and the operator's pages.

``consenting_rounds``: a closed, scored round with simulated answers in each of two regions that
agreed to contribute (small: about a minute for both). ``proposed_national_set``: a well-formed
proposed national ParameterSet written directly (no calibration run, instant), with area models,
drift, DIF including one category C item, a review list and the snapshot, for page tests.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django_tenants.utils import get_public_schema_name, schema_context

from assessment.instrument.calibration.common import new_label
from assessment.instrument.models import Item, ItemBank, ParameterSet
from assessment.rounds.models import Round
from tenants.models import Region
from tests.assessment.results.conftest import scored_round


def consenting_rounds(
    region_a: Any, region_b: Any, *, employees: int = 200, takers: int = 180
) -> tuple[Round, Round]:
    """A closed, scored round in each region; both regions consent. Loads the instrument first."""
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        round_a = scored_round(region_a, employees=employees, takers=takers)
    with schema_context(region_b.schema_name):
        round_b = scored_round(region_b, employees=employees, takers=takers)
    Region.objects.filter(pk__in=[region_a.pk, region_b.pk]).update(contributes_to_calibration=True)
    return round_a, round_b


def proposed_national_set(bank: ItemBank, regions: list[Any], persons: int = 400) -> ParameterSet:
    """A proposed (not accepted) national set for ``bank`` with every report section filled."""
    with schema_context(get_public_schema_name()):
        items = list(Item.objects.filter(bank=bank).select_related("competence__area").order_by("code"))
        free = [i for i in items if not i.is_anchor][:12]
        anchors = [i for i in items if i.is_anchor][:4]
        params = {
            i.code: {"a": 1.1, "b": round(0.1 * k - 0.5, 4), "steps": list(i.params.get("steps") or [])}
            for k, i in enumerate(free)
        }
        flagged = free[0].code
        per_region = persons // max(len(regions), 1)
        fit = {
            i.code: {
                "area": int(i.competence.area.code),
                "fixed": i.is_anchor,
                "n": persons,
                "p": 0.6,
                "infit": 1.35 if i.code == free[1].code else 1.0,
                "outfit": 1.0,
                "sx2": 10.0,
                "sx2_df": 8,
                "rmsea": 0.01,
                "displacement": 0.05 if i.is_anchor else None,
                "flags": (["anchor"] if i.is_anchor else []) + (["misfit"] if i.code == free[1].code else []),
            }
            for i in free + anchors
        }
        areas = sorted({int(i.competence.area.code) for i in free + anchors})
        return ParameterSet.objects.create(
            bank=bank,
            kind=ParameterSet.Kind.NATIONAL,
            label=new_label(),
            source=f"national: {len(regions)} region(s), {persons} persons",
            sources=[
                {
                    "region": r.code,
                    "region_name": r.name,
                    "region_kind": r.kind,
                    "round": n + 1,
                    "bank": f"{bank.code} {bank.version}",
                    "persons": per_region,
                }
                for n, r in enumerate(regions)
            ],
            params=params,
            previous={i.code: i.params for i in free},
            snapshot={i.code: params.get(i.code, i.params) for i in items},
            standard_errors={code: {"a": 0.1, "b": 0.08, "c": None, "steps": []} for code in params},
            fit=fit,
            areas=[
                {
                    "area": a,
                    "persons": persons,
                    "items": 10,
                    "anchors": 2,
                    "scale": "anchors",
                    "pop_mean": 0.1,
                    "pop_sd": 1.0,
                    "iterations": 40,
                    "converged": True,
                    "max_change": 0.00005,
                }
                for a in areas
            ],
            area_models={
                str(a): {
                    "model": "2PL+c" if a == areas[0] else "2PL",
                    "fit": [
                        {
                            "model": "2PL",
                            "log_likelihood": -5000.0,
                            "n_params": 40,
                            "aic": 10080.0,
                            "bic": 10250.0,
                        },
                        {
                            "model": "2PL+c",
                            "log_likelihood": -4990.0,
                            "n_params": 40,
                            "aic": 10060.0,
                            "bic": 10230.0,
                        },
                    ],
                    "groups": [
                        {"group": g, "region": r.code, "n": per_region, "mean": 0.1 * g, "sd": 1.0}
                        for g, r in enumerate(regions)
                    ],
                }
                for a in areas
            },
            drift={
                "computed": True,
                "reason": "",
                "areas": [
                    {
                        "area": a,
                        "A": 1.02,
                        "B": -0.03,
                        "n_items": 2,
                        "item_ids": [i.code for i in anchors if int(i.competence.area.code) == a],
                        "holds": True,
                        "reason": "",
                        "rounds": 1,
                        "dropped": [],
                        "items": [
                            {
                                "id": i.code,
                                "b_reference": 0.0,
                                "b_linked": 0.05,
                                "displacement": 0.05,
                                "flagged": False,
                                "dropped": False,
                            }
                            for i in anchors
                            if int(i.competence.area.code) == a
                        ],
                    }
                    for a in areas
                ],
            },
            dif={
                "computed": True,
                "reason": "",
                "comparisons": [
                    {
                        "variable": "sex",
                        "reference": "P",
                        "focal": "L",
                        "n_reference": persons // 2,
                        "n_focal": persons // 2,
                        "note": "",
                        "items": [
                            {
                                "id": i.code,
                                "area": int(i.competence.area.code),
                                "n_reference": persons // 2,
                                "n_focal": persons // 2,
                                "delta": -1.8 if i.code == flagged else 0.2,
                                "se_delta": 0.3,
                                "chi2": 12.0 if i.code == flagged else 0.4,
                                "p_value": 0.0005 if i.code == flagged else 0.5,
                                "category": "C" if i.code == flagged else "A",
                            }
                            for i in free
                        ],
                    },
                    {
                        "variable": "region_kind",
                        "reference": "kota",
                        "focal": "kabupaten",
                        "n_reference": 0,
                        "n_focal": 0,
                        "note": "not analysed: 0 persons in the smaller group (fewer than 100)",
                        "items": [],
                    },
                ],
            },
            version_link={},
            review=[
                {"code": flagged, "reasons": ["dif_c:sex:L"]},
                {"code": free[1].code, "reasons": ["misfit"]},
            ],
        )
