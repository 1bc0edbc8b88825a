"""Results follow the ASN categories: CPNS and PPPK Paruh Waktu are segments of their own, exports name
them."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from assessment.results import exports
from assessment.results.models import Aggregate, Score
from assessment.results.services import segments


def test_rank_groups_of_every_category() -> None:
    assert segments.rank_group("PNS", "III/c") == "III"
    assert segments.rank_group("CPNS", "II/a") == "II"  # a CPNS has a golongan, like a PNS
    assert segments.rank_group("PPPK", "IX") == "PPPK"
    assert segments.rank_group("PPPW", "V") == "PPPK"  # part-time PPPK have grades, like PPPK
    assert [key for key, _ in segments.DIMENSIONS["status"][1]] == ["PNS", "CPNS", "PPPK", "PPPW"]
    assert segments.label("status", "PPPW") == "PPPK Paruh Waktu"


def test_a_scored_round_keeps_the_categories_apart(scored: Any) -> None:
    _, round_ = scored
    statuses = set(Score.objects.filter(round=round_).values_list("status", flat=True))
    assert {"PNS", "CPNS", "PPPK", "PPPW"} <= statuses  # the demo register has all four
    groups = set(Aggregate.objects.filter(round=round_, dimension="status").values_list("key", flat=True))
    assert {"PNS", "PPPK"} <= groups
    sheet = openpyxl.load_workbook(io.BytesIO(exports.scores_table(round_, None, "xlsx"))).active
    written = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"PNS", "CPNS", "PPPK", "PPPK Paruh Waktu"} <= written
    assert "PPPW" not in written
