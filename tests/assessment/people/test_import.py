"""Importing the staff register: every real-world case, with its message, and all or nothing."""

from __future__ import annotations

import importlib
import io
from typing import Any

import openpyxl
import pytest

from assessment.people.models import Employee, WorkUnit
from assessment.people.services import employees as register
from assessment.people.services import importing, staging

HEADER = (
    "NIP;Nama;Unit Kerja;Jabatan;Jenis Jabatan;Status Kepegawaian;Golongan;Pendidikan;Jenis Kelamin;"
    "Tanggal Lahir;Email;Nomor HP"
)
ROW_1 = (
    "198703122010011003;Budi Santoso;Dinas Kesehatan;Pranata Komputer;Fungsional;PNS;III/c;S1;L;12-03-1987;"
    "budi@kukarkab.go.id;081234567890"
)
ROW_2 = "199001052015032001;Siti Aminah;Dinas Kesehatan;Perawat;Fungsional;PNS;III/a;D3;P;05-01-1990;;"
ROW_3 = (
    "199512202023211004;Andi Pratama;Kecamatan Tenggarong;Pengadministrasi;Pelaksana;PPPK;VII;SMA/SMK;L;;;"
)


def csv(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode(encoding)


def errors_of(plan: importing.Plan) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in plan.rejected]


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Employee.objects.order_by("nip").values_list("nip", "full_name", "unit__code", "is_active", "rank")
    )


def test_clean_file_is_checked_then_imported(region: Any) -> None:
    plan = importing.check(csv(ROW_1, ROW_2, ROW_3), "pegawai.csv")
    assert plan.summary() == {
        "rows": 3,
        "new": 3,
        "changed": 0,
        "unchanged": 0,
        "deactivated": 0,
        "rejected": 0,
        "units_created": 0,
    }
    assert Employee.objects.count() == 0  # the check writes nothing
    staging.apply_plan(plan)
    budi = Employee.objects.get(nip="198703122010011003")
    assert (budi.unit.code, budi.rank, budi.sex, str(budi.birth_date)) == (
        "DINKES",
        "III/c",
        "L",
        "1987-03-12",
    )
    andi = Employee.objects.get(nip="199512202023211004")
    assert (andi.employment_status, andi.rank) == ("PPPK", "VII")


def test_upsert_by_nip_counts_changed_unchanged_and_deactivated(region: Any) -> None:
    staging.import_file(csv(ROW_1, ROW_2, ROW_3), "a.csv")
    renamed = ROW_2.replace("Siti Aminah", "Siti Aminah, A.Md.Kep.")
    plan = importing.check(csv(ROW_1, renamed), "b.csv", deactivate_missing=True)
    assert (len(plan.new), len(plan.changed), plan.unchanged, len(plan.deactivated)) == (0, 1, 1, 1)
    staging.apply_plan(plan)
    assert Employee.objects.get(nip="199001052015032001").full_name == "Siti Aminah, A.Md.Kep."
    assert not Employee.objects.get(nip="199512202023211004").is_active


def test_title_rows_headers_in_any_order_and_case_trailing_spaces(region: Any) -> None:
    data = (
        b"DAFTAR PEGAWAI PEMERINTAH KABUPATEN KUTAI KARTANEGARA\n\n"
        b"jenis kelamin;NAMA ;nip;unit kerja;jenis jabatan;status kepegawaian\n"
        b"L;Budi Santoso  ;198703122010011003;  dinas  KESEHATAN ;Fungsional;PNS\n"
    )
    plan = importing.check(data, "pegawai.csv")
    assert plan.rejected == []
    assert plan.new[0].full_name == "Budi Santoso"
    assert plan.new[0].unit == "dinas KESEHATAN"  # matched to "Dinas Kesehatan" (case and spacing)
    staging.apply_plan(plan)
    assert Employee.objects.get().unit.code == "DINKES"


