"""Reading uploaded registers (XLSX/CSV) and writing exports and templates that resist formula injection."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook

from assessment.people.nip import NipError, normalise_nip
from frontend.tabular import (
    Cell,
    Formula,
    Table,
    TableError,
    header_key,
    neutralise,
    template_xlsx,
    write_csv,
    write_xlsx,
)
from frontend.tabular_reading import read_table

COLUMNS = {
    "nip": ["NIP", "NIP Baru", "Nomor Induk Pegawai"],
    "name": ["Nama", "Nama Lengkap"],
    "unit": ["Unit Kerja", "OPD"],
    "status": ["Status", "Status Kepegawaian"],
    "birth_date": ["Tanggal Lahir", "Tgl Lahir"],
    "phone": ["No HP", "Nomor HP"],
}
REQUIRED = {"nip", "name", "unit"}
NIP1 = "198703122010012001"
NIP2 = "199001022015031123"


def _xlsx(rows: Sequence[Sequence[object]], title: str = "Sheet", extra: dict | None = None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for name, other_rows in (extra or {}).items():
        other = workbook.create_sheet(name)
        for row in other_rows:
            other.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _patch_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    """The workbook with ``old`` replaced by ``new`` in the first sheet's XML (what other writers do)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in content
                content = content.replace(old, new, 1)
            target.writestr(item, content)
    return buffer.getvalue()


def _read(data: bytes, filename: str, **kwargs: object) -> Table:
    return read_table(data, filename, COLUMNS, REQUIRED, **kwargs)  # type: ignore[arg-type]


def _error(data: bytes, filename: str, **kwargs: object) -> str:
    with pytest.raises(TableError) as info:
        _read(data, filename, **kwargs)
    return str(info.value)


# header matching -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (" Unit  Kerja ", "unit kerja"),
        ("UNIT_KERJA", "unit kerja"),
        ("Unit-Kerja*", "unit kerja"),
        ("No. HP", "no hp"),
        ("Tgl. Lahir (dd-mm-yyyy)", "tgl lahir"),
        ("NIP\n[18 digit]", "nip"),
        ("E-mail", "e mail"),
        (None, ""),
    ],
)
def test_header_key(text: object, key: str) -> None:
    assert header_key(text) == key


# XLSX ----------------------------------------------------------------------------------------------


def test_xlsx_with_title_rows_above_the_header() -> None:
    data = _xlsx(
        [
            ["DAFTAR PEGAWAI KABUPATEN KUTAI KARTANEGARA"],
            [],
            ["No", "NIP", "Nama", "Unit Kerja", "Keterangan"],
            [1, NIP1, "Siti Aminah", "Dinas Kesehatan", ""],
            [2, NIP2, "Budi Santoso", "Dinas Pendidikan", "pindahan"],
            [3, None, None, None, None],  # numbered but empty template row: skipped
            [],
            [4, "199201012019032002", "Rina", "BKPSDM", None],
        ]
    )
    table = _read(data, "pegawai.xlsx")
    assert table.kind == "xlsx"
    assert table.sheet == "Sheet"
    assert table.header_row == 3
    assert table.headers == {"nip": "NIP", "name": "Nama", "unit": "Unit Kerja"}
    assert table.ignored_headers == ["No", "Keterangan"]
    assert [number for number, _ in table.rows] == [4, 5, 8]
    assert table.rows[0][1] == {"nip": NIP1, "name": "Siti Aminah", "unit": "Dinas Kesehatan"}


def test_xlsx_headers_in_any_order_and_case() -> None:
    data = _xlsx(
        [
            ["UNIT KERJA", " Nama ", "nip", "Tgl. Lahir (dd-mm-yyyy)", "status_kepegawaian"],
            ["Dinas Kesehatan  ", "  Siti\u00a0Aminah  ", f"'{NIP1}", datetime(1987, 3, 12), "PNS"],
        ]
    )
    table = _read(data, "Pegawai.XLSX")
    assert table.headers == {
        "unit": "UNIT KERJA",
        "name": "Nama",
        "nip": "nip",
        "birth_date": "Tgl. Lahir (dd-mm-yyyy)",
        "status": "status_kepegawaian",
    }
    assert table.rows == [
        (
            2,
            {
                "unit": "Dinas Kesehatan",
                "name": "Siti Aminah",  # NBSP became a space, outer spaces stripped
                "nip": NIP1,  # leading apostrophe dropped
                "birth_date": datetime(1987, 3, 12),
                "status": "PNS",
            },
        )
    ]


