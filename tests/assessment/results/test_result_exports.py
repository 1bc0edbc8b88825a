"""Exports of results: per employee (formula-safe XLSX and CSV), reports and the roadmap as PDF/XLSX."""

from __future__ import annotations

import io
from typing import Any

import openpyxl

from assessment.people.models import Employee
from assessment.results import exports, reports
from assessment.results.models import Score
from assessment.results.planning import PersonNeed, learning_plan, roadmap
from assessment.results.services import catalogue


def test_results_per_employee_are_formula_safe_and_complete(scored: Any) -> None:
    _, round_ = scored
    first = Score.objects.filter(round=round_).select_related("employee").order_by("pk").first()
    Employee.objects.filter(pk=first.employee_id).update(full_name="=HYPERLINK(1)")
    sheet = openpyxl.load_workbook(io.BytesIO(exports.scores_table(round_, None, "xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("NIP", "Nama", "Unit Kerja")
    assert len(rows) - 1 == Score.objects.filter(round=round_).count()
    assert all(isinstance(r[0], str) and len(r[0]) == 18 for r in rows[1:])
    assert "'=HYPERLINK(1)" in [r[1] for r in rows]
    text = exports.scores_table(round_, [first.unit_id], "csv").decode("utf-8-sig")
    lines = text.splitlines()
    assert len(lines) - 1 == Score.objects.filter(round=round_, unit_id=first.unit_id).count()
    assert "'=HYPERLINK(1)" in text


def test_reports_and_roadmap_documents(scored: Any) -> None:
    region, round_ = scored
    region.name = "Kota <Samarinda> & Sekitarnya"  # markup-like names
    report = reports.region_report_pdf(round_, region)
    assert report.startswith(b"%PDF")
    assert len(report) > 3000
    score = Score.objects.filter(round=round_).select_related("employee", "unit", "round").first()
    unit = reports.region_report_pdf(round_, region, [score.unit_id], score.unit.name)
    assert unit.startswith(b"%PDF")
    plan = learning_plan(score.competences, catalogue.courses())
    assert reports.person_report_pdf(score, "Kota Samarinda", plan).startswith(b"%PDF")
    people = [
        PersonNeed(s.unit.name, s.index, {str(a["area"]): a["score"] for a in s.areas}, s.competences)
        for s in Score.objects.filter(round=round_).select_related("unit")
    ]
    road = roadmap(people, catalogue.courses(), target_index=2.5, years=2)
    assert reports.roadmap_pdf(road, "Kota Samarinda", round_.name).startswith(b"%PDF")
    book = openpyxl.load_workbook(io.BytesIO(exports.roadmap_xlsx(road))).active
    cells = [c for row in book.iter_rows(values_only=True) for c in row if c is not None]
    assert "Per pelatihan" in cells
    assert road.total_jp in cells
