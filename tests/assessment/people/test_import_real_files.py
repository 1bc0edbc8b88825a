"""Registers as regions really send them: a column left out, a summary sheet first, an export imported
back, the spellings of SIMPEG and hand-made files. Each case failed (or lost data) before its fix."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from assessment.people.models import Employee, ImportJob
from assessment.people.services import employees as register
from assessment.people.services import importing, staging, units
from tests.assessment.people.test_import import HEADER, ROW_1, ROW_2, ROW_3, csv, errors_of
from tests.assessment.people.test_people_pages import admin, run_task_now  # noqa: F401 (fixture)

REQUIRED_ONLY = "NIP;Nama;Unit Kerja;Jenis Jabatan;Status Kepegawaian;Jenis Kelamin"


def _required_only(row: str) -> str:
    cells = row.split(";")
    return ";".join(cells[i] for i in (0, 1, 2, 4, 5, 8))


def stored(nip: str) -> Employee:
    return Employee.objects.get(nip=nip)


def test_a_file_without_optional_columns_keeps_what_the_register_holds(region: Any) -> None:
    staging.import_file(csv(ROW_1, ROW_2, ROW_3), "lengkap.csv")
    rows = [_required_only(row) for row in (ROW_1, ROW_2, ROW_3)]
    plan = importing.check(csv(*rows, header=REQUIRED_ONLY), "wajib-saja.csv")
    assert (plan.summary()["changed"], plan.summary()["unchanged"]) == (0, 3)
    assert plan.kept == ["position_title", "rank", "education", "birth_date", "email", "phone"]
    staging.apply_plan(plan)
    budi = stored("198703122010011003")
    assert (budi.rank, budi.education, budi.email, budi.phone, budi.position_title) == (
        "III/c",
        "S1",
        "budi@kukarkab.go.id",
        "081234567890",
        "Pranata Komputer",
    )


def test_a_column_the_file_has_still_changes_and_a_new_employee_gets_blanks(region: Any) -> None:
    staging.import_file(csv(ROW_1, ROW_2), "lengkap.csv")
    header = REQUIRED_ONLY + ";Golongan"
    budi = _required_only(ROW_1) + ";III/d"
    andi = _required_only(ROW_3) + ";VII"
    plan = importing.check(csv(budi, andi, header=header), "golongan.csv")
    assert (len(plan.changed), len(plan.new), plan.unchanged) == (1, 1, 0)
    staging.apply_plan(plan)
    assert (stored("198703122010011003").rank, stored("198703122010011003").email) == (
        "III/d",
        "budi@kukarkab.go.id",
    )
    assert (stored("199512202023211004").rank, stored("199512202023211004").email) == ("VII", "")


def test_the_check_page_names_kept_and_ignored_columns(
    admin: Client,  # noqa: F811
    region_a: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_task_now(monkeypatch)
    with schema_context(region_a.schema_name):
        staging.import_file(csv(ROW_1), "lengkap.csv")
    header = REQUIRED_ONLY + ";Keterangan"
    upload = SimpleUploadedFile("pegawai.csv", csv(_required_only(ROW_1) + ";pindahan", header=header))
    body = admin.post("/pegawai/impor/", {"file": upload}, follow=True).content.decode()
    assert 'id="import-kept"' in body
    assert "Golongan, Pendidikan" in body
    assert 'id="import-ignored"' in body
    assert "Keterangan" in body
    with schema_context(region_a.schema_name):
        job = ImportJob.objects.get(filename="pegawai.csv")
        assert job.state == "checked"
        assert admin.post(f"/pegawai/impor/{job.pk}/simpan/").status_code == 302
        assert stored("198703122010011003").rank == "III/c"


def test_a_recheck_keeps_the_columns_the_file_lacks(region: Any) -> None:
    staging.import_file(csv(ROW_1), "lengkap.csv")
    job = ImportJob.objects.create(filename="wajib.csv", content=b"", state=ImportJob.State.CHECKED)
    staging.stage(job, importing.check(csv(_required_only(ROW_1), header=REQUIRED_ONLY), "wajib.csv"))
    Employee.objects.filter(nip="198703122010011003").update(email="baru@kukarkab.go.id")  # meanwhile
    plan = staging.replan(job)
    assert (plan.unchanged, plan.changed) == (1, [])
    staging.apply_staged(job)
    assert stored("198703122010011003").email == "baru@kukarkab.go.id"


def _book(*sheets: tuple[str, list[list[object]], str]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        sheet.sheet_state = state
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows(*rows: str) -> list[list[object]]:
    return [HEADER.split(";"), *(row.split(";") for row in rows)]


@pytest.mark.parametrize(
    "first",
    [
        ("Sheet1", [], "visible"),
        ("Ref", [["PNS"], ["PPPK"]], "hidden"),
        ("Rekap", [["Unit Kerja", "Jumlah"], ["Dinas Kesehatan", 2]], "visible"),
    ],
    ids=["empty-first", "hidden-first", "summary-first"],
)
def test_the_register_sheet_is_found_behind_other_sheets(region: Any, first: tuple[Any, ...]) -> None:
    data = _book(first, ("DATA PEGAWAI", _rows(ROW_1, ROW_2), "visible"))
    plan = importing.check(data, "simpeg.xlsx")
    assert errors_of(plan) == []
    assert len(plan.new) == 2


def test_a_workbook_without_a_register_sheet_names_the_sheet_it_read(region: Any) -> None:
    data = _book(("Rekap", [["Unit Kerja", "Jumlah"], ["Dinas Kesehatan", 2]], "visible"))
    (error,) = errors_of(importing.check(data, "rekap.xlsx"))
    assert "Kolom wajib tidak ditemukan" in error[2]
    assert "pada lembar 'Rekap'" in error[2]


def test_an_export_imports_back_unchanged_with_former_staff(region: Any) -> None:
    staging.import_file(csv(ROW_1, ROW_2, ROW_3), "lengkap.csv")
    register.set_active(stored("199512202023211004"), False)  # Andi left; then his unit was closed
    units.retire_unit(units_by_code("KEC-TGR"))
    for kind in ("csv", "xlsx"):
        exported = register.export(register.search(active="all"), kind)
        plan = importing.check(exported, f"ekspor.{kind}")
        assert errors_of(plan) == [], kind
        assert (plan.unchanged, len(plan.changed), len(plan.new)) == (3, 0, 0), kind
    staging.apply_plan(importing.check(register.export(register.search(active="all"), "csv"), "ekspor.csv"))
    assert stored("199512202023211004").is_active is False


def test_the_aktif_column_deactivates_and_a_bad_value_is_named(region: Any) -> None:
    staging.import_file(csv(ROW_1, ROW_2), "lengkap.csv")
    plan = importing.check(csv(ROW_1 + ";Ya", ROW_2 + ";Tidak", header=HEADER + ";Aktif"), "aktif.csv")
    assert len(plan.changed) == 1
    staging.apply_plan(plan)
    assert (stored("198703122010011003").is_active, stored("199001052015032001").is_active) == (True, False)
    bad = importing.check(csv(ROW_1 + ";Mungkin", header=HEADER + ";Aktif"), "aktif.csv")
    assert errors_of(bad) == [(2, "Aktif", "Aktif harus Ya atau Tidak (tertulis “Mungkin”).")]


def units_by_code(code: str) -> Any:
    from assessment.people.models import WorkUnit

    return WorkUnit.objects.get(code=code)


def test_an_unknown_unit_is_reported_under_the_files_own_header(region: Any) -> None:
    header = HEADER.replace("Unit Kerja", "OPD")
    plan = importing.check(csv(ROW_1.replace("Dinas Kesehatan", "Dinas Pariwisata"), header=header), "p.csv")
    (error,) = errors_of(plan)
    assert error[:2] == (2, "OPD")
    assert "Dinas Pariwisata" in error[2]


def test_values_too_long_for_the_register_are_row_errors(region: Any) -> None:
    long_email = "a" * 300 + "@kukarkab.go.id"
    long_unit = "Unit " + "x" * 240
    long_name = "Nama " + "y" * 240
    rows = [
        ROW_1.replace("budi@kukarkab.go.id", long_email),
        ROW_2.replace("Dinas Kesehatan", long_unit),
        ROW_3.replace("Andi Pratama", long_name),
    ]
    plan = importing.check(csv(*rows), "panjang.csv", create_units=True)
    assert errors_of(plan) == [
        (2, "Email", "Alamat email terlalu panjang: 315 karakter, paling banyak 254."),
        (3, "Unit Kerja", "Isi terlalu panjang: 245 karakter, paling banyak 200."),
        (4, "Nama", "Isi terlalu panjang: 245 karakter, paling banyak 200."),
    ]
    assert Employee.objects.count() == 0


def test_a_pppk_number_that_excel_rounded_is_refused_with_the_reason(region: Any) -> None:
    rounded = ROW_3.replace("199512202023211004", "199512202023211000")
    (error,) = errors_of(importing.check(csv(rounded), "p.csv"))
    assert error[:2] == (2, "NIP")
    assert "Excel" in error[2]


def test_everyday_spellings_of_registers_are_read(region: Any) -> None:
    budi = (
        "198703122010011003;Budi Santoso;Dinas Kesehatan;Pranata Komputer;Jabatan Fungsional Tertentu;PNS;"
        "Penata (III/c);S-1;Laki-laki;12-Mar-1987;;"
    )
    siti = (
        "199001052015032001;Siti Aminah;Dinas Kesehatan;Kepala Seksi;Jabatan Pimpinan Tinggi;PNS;III/a;"
        "D-3;P;1990-01-05 00:00:00;;"
    )
    plan = importing.check(csv(budi, siti), "simpeg.csv")
    assert errors_of(plan) == []
    staging.apply_plan(plan)
    b, s = stored("198703122010011003"), stored("199001052015032001")
    assert (b.position_type, b.rank, b.education, b.birth_date) == (
        "fungsional",
        "III/c",
        "S1",
        date(1987, 3, 12),
    )
    assert (s.position_type, s.education, s.birth_date) == ("struktural", "D3", date(1990, 1, 5))


def test_a_birth_date_cell_that_lost_its_format_is_read_as_excels_day_number(region: Any) -> None:
    rows = _rows(ROW_1)
    rows[1][9] = 31848  # 12 March 1987 as Excel counts days, in a cell formatted as a number
    plan = importing.check(_book(("Pegawai", rows, "visible")), "p.xlsx")
    assert errors_of(plan) == []
    assert plan.new[0].birth_date == date(1987, 3, 12)


def test_a_quote_left_open_in_a_csv_refuses_the_file_instead_of_swallowing_rows(region: Any) -> None:
    opened = ROW_3.replace("Andi Pratama", '"Andi Pratama')
    bayu = ROW_2.replace("199001052015032001", "199612202023211005").replace("Siti Aminah", 'Bayu" Putra')
    (error,) = errors_of(importing.check(csv(ROW_1, opened, bayu), "kutip.csv"))
    assert error[0] == 0
    assert error[2].startswith('Baris 3: sebuah sel diawali tanda kutip (") yang tidak ditutup')


def test_a_printout_numbering_repeated_header_and_signature_are_left_out(region: Any) -> None:
    numbering = [f"({n})" for n in range(1, 13)]
    rows = [
        ["DAFTAR PEGAWAI KECAMATAN TENGGARONG"],
        HEADER.split(";"),
        numbering,
        ROW_1.split(";"),
        HEADER.split(";"),  # the header again on the printout's second page
        ROW_2.split(";"),
        [],
        ["", "Tenggarong, 1 Desember 2026"],
        ["", "Kepala BKPSDM"],
        ["NIP. 197001012000031001"],
    ]
    plan = importing.check(_book(("Pegawai", rows, "visible")), "cetakan.xlsx")
    assert errors_of(plan) == []
    assert len(plan.new) == 2
    assert plan.skipped_rows == [3, 5, 8, 9, 10]


def test_an_incomplete_row_inside_the_data_is_still_an_error(region: Any) -> None:
    only_name = ";Siti Aminah;;;;;;;;;;"
    errors = errors_of(importing.check(csv(ROW_1, only_name, ROW_3), "p.csv"))
    assert (3, "NIP", "NIP wajib diisi.") in errors