def test_xlsx_nip_as_number_keeps_its_type_for_the_lost_digit_check() -> None:
    data = _xlsx(
        [
            ["NIP", "Nama", "Unit Kerja"],
            [1.5, "Exact", "A"],  # patched below to the exact integer (as LibreOffice or pandas may store)
            [1.98703122010012e17, "Excel", "A"],  # what Excel stores: 15 significant digits
        ]
    )
    data = _patch_sheet(data, b"<v>1.5</v>", f"<v>{NIP1}</v>".encode())
    rows = _read(data, "a.xlsx").rows
    assert rows[0][1]["nip"] == int(NIP1)
    assert normalise_nip(rows[0][1]["nip"]) == NIP1
    assert isinstance(rows[1][1]["nip"], float)
    with pytest.raises(NipError) as info:
        normalise_nip(rows[1][1]["nip"])
    assert info.value.code == "lost_digits"


def test_xlsx_formula_is_reported_not_computed() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["NIP", "Nama", "Unit Kerja"])
    sheet.append([NIP1, "x", "Dinas"])
    sheet["B2"] = "=1+1"
    sheet["C2"] = '=HYPERLINK("http://evil.example","klik")'
    buffer = io.BytesIO()
    workbook.save(buffer)
    record = _read(buffer.getvalue(), "f.xlsx").rows[0][1]
    assert record["name"] == Formula("=1+1")
    assert record["unit"] == Formula('=HYPERLINK("http://evil.example","klik")')


def test_xlsx_prefers_the_sheet_named_pegawai() -> None:
    data = _xlsx(
        [["Petunjuk: isi lembar Pegawai"]],
        title="Petunjuk",
        extra={"Pegawai": [["NIP", "Nama", "Unit Kerja"], [NIP1, "Siti", "Dinas"]]},
    )
    table = _read(data, "a.xlsx")
    assert table.sheet == "Pegawai"
    assert table.rows == [(2, {"nip": NIP1, "name": "Siti", "unit": "Dinas"})]


def test_xlsx_only_the_first_sheet_is_read() -> None:
    data = _xlsx([["Petunjuk"]], title="Petunjuk", extra={"Data": [["NIP", "Nama", "Unit Kerja"]]})
    message = _error(data, "a.xlsx")
    assert message.startswith(
        "Baris judul kolom tidak ditemukan dalam 20 baris pertama pada lembar 'Petunjuk'."
    )
    assert message.endswith("Baris judul harus memuat kolom: NIP, Nama, Unit Kerja.")


def test_xlsx_with_a_wrong_stored_dimension_is_read_in_full() -> None:
    data = _xlsx([["NIP", "Nama", "Unit Kerja"], [NIP1, "Siti", "Dinas"], [NIP2, "Budi", "Dinas"]])
    data = _patch_sheet(data, b'<dimension ref="A1:C3" />', b'<dimension ref="A1" />')
    assert len(_read(data, "a.xlsx").rows) == 2


# CSV -----------------------------------------------------------------------------------------------