def test_leading_apostrophe_and_windows_1252_and_bom(region: Any) -> None:
    row = (
        "'198703122010011003;Siti Nur\u2019aini;Dinas Kesehatan;Bidan;Fungsional;PNS;III/b;D3;P;12-03-1987;;"
    )
    # The NIP's sex digit says male; this row says P, so use a female NIP for the cp1252 case.
    row = row.replace("198703122010011003", "198703122010012003")
    assert importing.check(csv(row, encoding="cp1252"), "ansi.csv").rejected == []
    assert importing.check(b"\xef\xbb\xbf" + csv(row), "bom.csv").rejected == []
    comma = csv(row.replace(";", ","), header=HEADER.replace(";", ","))
    assert importing.check(comma, "comma.csv").new[0].full_name == "Siti Nur\u2019aini"


def test_nip_in_scientific_notation_is_refused_with_the_reason(region: Any) -> None:
    plan = importing.check(csv(ROW_1.replace("198703122010011003", "1,98703E+17")), "excel.csv")
    [(row, column, message)] = errors_of(plan)
    assert (row, column) == (2, "NIP")
    assert "digit terakhirnya hilang" in message


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADERS = HEADER.split(";")


def test_xlsx_nip_stored_as_a_number_lost_its_digits(region: Any) -> None:
    data = xlsx(
        [HEADERS, [198703122010011003.0, "Budi", "Dinas Kesehatan", "", "Fungsional", "PNS", "", "", "L"]]
    )
    [(row, column, message)] = errors_of(importing.check(data, "pegawai.xlsx"))
    assert (row, column) == (2, "NIP")
    assert "Format kolom NIP sebagai Teks" in message


def test_formula_cells_are_never_evaluated(region: Any) -> None:
    data = xlsx(
        [HEADERS, ["198703122010011003", "=1+1", "Dinas Kesehatan", "", "Fungsional", "PNS", "", "", "L"]]
    )
    [(row, column, message)] = errors_of(importing.check(data, "pegawai.xlsx"))
    assert (row, column) == (2, "Nama")
    assert "rumus" in message


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"%PDF-1.7 ...", "pegawai.pdf", "Jenis berkas tidak didukung"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "pegawai.xls", "Excel 97-2003"),
        (b"", "pegawai.csv", "kosong"),
        (csv(), "pegawai.csv", "tidak berisi data pegawai"),
        (b"Nama;Jabatan\nBudi;Staf\n", "pegawai.csv", "Kolom wajib tidak ditemukan"),
    ],
)
def test_file_level_errors(region: Any, data: bytes, filename: str, message: str) -> None:
    [(row, _column, text)] = errors_of(importing.check(data, filename))
    assert row == 0
    assert message in text


def test_file_over_the_size_limit(region: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "MAX_BYTES", 100)
    [(_, _, message)] = errors_of(importing.check(csv(ROW_1, ROW_2), "besar.csv"))
    assert "terlalu besar" in message


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (ROW_1.replace("198703122010011003", "19870312201001100"), "NIP", "18 digit"),
        (ROW_1.replace("198703122010011003", "198713122010011003"), "NIP", "Tanggal lahir dalam NIP"),
        (ROW_1.replace("198703122010011003", "198703122010013003"), "NIP", "jenis kelamin"),
        (ROW_1.replace(";L;", ";P;"), "Jenis Kelamin", "tidak sesuai dengan NIP"),
        (ROW_1.replace("12-03-1987", "13-03-1987"), "Tanggal Lahir", "tidak sesuai dengan NIP"),
        (ROW_1.replace("Budi Santoso", ""), "Nama", "wajib diisi"),
        (ROW_1.replace(";PNS;", ";Honorer;"), "Status Kepegawaian", "PNS, CPNS, PPPK atau PPPK Paruh Waktu"),
        (ROW_1.replace("III/c", "III/f"), "Golongan", "I/a dan IV/e"),
        (ROW_1.replace(";S1;", ";SMEA;"), "Pendidikan", "Pendidikan harus"),
        (ROW_1.replace("Fungsional", "Honor"), "Jenis Jabatan", "Struktural, Fungsional atau Pelaksana"),
        (ROW_1.replace("budi@kukarkab.go.id", "budi@"), "Email", "Alamat email tidak valid"),
        (ROW_1.replace("081234567890", "12345"), "Nomor HP", "Nomor HP tidak valid"),
        (ROW_1.replace("Dinas Kesehatan", "Dinas Pariwisata"), "Unit Kerja", "tidak dikenal"),
    ],
)
def test_row_errors_name_row_column_and_reason(region: Any, row: str, column: str, message: str) -> None:
    plan = importing.check(csv(ROW_2, row), "pegawai.csv")
    problems = errors_of(plan)
    assert any(r == 3 and c == column and message in m for r, c, m in problems), problems


