"""The streaming worksheet reader gives the values openpyxl's read-only mode gives, for every cell type."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time
from typing import Any

from openpyxl import Workbook, load_workbook

from assessment.people.services import sheet
from frontend.tabular import Formula
from tests.assessment.people.test_import_limits import workbook


def ours(data: bytes) -> list[tuple[int, list[object]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        book = sheet.workbook(archive)
        _, part = book.sheets[0]
        strings = sheet.shared_strings(archive, book.shared_strings)
        styles = sheet.date_styles(archive, book.styles)
        reader = sheet.RowReader(archive, part, strings, styles, book.date1904, max_col=50)
        return list(reader.rows())


def openpyxl_values(data: bytes) -> list[tuple[int, list[object]]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    ws = book.worksheets[0]
    ws.reset_dimensions()
    rows = []
    for number, cells in enumerate(ws.iter_rows(), start=1):
        values: list[Any] = [
            formula_like(cell.value) if cell.data_type == "f" else cell.value for cell in cells
        ]
        while values and values[-1] is None:
            values.pop()
        rows.append((number, values))
    book.close()
    return rows


def formula_like(value: object) -> Formula:
    text = value if isinstance(value, str) else getattr(value, "text", value)
    return Formula(text=str(text))


def trimmed(rows: list[tuple[int, list[object]]]) -> list[tuple[int, list[object]]]:
    out = []
    for number, values in rows:
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        out.append((number, values))
    return out


def test_an_excel_like_workbook_reads_as_openpyxl_reads_it() -> None:
    book = Workbook()
    ws = book.active
    ws.title = "Pegawai"
    ws.append(["NIP", "Nama", "Lahir", "Jam", "Aktif", "Angka", "Pecahan", "Rumus"])
    ws.append(["198703122010011003", "Budi", datetime(1987, 3, 12), time(7, 30), True, 42, 1.5, "=1+1"])
    ws.append([198703122010011003, "Siti Nur’aini", date(1990, 1, 5), None, False, -3, 2e-5, "=SUM(F2:F3)"])
    ws["J5"] = "jauh"  # a gap row and a sparse cell
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert trimmed(ours(data)) == openpyxl_values(data)


def test_shared_strings_phonetic_runs_shared_formulas_errors_and_iso_dates() -> None:
    shared = [
        "<si><t>Nama</t></si>",
        "<si><r><t>Bu</t></r><r><t>di</t></r><rPh sb='0' eb='2'><t>ブディ</t></rPh></si>",
    ]
    rows = [
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>Tgl</t></is></c></row>',
        '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="e"><v>#N/A</v></c>'
        '<c r="C2"><f t="shared" ref="C2:C3" si="0">A2&amp;B2</f><v>0</v></c>'
        '<c r="D2" t="b"><v>1</v></c><c r="E2" t="d"><v>2024-02-29T00:00:00</v></c></row>',
        '<row r="3"><c r="C3"><f t="shared" si="0"/><v>0</v></c></row>',
    ]
    data = workbook(rows, shared)
    values = ours(data)
    assert values == [
        (1, ["Nama", "Tgl"]),
        (2, ["Budi", "#N/A", Formula("=A2&B2"), True, datetime(2024, 2, 29)]),
        (3, [None, None, Formula("=A3&B3")]),
    ]
    assert trimmed(values) == openpyxl_values(data)


def test_a_dtd_or_broken_xml_is_a_broken_workbook() -> None:
    for rows in (['<row r="1"><c r="A1"><v>1</v></row>'], ["<!DOCTYPE x []>"]):
        try:
            ours(workbook(rows))
        except sheet.BrokenWorkbook:
            continue
        raise AssertionError(f"accepted {rows}")


def test_a_sheet_of_many_chunks_reads_as_openpyxl_reads_it() -> None:
    """Rows that straddle the reader's 64 KB chunks keep their own values."""
    from assessment.people.demo import generate_rows
    from assessment.people.services.importing import TEMPLATE_HEADERS
    from frontend.tabular import write_xlsx

    data = write_xlsx(TEMPLATE_HEADERS, generate_rows(1500), sheet_title="Pegawai")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo("xl/worksheets/sheet1.xml").file_size > 5 * 2**16
    assert trimmed(ours(data)) == openpyxl_values(data)