def test_csv_semicolon_with_title_rows_and_quotes() -> None:
    text = (
        "DAFTAR PEGAWAI KABUPATEN KUTAI KARTANEGARA;;\r\n"
        ";;\r\n"
        "NIP;Nama;Unit Kerja\r\n"
        f'\'{NIP1};"Aminah; Siti";Dinas Kesehatan  \r\n'
        ";;\r\n"
        f"{NIP2};Budi;Dinas, Pendidikan\r\n"
    )
    table = _read(text.encode(), "pegawai.csv")
    assert (table.kind, table.delimiter, table.encoding, table.header_row) == ("csv", ";", "utf-8", 3)
    assert table.rows == [
        (4, {"nip": NIP1, "name": "Aminah; Siti", "unit": "Dinas Kesehatan"}),
        (6, {"nip": NIP2, "name": "Budi", "unit": "Dinas, Pendidikan"}),
    ]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_csv_delimiter_is_sniffed(delimiter: str) -> None:
    lines = [["Unit Kerja", "nama", "NIP"], ["Dinas, Kesehatan; Lama", "Siti", NIP1]]
    buffer = io.StringIO()
    import csv

    csv.writer(buffer, delimiter=delimiter).writerows(lines)
    table = _read(buffer.getvalue().encode(), "a.csv")
    assert table.delimiter == delimiter
    assert table.rows == [(2, {"unit": "Dinas, Kesehatan; Lama", "name": "Siti", "nip": NIP1})]


def test_csv_cp1252() -> None:
    text = f"NIP;Nama;Unit Kerja\r\n{NIP1};Siti Nur’aini;Dinas\r\n{NIP2};José Pérez;Dinas\r\n"
    data = text.encode("cp1252")
    assert b"\x92" in data
    table = _read(data, "a.csv")
    assert table.encoding == "cp1252"
    assert [r["name"] for _, r in table.rows] == ["Siti Nur’aini", "José Pérez"]


def test_csv_utf8_bom() -> None:
    data = f"NIP;Nama;Unit Kerja\r\n{NIP1};Siti Nur’aini;Dinas\r\n".encode("utf-8-sig")
    table = _read(data, "a.csv")
    assert table.headers["nip"] == "NIP"
    assert table.rows[0][1]["name"] == "Siti Nur’aini"


def test_csv_utf16_tab_text_from_excel() -> None:
    data = f"NIP\tNama\tUnit Kerja\r\n{NIP1}\tSiti Nur’aini\tDinas\r\n".encode("utf-16")
    table = _read(data, "unicode.txt")
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert table.rows[0][1]["name"] == "Siti Nur’aini"


def test_csv_row_numbers_follow_records() -> None:
    text = f'NIP,Nama,Unit Kerja\n{NIP1},"Siti\nAminah",Dinas\n\n{NIP2},Budi,Dinas\n'
    table = _read(text.encode(), "a.csv")
    assert [n for n, _ in table.rows] == [2, 4]
    assert table.rows[0][1]["name"] == "Siti\nAminah"


def test_csv_short_rows_and_trailing_spaces() -> None:
    text = f"NIP;Nama;Unit Kerja;No HP\n {NIP1} ;  Siti  ;Dinas\n"
    record = _read(text.encode(), "a.csv").rows[0][1]
    assert record == {"nip": NIP1, "name": "Siti", "unit": "Dinas", "phone": None}


def test_csv_unclosed_quote() -> None:
    text = f'NIP;Nama;Unit Kerja\n{NIP1};"Siti;Dinas\n' + "x" * 140_000 + "\n"
    assert "tanda kutip" in _error(text.encode(), "a.csv")


def test_csv_undecodable() -> None:
    data = b"NIP;Nama;Unit Kerja\n" + NIP1.encode() + b";\x81\x8d;Dinas\n"
    assert _error(data, "a.csv") == (
        "Pengodean karakter berkas a.csv tidak dikenali. "
        "Simpan ulang dari Excel sebagai 'CSV UTF-8 (dipisahkan koma)' lalu unggah lagi."
    )


# rejected files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename", "detail"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "pegawai.xls", "Excel 97-2003 (.xls)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "rahasia.xlsx", "dilindungi kata sandi"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pegawai.pdf", "pegawai.pdf adalah berkas PDF"),
        (b"%PDF-1.7\n", "pegawai.csv", "PDF"),
        (b"NIP;Nama;Unit Kerja\n", "pegawai.xlsx", "pegawai.xlsx bukan buku kerja .xlsx yang sah"),
        (b"NIP;Nama;Unit Kerja\n", "pegawai.docx", "pegawai.docx (berakhiran .docx)"),
        (b"NIP;Nama;Unit Kerja\n", "pegawai", "pegawai"),
        (b"PK\x03\x04garbage", "pegawai.xlsx", "bukan buku kerja .xlsx yang utuh"),
        (b"\x00\x01\x02binary", "pegawai.csv", "bukan berkas teks CSV"),
    ],
)
def test_unsupported_files(data: bytes, filename: str, detail: str) -> None:
    message = _error(data, filename)
    assert message.startswith("Jenis berkas tidak didukung: ")
    assert message.endswith(" Unggah .xlsx atau .csv.")
    assert detail in message


