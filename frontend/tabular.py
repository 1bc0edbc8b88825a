"""Writing every CSV and XLSX the app hands out, formula-safe, and the table values reading shares.

Writing (``write_xlsx``, ``write_csv``, ``template_xlsx``) neutralises formula injection: a text cell
starting with ``= + - @`` (or tab/CR) gets a leading apostrophe and is stored as text.  Every CSV and
XLSX the app hands out is written here (``tests/frontend/test_export_injection.py`` walks every
download route with hostile names, and fails on a ``csv.writer`` or a workbook made elsewhere).

The values of a table read from an upload (``Table``, ``Cell``, ``Formula``, ``TableError``) and how headers
are matched live here too; reading itself is :mod:`frontend.tabular_reading`.

Pure Python plus openpyxl; messages are in Indonesian because operators see them as they are.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = [
    "Cell",
    "Formula",
    "Table",
    "TableError",
    "display_value",
    "header_key",
    "neutralise",
    "template_xlsx",
    "write_csv",
    "write_xlsx",
    "write_xlsx_sheets",
]

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NON_WORD = re.compile(r"[\W_]+")


class TableError(ValueError):
    """The file cannot be read as a register; ``str(exc)`` is the Indonesian message for the operator."""


@dataclass(frozen=True)
class Formula:
    """A cell that holds a formula (never evaluated); ``text`` is the formula as written, ``=...``."""

    text: str


@dataclass
class Cell:
    row: int  # 1-based row number as the user sees it in Excel / the CSV
    column: str  # the header as written in the file
    value: str


@dataclass
class Table:
    headers: dict[str, str]  # canonical field -> header text as in the file
    rows: list[tuple[int, dict[str, object]]]  # (row number, canonical field -> raw value or None)
    header_row: int = 0
    sheet: str | None = None  # XLSX: the worksheet read
    kind: str = ""  # "xlsx" or "csv"
    delimiter: str | None = None  # CSV only
    encoding: str | None = None  # CSV only
    ignored_headers: list[str] = field(default_factory=list)  # headers in the file that map to nothing
    # Rows left out: a printout's column numbering or repeated header, and its footer (signature, date)
    skipped_rows: list[int] = field(default_factory=list)

    def cell(self, row: int, name: str, value: object) -> Cell:
        """A ``Cell`` for a message about ``value`` in column ``name`` of ``row``."""
        return Cell(row=row, column=self.headers.get(name, name), value=display_value(value))


def display_value(value: object) -> str:
    """A cell value as text for messages: formulas as written, dates as dd-mm-yyyy."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        return value.text
    if isinstance(value, datetime):
        return f"{value:%d-%m-%Y %H:%M}" if value.time() != time(0) else f"{value:%d-%m-%Y}"
    if isinstance(value, date):
        return f"{value:%d-%m-%Y}"
    return str(value)


def header_key(text: object) -> str:
    """Matching key of a header: case-folded, bracketed notes dropped, punctuation as spaces.

    ``" Unit_Kerja* "`` -> ``"unit kerja"``; ``"Tgl. Lahir (dd-mm-yyyy)"`` -> ``"tgl lahir"``.
    """
    if text is None or isinstance(text, Formula):
        return ""
    value = unicodedata.normalize("NFKC", str(text)).casefold()
    value = _BRACKETED.sub(" ", value)
    return " ".join(_NON_WORD.sub(" ", value).split())


_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Header words that mark a column to keep as text in exports (NIP, NIK, phone numbers).
_TEXT_HEADER_WORDS = {"nip", "nik", "npwp", "hp", "telepon", "telp", "ponsel", "handphone", "whatsapp", "wa"}
_TEMPLATE_FORMATTED_ROWS = 1000


def neutralise(text: str) -> str:
    """Text that a spreadsheet will not run as a formula: a leading apostrophe before = + - @ tab CR."""
    if text and text.startswith(_FORMULA_TRIGGERS):
        return "'" + text
    return text


def _text_columns(headers: Sequence[str], text_columns: Collection[int | str] | None) -> set[int]:
    if text_columns is not None:
        keys = {header_key(c) for c in text_columns if isinstance(c, str)}
        return {i for i, h in enumerate(headers) if i in text_columns or (keys and header_key(h) in keys)}
    return {i for i, h in enumerate(headers) if _TEXT_HEADER_WORDS & set(header_key(h).split())}


