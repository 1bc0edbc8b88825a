"""Importing training records from a file: the good file, every refusal with its row and column, all or
nothing, repeated imports not counted twice, the template, and who may import."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from assessment.results.models import TrainingCourse
from assessment.results.services import catalogue
from assessment.training.models import Source, TrainingRecord
from assessment.training.services.hours import jp_by_employee
from audit.models import Event
from frontend.tabular import write_xlsx
from tests.assessment.training.conftest import ANDI, BUDI, SITI, signed_in

HEADER = "NIP;Nama Pelatihan;Penyelenggara;Tanggal Selesai;JP;Nomor Sertifikat\n"
# Last year: every date of the files below has passed, whatever the day the suite runs on (15 March of
# this year would be a future date until then, and refused).
YEAR = timezone.localdate().year - 1


def csv_file(*lines: str, name: str = "pelatihan.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (HEADER + "\n".join(lines) + "\n").encode())


def upload(client: Any, file: SimpleUploadedFile) -> Any:
    return client.post("/pelatihan/impor/", {"file": file})


def test_a_good_file_is_saved_matched_and_audited(people: Any, region_a: Any) -> None:
    catalogue.ensure_seeded()
    course = TrainingCourse.objects.order_by("code").first()
    assert course is not None
    client = signed_in(region_a)
    response = upload(
        client,
        csv_file(
            f"{BUDI};{course.title.upper()}  ;{course.provider};15-03-{YEAR};12;SRT-1",
            f"{BUDI};Keamanan Siber Dasar;BSSN;{YEAR}-04-01;9,5;",
            f"'{SITI};Menulis Naskah Dinas;BKPSDM;01/02/{YEAR};4;SRT-9",
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TrainingRecord.objects.count() == 3
    first = TrainingRecord.objects.get(certificate_number="SRT-1")
    assert (first.course_id, first.source, first.jp) == (course.pk, Source.IMPORT, Decimal("12.0"))
    assert TrainingRecord.objects.get(course_title="Keamanan Siber Dasar").course_id is None
    assert jp_by_employee(YEAR, [people["budi"].pk, people["andi"].pk]) == {
        people["budi"].pk: Decimal("21.5"),
        people["andi"].pk: Decimal("0"),
    }
    event = Event.objects.get(kind="import.training_records")
    assert event.details["added"] == 3


def test_the_same_file_twice_counts_each_training_once(people: Any, region_a: Any) -> None:
    client = signed_in(region_a)
    line = f"{BUDI};Literasi Data;LAN;15-03-{YEAR};20;A-1"
    assert upload(client, csv_file(line)).status_code == 302
    assert upload(client, csv_file(line.replace("Literasi Data", "literasi  data"))).status_code == 302
    assert TrainingRecord.objects.count() == 1
    assert jp_by_employee(YEAR) == {people["budi"].pk: Decimal("20.0")}


def test_every_bad_row_is_named_and_nothing_is_saved(people: Any, region_a: Any) -> None:
    client = signed_in(region_a)
    future = (timezone.localdate() + timedelta(days=2)).strftime("%d-%m-%Y")
    response = upload(
        client,
        csv_file(
            f"{BUDI};Literasi Data;LAN;15-03-{YEAR};20;A-1",  # good: still not saved
            f"198001012005011999;Literasi Data;LAN;15-03-{YEAR};20;",  # unknown NIP
            f"{SITI};Literasi Data;LAN;31-02-{YEAR};20;",  # no such date
            f"{SITI};Etika Digital;LAN;15-03-{YEAR};dua puluh;",  # JP not a number
            f"{ANDI};Etika Digital;LAN;15-03-{YEAR};0;",  # JP out of range
            f"{ANDI};;LAN;15-03-{YEAR};3;",  # no title
            f"{ANDI};Etika Digital;LAN;{future};3;",  # future
            f"{BUDI};literasi data;LAN;15-03-{YEAR};20;A-1",  # duplicate of row 2
        ),
    )
    assert response.status_code == 400
    found = {(p.row, p.column): p.message for p in response.context["problems"]}
    assert "tidak terdaftar" in found[(3, "NIP")]
    assert "tanggal tidak valid" in found[(4, "Tanggal Selesai")]
    assert "JP harus berupa angka" in found[(5, "JP")]
    assert "antara 0,5 dan 500" in found[(6, "JP")]
    assert "wajib diisi" in found[(7, "Nama Pelatihan")]
    assert "belum terjadi" in found[(8, "Tanggal Selesai")]
    assert "baris 2" in found[(9, "Nama Pelatihan")]
    assert len(found) == 7
    assert "Baris" in response.content.decode() or "Row" in response.content.decode()
    assert TrainingRecord.objects.count() == 0


def test_an_xlsx_file_with_the_template_columns(people: Any, region_a: Any) -> None:
    client = signed_in(region_a)
    template = client.get("/pelatihan/impor/templat.xlsx")
    assert template.status_code == 200
    headers = [c.value for c in next(load_workbook(io.BytesIO(template.content))["Pegawai"].iter_rows())]
    assert headers == ["NIP", "Nama Pelatihan", "Penyelenggara", "Tanggal Selesai", "JP", "Nomor Sertifikat"]
    content = write_xlsx(
        headers, [[ANDI, "Etika Digital", "LAN", date(YEAR, 1, 10), 2.5, "X"]], sheet_title="Pegawai"
    )
    response = upload(client, SimpleUploadedFile("pelatihan.xlsx", content))
    assert response.status_code == 302
    assert TrainingRecord.objects.get().jp == Decimal("2.5")


def test_a_file_that_is_no_register_is_refused_whole(people: Any, region_a: Any) -> None:
    client = signed_in(region_a)
    response = upload(client, SimpleUploadedFile("pelatihan.csv", b"Nama;Alamat\nx;y\n"))
    assert response.status_code == 400
    assert response.context["problems"][0].row == 0


def test_only_region_admins_import(people: Any, region_a: Any) -> None:
    client = signed_in(region_a, Role.UNIT_COORDINATOR)
    assert upload(client, csv_file(f"{BUDI};Literasi Data;LAN;15-03-{YEAR};20;")).status_code in (302, 403)
    assert TrainingRecord.objects.count() == 0
