"""Reading an uploaded staff register (XLSX or CSV) into rows, and writing safe exports and templates.

Reading (``read_table``):

* the file type is decided by content *and* extension (``.xlsx`` must be a zip, ``.csv``/``.txt`` must
  be text); old ``.xls``, PDFs, password-protected workbooks and anything else are refused with a
  message the operator can act on;
* XLSX is streamed with openpyxl in read-only mode; formulas are never evaluated: a formula cell comes
  back as a ``Formula`` so that the caller can reject it; the sheet named "Pegawai" is read, else the
  first worksheet;
* CSV is decoded as UTF-8 (with or without BOM), else UTF-16 (BOM), else Windows-1252; the delimiter
  (``;`` ``,`` or tab) is the one under which the header row is recognised;
* title rows above the header are allowed: the header is the first of the first 20 rows that holds
  enough known column names; columns are matched case- and punctuation-insensitively, in any order.

Values keep their type (XLSX: ``str``/``int``/``float``/``datetime``/``bool``; CSV: ``str``) so that
``nip.normalise_nip`` can tell a NIP that Excel stored as a number.  Strings are stripped, a leading
apostrophe is dropped and non-breaking spaces become spaces; empty cells are ``None``.

Writing (``write_xlsx``, ``write_csv``, ``template_xlsx``) neutralises formula injection: a text cell
starting with ``= + - @`` (or tab/CR) gets a leading apostrophe and is stored as text.  Every CSV and
XLSX the app hands out is written here (``tests/frontend/test_export_injection.py`` walks every
download route with hostile names, and fails on a ``csv.writer`` or a workbook made elsewhere).

Pure Python plus openpyxl; messages are in Indonesian because operators see them as they are.

Modules: ``common`` (the table, its cells, the error, header keys), ``reading`` and ``writing``. Callers use
the names below; ``writing`` is the only module that makes a CSV writer or a workbook
(``tests/frontend/test_export_injection.py``).
"""

from frontend.tabular.common import Cell, Formula, Table, TableError, display_value, header_key
from frontend.tabular.reading import (
    HEADER_SCAN_ROWS,
    PREFERRED_SHEET,
    decode_text,
    header_columns,
    read_table,
    table_from_rows,
    unsupported_file,
)
from frontend.tabular.writing import neutralise, template_xlsx, write_csv, write_xlsx, write_xlsx_sheets

__all__ = [
    "HEADER_SCAN_ROWS",
    "PREFERRED_SHEET",
    "Cell",
    "Formula",
    "Table",
    "TableError",
    "decode_text",
    "display_value",
    "header_columns",
    "header_key",
    "neutralise",
    "read_table",
    "table_from_rows",
    "template_xlsx",
    "unsupported_file",
    "write_csv",
    "write_xlsx",
    "write_xlsx_sheets",
]