def test_xlsx_content_with_a_csv_name_and_plain_zip_with_an_xlsx_name() -> None:
    data = _xlsx([["NIP", "Nama", "Unit Kerja"], [NIP1, "Siti", "Dinas"]])
    assert "ubah akhiran namanya menjadi .xlsx" in _error(data, "pegawai.csv")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.txt", "NIP;Nama")
    assert "bukan buku kerja Excel (.xlsx)" in _error(buffer.getvalue(), "pegawai.xlsx")


def test_zip_bomb_is_refused_before_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("frontend.tabular_reading.MIN_UNPACKED_LIMIT", 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b"\x00" * (3 * 1024 * 1024))
    message = _error(buffer.getvalue(), "bom.xlsx", max_bytes=100_000)
    assert "terlalu besar setelah dibuka" in message


def test_corrupt_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not a workbook")
    assert "tidak dapat dibaca sebagai buku kerja Excel" in _error(buffer.getvalue(), "a.xlsx")


def test_corrupt_sheet() -> None:
    data = _xlsx([["NIP", "Nama", "Unit Kerja"], [NIP1, "Siti", "Dinas"]])
    data = _patch_sheet(data, b"</sheetData>", b"<row><c></sheetData>")
    assert _error(data, "a.xlsx") == (
        "Lembar 'Sheet' pada berkas a.xlsx tidak dapat dibaca; mungkin rusak. "
        "Buka di Excel, simpan ulang sebagai .xlsx, lalu unggah lagi."
    )


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"", "a.csv"),
        (b"", "a.xlsx"),
        (b"\r\n\r\n;;;\r\n  ;  \r\n", "a.csv"),
        (b"\xef\xbb\xbf", "a.csv"),
    ],
)
def test_empty_files(data: bytes, filename: str) -> None:
    assert _error(data, filename).startswith("Berkas kosong")


def test_empty_workbook() -> None:
    assert (
        _error(_xlsx([]), "a.xlsx") == "Berkas kosong: tidak ada baris yang berisi data pada lembar 'Sheet'."
    )


def test_header_without_data() -> None:
    message = _error(b"NIP;Nama;Unit Kerja\n;;\n", "a.csv")
    assert message == "Berkas tidak berisi data pegawai: hanya baris judul (baris 1) yang ditemukan."


def test_oversize() -> None:
    data = b"x" * (2 * 1024 * 1024)
    assert _error(data, "a.csv", max_bytes=1024 * 1024) == (
        "Berkas terlalu besar (2 MB). Ukuran maksimum 1 MB."
    )
    assert "(10,5 MB)" in _error(b"x" * int(10.5 * 1024 * 1024), "a.csv")


def test_too_many_rows() -> None:
    text = "NIP;Nama;Unit Kerja\n" + "".join(f"{NIP1};N{i};U\n" for i in range(6))
    assert len(_read(text.encode(), "a.csv", max_rows=6).rows) == 6
    assert _error(text.encode(), "a.csv", max_rows=5).startswith("Berkas berisi lebih dari 5 baris data.")


def test_missing_required_columns() -> None:
    data = _xlsx([["Daftar pegawai"], [], ["NIP", "Status", "Tgl Lahir"], [NIP1, "PNS", None]])
    assert _error(data, "a.xlsx") == (
        "Kolom wajib tidak ditemukan: Nama, Unit Kerja. Baris judul yang dikenali: baris 3 pada lembar "
        "'Sheet'."
    )
    text = "Daftar\nNIP;Nama Lengkap\n" + f"{NIP1};Siti\n"
    assert _error(text.encode(), "a.csv") == (
        "Kolom wajib tidak ditemukan: Unit Kerja. Baris judul yang dikenali: baris 2."
    )