def test_duplicate_nips_in_the_file(region: Any) -> None:
    [(row, column, message)] = errors_of(importing.check(csv(ROW_1, ROW_2, ROW_1), "dobel.csv"))
    assert (row, column) == (4, "NIP")
    assert message.startswith("NIP 198703122010011003 ada di dua baris: baris 2 dan baris 4.")


def test_a_duplicate_nip_is_reported_on_a_row_that_has_other_errors_too(region: Any) -> None:
    """Row 4 repeats row 2's NIP and has a wrong sex code and no name: all three are listed, the
    duplicate first, naming both rows; so is row 5's duplicate of row 4's first occurrence."""
    again = ROW_1.replace(";L;", ";X;").replace("Budi Santoso", "")
    third = ROW_1.replace(";S1;", ";SMEA;")
    problems = errors_of(importing.check(csv(ROW_1, ROW_2, again, third), "dobel.csv"))
    assert problems == [
        (
            4,
            "NIP",
            "NIP 198703122010011003 ada di dua baris: baris 2 dan baris 4. Satu pegawai hanya boleh ada di "
            "satu baris; hapus atau perbaiki salah satunya.",
        ),
        (4, "Nama", "Nama wajib diisi."),
        (4, "Jenis Kelamin", "Jenis kelamin harus L (laki-laki) atau P (perempuan) (tertulis X)."),
        (
            5,
            "NIP",
            "NIP 198703122010011003 ada di dua baris: baris 2 dan baris 5. Satu pegawai hanya boleh ada di "
            "satu baris; hapus atau perbaiki salah satunya.",
        ),
        (
            5,
            "Pendidikan",
            "Pendidikan harus salah satu dari SD, SMP, SMA/SMK, D1, D2, D3, D4, S1, S2, S3 "
            "(tertulis “SMEA”).",
        ),
    ]


@pytest.mark.parametrize(
    ("written", "stored", "name", "rank"),
    [
        ("PNS", "PNS", "PNS", "III/c"),
        ("CPNS", "CPNS", "CPNS", "III/c"),
        ("Calon PNS", "CPNS", "CPNS", "III/c"),
        ("PPPK", "PPPK", "PPPK", "IX"),
        ("P3K", "PPPK", "PPPK", "IX"),
        ("PPPK Paruh Waktu", "PPPW", "PPPK Paruh Waktu", "IX"),
        ("pppk paruh-waktu", "PPPW", "PPPK Paruh Waktu", "IX"),
    ],
)
def test_asn_categories_are_kept_apart(region: Any, written: str, stored: str, name: str, rank: str) -> None:
    """CPNS is no longer stored as PNS; PPPK Paruh Waktu is its own category, graded like PPPK; the export
    writes the name the import reads back."""
    row = ROW_1.replace(";PNS;III/c;", f";{written};{rank};")
    staging.import_file(csv(row), "status.csv")
    employee = Employee.objects.get()
    assert (employee.employment_status, employee.status_name, employee.rank) == (stored, name, rank)
    exported = register.export(register.search(active="all"), "csv").decode("utf-8-sig")
    assert f";{name};{rank};" in exported
    assert importing.check(exported.encode(), "ekspor.csv").summary()["unchanged"] == 1
    assert [e.nip for e in register.search(status=stored)] == [employee.nip]


def test_cpns_has_a_nip_in_the_pns_layout_and_a_golongan(region: Any) -> None:
    cpns = ROW_1.replace(";PNS;", ";CPNS;")
    wrong_nip = cpns.replace("198703122010011003", "198713122010011003")
    wrong_rank = ROW_3.replace(";PPPK;VII;", ";PPPK Paruh Waktu;III/a;")
    problems = errors_of(importing.check(csv(wrong_nip, wrong_rank), "cpns.csv"))
    assert [(r, c) for r, c, _ in problems] == [(2, "NIP"), (3, "Golongan")]
    assert "Tanggal lahir dalam NIP" in problems[0][2]
    assert "Golongan PPPK harus antara I dan XVII" in problems[1][2]


