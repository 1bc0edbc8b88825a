"""An admin opens one employee's report (from the unit page and the participant list) and its PDF; the
per-employee export names the areas and carries each employee's learning plan (#15, point 8)."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from accounts.roles import Role
from assessment.results import exports
from assessment.results.models import Score
from assessment.results.planning import shown_value
from assessment.results.services import reading, roadmaps
from audit.models import Event
from tests.assessment.results.test_pages import signed_in


def test_admin_opens_an_employees_report_from_the_unit_page_and_the_participant_list(scored: Any) -> None:
    region, round_ = scored
    admin, _ = signed_in(region, Role.REGION_ADMIN)
    score = (
        Score.objects.filter(round=round_, complete=True)
        .select_related("employee", "unit")
        .order_by("pk")
        .first()
    )
    url = f"/hasil/{round_.pk}/pegawai/{score.employee_id}/"

    unit_page = admin.get(f"/unit/{score.unit_id}/").content.decode()
    assert f'href="{url}?dari=unit"' in unit_page
    in_unit = Score.objects.filter(round=round_, unit_id=score.unit_id).count()
    assert unit_page.count(f'href="/hasil/{round_.pk}/pegawai/') == in_unit
    listed = admin.get(f"/ronde/{round_.pk}/peserta/", {"q": score.employee.nip}).content.decode()
    assert f'href="{url}?dari=peserta"' in listed

    page = admin.get(url, {"dari": "unit"})
    assert page.status_code == 200
    html = page.content.decode()
    assert score.employee.full_name.replace("'", "&#x27;") in html
    assert f'href="/unit/{score.unit_id}/"' in html  # the way back to where the admin came from
    assert f"{shown_value(score.index):.1f}".replace(".", ",") in html  # rounded down, as beside a level
    plan = roadmaps.personal_plan(score)
    assert [p.course.code for p in page.context["plan"].courses] == [p.course.code for p in plan.courses]
    for p in plan.courses:
        assert p.course.title in html
    assert "<svg" in html
    assert "Your strengths" not in html
    assert "Anda" not in html.split("<main", 1)[1]

    before = Event.objects.filter(kind="export.personal_data").count()
    pdf = admin.get(url + "laporan.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    event = Event.objects.filter(kind="export.personal_data").order_by("-id").first()
    assert Event.objects.filter(kind="export.personal_data").count() == before + 1
    assert event.details["what"] == "employee_report"
    assert event.subject_id == str(score.employee_id)

    # Only admins: a coordinator of the employee's own unit and the employee are refused.
    coordinator, user = signed_in(region, Role.UNIT_COORDINATOR)
    score.unit.coordinators.add(user)
    assert coordinator.get(url).status_code == 403
    assert coordinator.get(url + "laporan.pdf").status_code == 403
    assert (
        f"/hasil/{round_.pk}/pegawai/" not in coordinator.get(f"/ronde/{round_.pk}/peserta/").content.decode()
    )
    employee, _ = signed_in(region, Role.EMPLOYEE)
    assert employee.get(url).status_code == 403
    assert admin.get(f"/hasil/{round_.pk}/pegawai/999999/").status_code == 404


def test_an_incomplete_attempt_says_so(scored: Any) -> None:
    region, round_ = scored
    admin, _ = signed_in(region, Role.REGION_ADMIN)
    score = Score.objects.filter(round=round_).order_by("pk").first()
    Score.objects.filter(pk=score.pk).update(complete=False, index=None, level=0, answered=12)
    page = admin.get(f"/hasil/{round_.pk}/pegawai/{score.employee_id}/")
    assert page.status_code == 200
    assert 'id="person-incomplete"' in page.content.decode()
    assert "12" in page.content.decode()


def test_per_employee_export_names_the_areas_and_carries_the_learning_plan(scored: Any) -> None:
    _, round_ = scored
    areas = reading.framework_of(round_).areas
    sheet = openpyxl.load_workbook(io.BytesIO(exports.scores_table(round_, None, "xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    for code, _name in areas:
        assert any(
            str(h).startswith(f"Area {code} ") and len(str(h)) > len(f"Area {code} ") + 3 for h in header
        )
    assert header[-2:] == ["Rencana belajar tahun ini", "JP rencana"]
    by_nip = {r[0]: r for r in rows[1:]}
    checked = 0
    for score in Score.objects.filter(round=round_, complete=True).select_related("employee")[:25]:
        row = by_nip[score.employee.nip]
        plan = roadmaps.personal_plan(score)
        assert row[-1] == plan.total_jp
        assert 0 <= row[-1] <= 20
        for p in plan.courses:
            assert f"{p.course.code} {p.course.title} ({p.course.jp} JP)" in row[-2]
        checked += 1
    assert checked == 25

    text = exports.scores_table(round_, None, "csv").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert table[0][-2:] == ["Rencana belajar tahun ini", "JP rencana"]
    assert len(table) - 1 == Score.objects.filter(round=round_).count()  # one line per employee
