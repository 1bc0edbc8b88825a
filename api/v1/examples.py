"""Example answers of the rounds and results operations, as the OpenAPI document shows them (the shapes
are checked against the schema by tests/api/test_openapi.py)."""

from __future__ import annotations

from typing import Any

EDGES = [1.0, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0, 3.25, 3.5, 3.75, 4.0]
ROUND = {"id": 7, "name": "Pengukuran IKD 2026"}

_ROUND_ROW = {
    "id": 7,
    "name": "Pengukuran IKD 2026",
    "state": "published",
    "result_timing": "after_publication",
    "scored": True,
    "first_session_starts": "2026-08-04T08:00:00+08:00",
    "last_session_ends": "2026-08-04T16:00:00+08:00",
    "created_at": "2026-07-01T09:12:00+08:00",
}
ROUND_LIST: dict[str, Any] = {"count": 1, "results": [_ROUND_ROW]}
ROUND_DETAIL: dict[str, Any] = {
    **_ROUND_ROW,
    "participation": {"invited": 12500, "started": 10420, "finished": 10303},
    "units": [
        {"unit_id": 3, "unit": "Dinas Kesehatan", "invited": 412, "started": 398, "finished": 391},
        {"unit_id": 9, "unit": "Kecamatan Tenggarong", "invited": 64, "started": 60, "finished": 60},
    ],
}


def _figures(n: int, mean: float) -> dict[str, Any]:
    return {
        "n": n,
        "incomplete": 3,
        "mean": mean,
        "mean_se": 0.0061,
        "sd": 0.41,
        "ci_low": round(mean - 0.012, 4),
        "ci_high": round(mean + 0.012, 4),
        "level_shares": [0.18, 0.49, 0.29, 0.04],
        "areas": [
            {"area": str(a), "mean": round(mean + d, 4), "level_shares": [0.2, 0.5, 0.26, 0.04]}
            for a, d in zip(range(1, 6), (0.1, 0.05, -0.2, 0.0, -0.1), strict=True)
        ],
        "competence_means": {"1.1": 2.41, "1.2": 2.35, "4.2": 2.02},
        "histogram_edges": EDGES,
        "histogram": [12.0, 140.5, 611.2, 1520.8, 2210.1, 2301.4, 1742.3, 1030.6, 520.2, 150.9, 48.0, 5.0],
    }


_REGION = {
    "key": "all",
    "label": "",
    "suppressed": False,
    "reason": None,
    "eligible": None,
    "rank": None,
    "figures": _figures(10303, 2.3),
}
_UNIT = {
    "key": "3",
    "label": "Dinas Kesehatan",
    "suppressed": False,
    "reason": None,
    "eligible": 412,
    "rank": 5,
    "figures": _figures(391, 2.44),
}
_SMALL_UNIT = {
    "key": "41",
    "label": "Kelurahan Loa Ipuh",
    "suppressed": True,
    "reason": "primary",
    "eligible": 9,
    "rank": None,
    "figures": None,
}
REGION_RESULTS: dict[str, Any] = {
    "round": ROUND,
    "min_group": 10,
    "small_group": 30,
    "areas": {
        "1": "Literasi informasi dan data",
        "2": "Komunikasi dan kolaborasi",
        "3": "Pembuatan konten digital",
        "4": "Keamanan",
        "5": "Pemecahan masalah",
    },
    "region": _REGION,
}
UNIT_RESULTS: dict[str, Any] = {"round": ROUND, "min_group": 10, "units": [_UNIT, _SMALL_UNIT]}
UNIT_RESULT: dict[str, Any] = {"round": ROUND, "min_group": 10, "unit": _UNIT}
SEGMENT_RESULTS: dict[str, Any] = {
    "round": ROUND,
    "min_group": 10,
    "segments": [
        {
            "dimension": "sex",
            "label": "Jenis kelamin",
            "withheld": False,
            "groups": [
                {**_UNIT, "key": "L", "label": "Laki-laki", "eligible": None, "rank": None},
                {**_UNIT, "key": "P", "label": "Perempuan", "eligible": None, "rank": None},
            ],
        }
    ],
}

_PLANNED = {
    "code": "PLT-03",
    "title": "Keamanan informasi untuk ASN",
    "provider": "BPSDM Provinsi",
    "mode": "e-learning",
    "jp": 8,
    "cost_idr": 0,
    "competences": ["4.1", "4.2"],
    "reason": "Untuk 4.2 (kini 1,8; target 3).",
}
_PERSON = {
    "round": ROUND,
    "employee": {"nip": "198507122010011003", "name": "Andi Pratama"},
    "unit": {"id": 3, "code": "DINKES", "name": "Dinas Kesehatan"},
    "complete": True,
    "index": 2.31,
    "index_low": 2.05,
    "index_high": 2.57,
    "level": 2,
    "level_name": "Menengah",
    "areas": [{"area": "4", "name": "Keamanan", "score": 1.92, "level": 2}],
    "competences": [
        {"code": "4.2", "name": "Melindungi data pribadi dan privasi", "level": 1.83, "shown": 1.8, "band": 2}
    ],
    "learning_plan": {
        "courses": [_PLANNED],
        "total_jp": 8,
        "total_cost_idr": 0,
        "gaps": [{"competence": "4.2", "level": 1.83, "target": 3}],
        "uncovered": [],
        "later": [],
    },
}
PERSON_PAGE: list[dict[str, Any]] = [_PERSON]  # spectacular wraps it in the page (next, previous)
PERSON_RESULTS: dict[str, Any] = {"results": [_PERSON]}