def test_unknown_units_can_be_created_when_the_admin_asks(region: Any) -> None:
    row = ROW_1.replace("Dinas Kesehatan", "Dinas Pariwisata")
    plan = importing.check(csv(row), "pegawai.csv", create_units=True)
    assert plan.units_to_create == ["Dinas Pariwisata"]
    staging.apply_plan(plan)
    assert WorkUnit.objects.get(name="Dinas Pariwisata").employees.count() == 1


def test_a_file_with_one_bad_row_changes_nothing(region: Any) -> None:
    staging.import_file(csv(ROW_1, ROW_2), "a.csv")
    before = snapshot()
    bad = ROW_3.replace(";PPPK;", ";???;")
    plan = importing.check(
        csv(ROW_1.replace("Budi Santoso", "Budi S."), ROW_2, bad), "b.csv", deactivate_missing=True
    )
    assert plan.rejected_rows == 1
    with pytest.raises(importing.ImportRejected):
        staging.apply_plan(plan)
    assert snapshot() == before


def test_a_failure_half_way_rolls_everything_back(region: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    staging.import_file(csv(ROW_1), "a.csv")
    before = snapshot()
    plan = importing.check(csv(ROW_1.replace("III/c", "III/d"), ROW_2, ROW_3), "b.csv")
    real = staging._execute

    def broken(sql: str, params: list[Any], expected: int, what: str) -> int:
        if what == "changed employees":  # the two new rows were already inserted
            raise RuntimeError("connection lost")
        return real(sql, params, expected, what)

    monkeypatch.setattr(staging, "_execute", broken)
    with pytest.raises(RuntimeError):
        staging.apply_plan(plan)
    assert snapshot() == before


def test_export_neutralises_formulas_and_reimports(region: Any) -> None:
    staging.import_file(csv(ROW_1, ROW_2), "a.csv")
    Employee.objects.filter(nip="198703122010011003").update(full_name='=HYPERLINK("http://x")')
    exported = register.export(register.search(active="all"), "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in exported
    book = openpyxl.load_workbook(io.BytesIO(register.export(register.search(active="all"), "xlsx")))
    names = [row[1] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert '\'=HYPERLINK("http://x")' in names
    assert all(
        isinstance(row[0], str) and len(row[0]) == 18
        for row in book.active.iter_rows(min_row=2, values_only=True)
    )


def test_template_has_the_indonesian_headers(region: Any) -> None:
    book = openpyxl.load_workbook(io.BytesIO(register.import_template()))
    headers = [cell.value for cell in next(book.worksheets[0].iter_rows(max_row=1))]
    assert headers == importing.TEMPLATE_HEADERS
    assert "Petunjuk" in book.sheetnames


def test_the_status_migration_maps_other_spellings_and_leaves_pns(region: Any) -> None:
    """Existing PNS stay PNS (a CPNS stored as PNS before cannot be told apart); other spellings written
    outside the import are mapped as the import reads them."""
    from django.apps import apps

    migration = importlib.import_module("assessment.people.migrations.0003_asn_status_and_staged_import")
    staging.import_file(csv(ROW_1, ROW_2, ROW_3), "a.csv")
    Employee.objects.filter(nip="199001052015032001").update(employment_status="cpns")
    Employee.objects.filter(nip="199512202023211004").update(employment_status="p3k")
    migration.map_statuses(apps, None)
    assert dict(Employee.objects.values_list("nip", "employment_status")) == {
        "198703122010011003": "PNS",
        "199001052015032001": "CPNS",
        "199512202023211004": "PPPK",
    }


def test_an_export_made_in_english_imports_back_unchanged(region: Any) -> None:
    """The export is the import's layout, so it keeps the import's words in any UI language."""
    from django.utils import translation

    staging.import_file(csv(ROW_1, ROW_2), "awal.csv")
    with translation.override("en"):
        exported = register.export(register.search(active="all"), "csv")
    assert importing.check(exported, "ekspor.csv").summary()["unchanged"] == 2
