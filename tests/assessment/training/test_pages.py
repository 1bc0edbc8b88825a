"""What the admin and the employee see: JP this year on the result page, the overview by unit with the
learning plans planned against done, and the BKPSDM export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from assessment.people.models import Employee
from assessment.results.models import Score, TrainingCourse
from assessment.rounds.models import Participant, Round
from assessment.rounds.services import codes
from assessment.training.models import Source
from assessment.training.services import overview, recording
from tests.assessment.results.conftest import scored_round
from tests.assessment.training.conftest import HOST, signed_in


@pytest.fixture
def scored(region_a: Any) -> Iterator[tuple[Any, Round]]:
    """A scored round, the test running in the region's time zone as its pages do: the records' dates
    and the round's scoring day are then the same calendar's (Samarinda's WITA and the default WIB
    differ by a day from 16:00 to 17:00 UTC)."""
    call_command("load_instrument")
    with schema_context(region_a.schema_name), timezone.override(region_a.tzinfo):
        yield region_a, scored_round(region_a, employees=60, takers=50)


def add(employee: Employee, title: str, jp: str, provider: str = "", certificate: str = "") -> None:
    row = {
        "nip": employee.nip,
        "course_title": title,
        "provider": provider,
        "completed_on": timezone.localdate().isoformat(),
        "jp": jp,
        "certificate_number": certificate,
    }
    recording.save(recording.check([(1, row)], {}), Source.MANUAL)


def test_the_result_page_shows_jp_this_year(scored: Any) -> None:
    region, round_ = scored
    score = Score.objects.filter(round=round_, complete=True).select_related("employee").first()
    assert score is not None
    add(score.employee, "Etika Digital", "7.5")
    add(score.employee, "Keamanan Siber", "5")
    client = signed_in(region)
    page = client.get(f"/hasil/{round_.pk}/pegawai/{score.employee_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="training-hours"' in html
    assert "12,5" in html or "12.5" in html
    assert 'value="62"' in html  # 12.5 of 20
    assert "Keamanan Siber" in html
    assert "JP tahun ini: 12,5 dari 20" in html or "JP tahun ini: 12.5 dari 20" in html

    taker = Client(HTTP_HOST=HOST)
    participant = Participant.objects.get(round=round_, employee=score.employee)
    assert (
        taker.post("/tes/", {"nip": score.employee.nip, "code": codes.code_for(participant)}).status_code
        == 302
    )
    own = taker.get("/tes/hasil/")
    assert own.status_code == 200
    assert 'id="training-hours"' in own.content.decode()
    assert "Etika Digital" in own.content.decode()


def test_overview_plan_against_done_and_export(scored: Any) -> None:
    region, round_ = scored
    year = timezone.localdate().year
    plans = overview._plans(round_)
    employee_id, planned = next(iter(plans.items()))
    code, jp = planned[0]
    course = TrainingCourse.objects.get(code=code)
    person = Employee.objects.get(pk=employee_id)
    add(person, course.title, str(max(jp, 20)), course.provider, "P-1")
    other = Employee.objects.filter(is_active=True).exclude(pk=employee_id).first()
    assert other is not None
    add(other, "Kursus di luar katalog", "3")

    progress = overview.plan_progress(year)
    assert progress is not None
    assert progress.round_id == round_.pk
    assert progress.people_planned == len(plans)
    assert (progress.courses_done, progress.jp_done, progress.people_started) == (1, jp, 1)
    assert progress.people_met == (1 if len(planned) == 1 else 0)
    assert progress.jp_planned == sum(j for p in plans.values() for _, j in p)

    units, total = overview.completion_by_unit(year)
    active = Employee.objects.filter(is_active=True).count()
    assert (total.people, total.met) == (active, 1)
    assert total.jp_total == Decimal(max(jp, 20)) + 3
    mine = next(u for u in units if u.unit_id == person.unit_id)
    assert mine.met == 1
    assert sum(u.people for u in units) == active

    client = signed_in(region)
    page = client.get("/pelatihan/capaian/", {"tahun": year})
    assert page.status_code == 200
    assert page.context["plan"] == progress
    assert page.context["total"] == total

    exported = client.get("/pelatihan/ekspor.csv", {"tahun": year})
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["NIP", "Nama", "Unit Kerja"]
    assert rows[0][8] == "Memenuhi 20 JP"
    by_nip = {r[0]: r for r in rows[1:]}
    assert len(by_nip) == active
    assert by_nip[person.nip][8] == "Ya"
    assert course.title in by_nip[person.nip][10]
    assert by_nip[other.nip][7:9] == ["3", "Tidak"]
    recap = client.get(f"/pelatihan/ekspor.csv?tahun={year}&isi=unit")
    recap_rows = list(csv.reader(io.StringIO(recap.content.decode("utf-8-sig")), delimiter=";"))
    assert recap_rows[-1][:3] == ["Total daerah", str(active), "1"]
    assert client.get("/pelatihan/ekspor.xlsx", {"tahun": year}).status_code == 200
    assert client.get("/pelatihan/ekspor.pdf").status_code == 404