def _xlsx_value(value: object) -> object:
    """A value openpyxl may write: numbers and dates as they are, everything else as neutralised text."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return str(value)  # Excel keeps 15 digits (and openpyxl writes big integers as floats)
    if value is None or isinstance(value, bool | int | float | Decimal | date | time):
        if isinstance(value, datetime | time) and value.tzinfo is not None:
            return value.replace(tzinfo=None)  # Excel has no time zones: the wall-clock time is kept
        return value
    text = value.text if isinstance(value, Formula) else str(value)
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", text))


def write_xlsx(
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    sheet_title: str = "Data",
    text_columns: Collection[int | str] | None = None,
) -> bytes:
    """An .xlsx export (streamed with a write-only workbook).  Text that starts like a formula gets a
    leading apostrophe and is stored as text; NIP/NIK/phone columns (``text_columns``: indexes or
    headers; by default recognised by header) are formatted as Text so Excel keeps all digits."""
    return write_xlsx_sheets([(sheet_title, headers, rows)], text_columns=text_columns)


def write_xlsx_sheets(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]],
    *,
    text_columns: Collection[int | str] | None = None,
) -> bytes:
    """``write_xlsx`` with several sheets, (title, headers, rows) each, in order (a table and its recap)."""
    workbook = Workbook(write_only=True)
    for sheet_title, headers, rows in sheets:
        _write_sheet(workbook, sheet_title, headers, rows, text_columns)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(
    workbook: Workbook,
    sheet_title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    text_columns: Collection[int | str] | None,
) -> None:
    sheet = workbook.create_sheet(sheet_title[:31] or "Data")
    text_cols = _text_columns(headers, text_columns)
    for index, header in enumerate(headers):
        dimension = sheet.column_dimensions[get_column_letter(index + 1)]
        dimension.width = min(max(len(str(header)) + 4, 22 if index in text_cols else 12), 60)
        if index in text_cols:
            dimension.number_format = "@"
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)

    for row in rows:
        out: list[object] = []
        for index, raw in enumerate(row):
            value = _xlsx_value(raw)
            if index in text_cols and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if isinstance(value, str) and (index in text_cols or value.startswith("'")):
                cell = WriteOnlyCell(sheet, value=value)
                cell.data_type = "s"
                if index in text_cols:
                    cell.number_format = "@"
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)


def _csv_value(value: object, decimal_comma: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        text = str(value)
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date | time):
        return value.isoformat()
    text = value.text if isinstance(value, Formula) else str(value)
    return neutralise(text)


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[object]], delimiter: str = ";") -> bytes:
    """A CSV export in UTF-8 with BOM (so Excel reads the accents), ``;`` by default as Indonesian-
    locale Excel expects (decimals then use a comma).  Formula-like text gets a leading apostrophe."""
    decimal_comma = delimiter != ","
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_csv_value(h, decimal_comma) for h in headers])
    writer.writerows([_csv_value(v, decimal_comma) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def template_xlsx(
    headers: Sequence[str],
    example_rows: Sequence[Sequence[object]],
    notes: Sequence[str],
    *,
    text_columns: Collection[int | str] | None = None,
) -> bytes:
    """A downloadable register template: sheet "Pegawai" with a bold header and the examples (NIP/NIK/
    phone columns formatted as Text), and sheet "Petunjuk" with the notes, one per row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Pegawai"
    text_cols = _text_columns(headers, text_columns)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index, value=_xlsx_value(header))
        cell.font = bold
        cell.fill = fill
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = min(max(len(str(header)) + 4, 22 if index - 1 in text_cols else 14), 60)
        if index - 1 in text_cols:
            dimension.number_format = "@"
            # Excel applies the column format to new entries; the first rows get it explicitly too.
            for row in range(2, _TEMPLATE_FORMATTED_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    for row_index, example in enumerate(example_rows, start=2):
        for col_index, raw in enumerate(example, start=1):
            value = _xlsx_value(raw)
            cell = sheet.cell(row=row_index, column=col_index, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if col_index - 1 in text_cols:
                cell.number_format = "@"

    guide = workbook.create_sheet("Petunjuk")
    guide.column_dimensions["A"].width = 110
    title = guide.cell(row=1, column=1, value="Petunjuk pengisian")
    title.font = Font(bold=True, size=14)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row_index, note in enumerate(notes, start=3):
        cell = guide.cell(row=row_index, column=1, value=_xlsx_value(note))
        cell.data_type = "s"
        cell.alignment = wrap

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