def test_no_header_at_all() -> None:
    text = "".join(f"baris {i};x;y\n" for i in range(30))
    message = _error(text.encode(), "a.csv")
    assert message == (
        "Baris judul kolom tidak ditemukan dalam 20 baris pertama. "
        "Baris judul harus memuat kolom: NIP, Nama, Unit Kerja."
    )


def test_duplicate_column() -> None:
    data = _xlsx([["NIP", "Nama", "Unit Kerja", "NIP Baru"], [NIP1, "Siti", "Dinas", NIP1]])
    assert _error(data, "a.xlsx") == (
        "Kolom NIP muncul lebih dari sekali pada baris judul (baris 1 pada lembar 'Sheet', kolom A dan D). "
        "Hapus atau ganti nama salah satunya."
    )


def test_spec_errors_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="both"):
        read_table(b"x", "a.csv", {"a": ["Nama"], "b": ["nama"]}, {"a"})
    with pytest.raises(ValueError, match="required"):
        read_table(b"x", "a.csv", {"a": ["Nama"]}, {"a", "b"})


def test_table_cell_for_messages() -> None:
    table = _read(f"NIP;Nama;Unit Kerja\n{NIP1};Siti;Dinas\n".encode(), "a.csv")
    assert table.cell(2, "nip", 1.98703e17) == Cell(row=2, column="NIP", value="1.98703e+17")
    assert table.cell(2, "name", Formula("=1+1")).value == "=1+1"
    assert table.cell(2, "unit", date(1987, 3, 12)).value == "12-03-1987"
    assert table.cell(2, "unit", None).value == ""


# exports -------------------------------------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://evil.example","klik")', "+62812", "-5", "@SUM(A1:A2)", "\t=1", "\r=1"]


def test_neutralise() -> None:
    assert [neutralise(v) for v in DANGEROUS] == ["'" + v for v in DANGEROUS]
    assert neutralise("Siti") == "Siti"
    assert neutralise("") == ""
    assert neutralise("'=1") == "'=1"


def test_write_csv_neutralises_and_is_excel_friendly() -> None:
    data = write_csv(
        ["NIP", "Nama", "Nilai"],
        [[NIP1, value, 3.5] for value in DANGEROUS]
        + [[NIP2, "Siti Nur’aini", -5], [None, True, date(2026, 1, 2)]],
    )
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "NIP;Nama;Nilai"
    assert lines[1] == f'{NIP1};"\'=HYPERLINK(""http://evil.example"",""klik"")";3,5'
    assert lines[2] == f"{NIP1};'+62812;3,5"
    assert lines[3] == f"{NIP1};'-5;3,5"
    assert lines[4] == f"{NIP1};'@SUM(A1:A2);3,5"
    assert lines[7] == f"{NIP2};Siti Nur’aini;-5"  # a number stays a number
    assert lines[8] == ";Ya;2026-01-02"
    comma = write_csv(["a"], [[1.5], [Formula("=1+1")]], delimiter=",").decode("utf-8-sig")
    assert comma == "a\r\n1.5\r\n'=1+1\r\n"


def test_write_xlsx_neutralises_formulas() -> None:
    data = write_xlsx(["NIP", "Nama", "Nilai"], [[NIP1, value, 1] for value in DANGEROUS])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == ["NIP", "Nama", "Nilai"]
    assert sheet["A1"].font.bold
    for row, value in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(row=row, column=2)
        assert cell.data_type == "s"
        assert isinstance(cell.value, str)
        assert cell.value == "'" + value.replace("\r", "\n")  # XML reading turns CR into LF
        assert sheet.cell(row=row, column=3).value == 1
    assert sheet["A2"].value == NIP1
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].number_format == "@"
    assert sheet.column_dimensions["A"].number_format == "@"


def test_write_xlsx_values() -> None:
    data = write_xlsx(
        ["Nama", "Tanggal", "Waktu", "Rumus", "Objek"],
        [["Siti\x07", date(1987, 3, 12), datetime(2026, 1, 2, 3, 4), Formula("=1+1"), 12.5]],
        sheet_title="Pegawai",
    )
    sheet = load_workbook(io.BytesIO(data))["Pegawai"]
    assert [c.value for c in sheet[2]] == [
        "Siti",
        datetime(1987, 3, 12),
        datetime(2026, 1, 2, 3, 4),
        "'=1+1",
        12.5,
    ]


def test_write_xlsx_keeps_every_digit_of_integer_nips() -> None:
    # openpyxl would write a big int as a float (15 digits); NIP columns and big ints go out as text.
    data = write_xlsx(["NIP", "Kode", "Jumlah"], [[int(NIP1), int(NIP2), 7]])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[2]] == [NIP1, NIP2, 7]
    data = write_xlsx(["Nomor", "No HP"], [[12, 6281234567890]], text_columns=["no. hp"])
    assert [c.value for c in load_workbook(io.BytesIO(data)).active[2]] == [12, "6281234567890"]


def test_round_trip_write_xlsx_read_table() -> None:
    rows = [
        [NIP1, "Siti Nur’aini", "Dinas Kesehatan", "PNS", date(1987, 3, 12), "+6281234567890"],
        [NIP2, '=HYPERLINK("http://evil.example")', "-", "PPPK", None, "081234567890"],
    ]
    headers = ["NIP", "Nama", "Unit Kerja", "Status", "Tanggal Lahir", "No HP"]
    table = _read(write_xlsx(headers, rows), "export.xlsx")
    assert table.headers == dict(zip(COLUMNS, headers, strict=True))
    first, second = (record for _, record in table.rows)
    assert first == {
        "nip": NIP1,
        "name": "Siti Nur’aini",
        "unit": "Dinas Kesehatan",
        "status": "PNS",
        "birth_date": datetime(1987, 3, 12),
        "phone": "+6281234567890",  # the protective apostrophe is dropped on the way back in
    }
    assert second["name"] == '=HYPERLINK("http://evil.example")'  # text again, not a Formula
    assert second["unit"] == "-"
    assert second["phone"] == "081234567890"


def test_round_trip_write_csv_read_table() -> None:
    rows = [[NIP1, "Siti Nur’aini", "Dinas; Kesehatan"], [NIP2, "@Budi", "-"]]
    table = _read(write_csv(["NIP", "Nama", "Unit Kerja"], rows), "export.csv")
    assert [list(r.values()) for _, r in table.rows] == [
        [NIP1, "Siti Nur’aini", "Dinas; Kesehatan"],
        [NIP2, "@Budi", "-"],
    ]


def test_template_xlsx() -> None:
    headers = ["NIP", "Nama", "Unit Kerja", "Status", "No HP"]
    data = template_xlsx(
        headers,
        [[NIP1, "Siti Aminah", "Dinas Kesehatan", "PNS", "081234567890"]],
        ["Isi satu pegawai per baris.", "=Kolom NIP berformat Teks."],
    )
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Pegawai", "Petunjuk"]
    sheet = workbook["Pegawai"]
    assert [c.value for c in sheet[1]] == headers
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet["A2"].value == NIP1
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].number_format == "@"
    assert sheet["E2"].number_format == "@"
    assert sheet["A500"].number_format == "@"  # empty rows to fill keep the Text format
    assert sheet["B2"].number_format == "General"
    assert sheet.column_dimensions["A"].number_format == "@"
    guide = workbook["Petunjuk"]
    assert guide["A1"].value == "Petunjuk pengisian"
    assert [guide["A3"].value, guide["A4"].value] == [
        "Isi satu pegawai per baris.",
        "'=Kolom NIP berformat Teks.",
    ]

    table = _read(data, "template.xlsx")
    assert table.sheet == "Pegawai"
    assert table.rows == [
        (
            2,
            {
                "nip": NIP1,
                "name": "Siti Aminah",
                "unit": "Dinas Kesehatan",
                "status": "PNS",
                "phone": "081234567890",
            },
        )
    ]
