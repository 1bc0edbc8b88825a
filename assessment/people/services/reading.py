"""Reading an uploaded staff register within fixed limits, so that no file can hold a worker for long.

Why: small crafted workbooks held a worker for 20-25 s (one cell at column XFD made openpyxl pad every row to
16,384 cells), a large shared-strings table grew it by 200 MB, and blank rows escaped the row limit. The
limits below bound the work any file can cause, and each refusal says what is wrong:

* The zip directory is checked before any XML is read: the number of parts, the total unpacked size and
  its ratio to the file's size (zip bombs). The declared sizes can be trusted as bounds: Python's zipfile
  never inflates an entry past its declared size (the rest fails the CRC check).
* The shared-strings table, which openpyxl loads whole, is first counted by a streaming parser that stops
  at the caps on distinct texts and on their characters.
* The sheet is read by openpyxl in read-only (streaming) mode with ``max_col``: the first
  ``HEADER_SCAN_ROWS`` rows up to ``MAX_COLUMNS`` columns to find the header, then every row up to the
  header's last column only, so a cell far to the right costs one parsed cell and no padding.
* Every row counts toward ``MAX_ROWS``, blank ones too (openpyxl yields the gaps between row numbers), so
  a row numbered 1,048,576 cannot make a long loop of blank rows.
* CSV: lines are counted before decoding (blank lines too), and the first lines may not have more than
  ``MAX_COLUMNS`` columns (finding the header costs a little per cell).

Header matching, value cleaning and the other messages are ``frontend.tabular``'s, through its public
``header_columns`` and ``table_from_rows``, so that both readers agree. These caps bound the work; the
Celery task also runs the reading in a child process under a memory and a time limit (``isolation.py``)
for whatever they miss.
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import zipfile
from collections.abc import Callable, Collection, Generator, Iterator, Mapping, Sequence
from pathlib import PurePath
from typing import Any
from xml.parsers import expat

from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS

from assessment.people.services import sheet
from frontend.tabular import Table, TableError
from frontend.tabular_reading import (
    HEADER_SCAN_ROWS,
    PREFERRED_SHEET,
    header_columns,
    header_fit,
    read_table,
    table_from_rows,
    unsupported_file,
)

# Rows of a sheet or lines of a CSV, blank ones included: a region has up to 100,000 employees (DESIGN.md),
# with room for title rows and gaps.
MAX_ROWS = 120_000
# Columns looked at to find the header (and the most a CSV's first lines may have): SIASN exports have
# well under a hundred.
MAX_COLUMNS = 500
# Parts of an .xlsx: a register workbook has about ten; each costs a little to list.
MAX_PARTS = 1_000
# Unpacked size: 100,000 employees in the template's columns unpack to about 75 MB (inline strings).
MAX_UNPACKED_BYTES = 160 * 2**20
# Unpacked size per byte of the file: registers unpack 5 to 10 times; checked above RATIO_FLOOR_BYTES only,
# so that small files with much repetition pass.
MAX_PACK_RATIO = 50
RATIO_FLOOR_BYTES = 10 * 2**20
# The shared-strings table, loaded whole by openpyxl: 100,000 employees have at most about 500,000 distinct
# texts in the template's columns (NIP, name, e-mail, phone, birth date as text), about 10 million characters.
MAX_SHARED_STRINGS = 1_000_000
MAX_SHARED_CHARS = 20_000_000
# Sheets whose first rows are looked at for the register's header (a workbook with a summary or a list of
# values before the data): each costs its first rows; registers have a handful of sheets.
MAX_SHEETS_SCANNED = 30

_ZIP_MAGIC = b"PK\x03\x04"
_EOCD = b"PK\x05\x06"
_XLSX_EXTENSIONS = {".xlsx"}
_TEXT_EXTENSIONS = {".csv", ".txt"}
_LINE_BREAK = re.compile(rb"\r\n?|\n")
_CSV_DELIMITERS = (b";", b",", b"\t")
Rows = Generator[tuple[int, list[object]], None, None]  # a sheet's rows as read: (row number, values)
Head = list[tuple[int, list[object]]]  # a sheet's first rows, where its header is looked for


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.1f}".removesuffix(".0").replace(".", ",") + " MB"


def read_register(
    data: bytes,
    filename: str,
    columns: Mapping[str, Sequence[str]],
    required: Collection[str],
    *,
    max_bytes: int,
) -> Table:
    """``frontend.tabular.read_table`` within this module's limits; raises ``TableError``."""
    name = PurePath(filename or "").name or "berkas"
    extension = PurePath(name).suffix.casefold()
    if data and len(data) <= max_bytes:  # else read_table says what is wrong, as for any other misfit
        if extension in _XLSX_EXTENSIONS and data.startswith(_ZIP_MAGIC):
            return _read_xlsx(data, name, columns, required)
        if extension in _TEXT_EXTENSIONS and not data.startswith(_ZIP_MAGIC):
            _check_csv(data, name)
    return read_table(data, filename, columns, required, max_bytes=max_bytes, max_rows=MAX_ROWS)


# CSV ----------------------------------------------------------------------------------------------


def _check_csv(data: bytes, name: str) -> None:
    # Counted on the bytes, before decoding; a line break inside a quoted cell counts too (never fewer).
    lines = max(data.count(b"\n"), data.count(b"\r"))
    if lines > MAX_ROWS:
        raise TableError(
            f"Berkas {name} berisi lebih dari {_count(MAX_ROWS)} baris (baris kosong ikut dihitung). "
            "Hapus baris kosong di bawah data pegawai, lalu unggah lagi."
        )
    head = _LINE_BREAK.split(data, maxsplit=HEADER_SCAN_ROWS + 5)[: HEADER_SCAN_ROWS + 5]
    for number, line in enumerate(head, start=1):
        if max(line.count(delimiter) for delimiter in _CSV_DELIMITERS) >= MAX_COLUMNS:
            raise TableError(
                f"Baris {number} berkas {name} berisi lebih dari {_count(MAX_COLUMNS)} kolom. "
                "Hapus kolom yang tidak diperlukan (simpan kolom templat saja), lalu unggah lagi."
            )


# XLSX ---------------------------------------------------------------------------------------------


def _declared_parts(data: bytes) -> int | None:
    """The number of parts the zip's end record declares (read before zipfile lists them all)."""
    tail = data[-(2**16 + 22) :]
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return None
    (total,) = struct.unpack_from("<H", tail, at + 10)
    return int(total)


def _open_archive(data: bytes, name: str) -> zipfile.ZipFile:
    too_many = (
        f"Berkas {name} terdiri atas terlalu banyak bagian (paling banyak {_count(MAX_PARTS)}); buku "
        "kerja daftar pegawai biasa hanya belasan. Salin data pegawai ke buku kerja baru, lalu unggah lagi."
    )
    declared = _declared_parts(data)
    if declared is not None and declared > MAX_PARTS:
        raise TableError(too_many)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise unsupported_file(f"{name} bukan buku kerja .xlsx yang utuh") from None
    if len(infos) > MAX_PARTS:
        raise TableError(too_many)
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        raise unsupported_file(f"{name} bukan buku kerja Excel (.xlsx)")
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError(
            f"Isi berkas {name} terlalu besar setelah dibuka: {_mb(unpacked)}, paling banyak "
            f"{_mb(MAX_UNPACKED_BYTES)}. Hapus lembar, kolom, gambar atau format yang tidak perlu "
            "(atau salin data pegawai saja ke buku kerja baru), lalu unggah lagi."
        )
    if unpacked > RATIO_FLOOR_BYTES and unpacked > MAX_PACK_RATIO * len(data):
        raise TableError(
            f"Isi berkas {name} mengembang dari {_mb(len(data))} menjadi {_mb(unpacked)} setelah dibuka, "
            f"lebih dari {MAX_PACK_RATIO} kali lipat; buku kerja daftar pegawai tidak pernah begitu. "
            "Berkas ditolak demi keamanan. Salin data pegawai ke buku kerja baru, lalu unggah lagi."
        )
    return archive


def _broken(name: str) -> TableError:
    return TableError(
        f"Berkas {name} tidak dapat dibaca sebagai buku kerja Excel (.xlsx); mungkin rusak. "
        "Buka di Excel, simpan ulang sebagai .xlsx, lalu unggah lagi."
    )


def _stream_xml(
    archive: zipfile.ZipFile,
    part: str,
    name: str,
    start: Callable[[str, dict[str, str]], None],
    text: Callable[[str], None] | None = None,
) -> None:
    """Feed one part of the archive through expat in chunks (constant memory); a DTD is refused."""

    def no_doctype(*args: Any) -> None:
        raise _broken(name)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = no_doctype
    parser.StartElementHandler = start
    if text is not None:
        parser.CharacterDataHandler = text
    try:
        with archive.open(part) as source:
            while chunk := source.read(2**16):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except TableError:  # a cap, from a handler (TableError is a ValueError: not caught below)
        raise
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise _broken(name) from exc


def _local(tag: str) -> str:
    return tag.rpartition(" ")[2]


def _shared_string_parts(archive: zipfile.ZipFile, name: str) -> list[str]:
    """The parts declared as shared-strings tables (openpyxl reads the first; all are checked)."""
    parts: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Override" and attrs.get("ContentType") == SHARED_STRINGS:
            parts.append(attrs.get("PartName", "").lstrip("/"))

    if ARC_CONTENT_TYPES in archive.NameToInfo:
        _stream_xml(archive, ARC_CONTENT_TYPES, name, start)
    return [part for part in parts if part in archive.NameToInfo]


def _check_shared_strings(archive: zipfile.ZipFile, name: str) -> None:
    for part in _shared_string_parts(archive, name):
        texts = characters = 0

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal texts
            if tag.endswith("si") and _local(tag) == "si":
                texts += 1
                if texts > MAX_SHARED_STRINGS:
                    raise TableError(
                        f"Berkas {name} berisi terlalu banyak teks yang berbeda (lebih dari "
                        f"{_count(MAX_SHARED_STRINGS)}). Hapus kolom yang tidak diperlukan (simpan kolom "
                        "templat saja), lalu unggah lagi."
                    )

        def text(data: str) -> None:  # all text in the table (Excel writes no spaces between tags)
            nonlocal characters
            characters += len(data)
            if characters > MAX_SHARED_CHARS:
                raise TableError(
                    f"Teks dalam berkas {name} terlalu panjang: lebih dari {_count(MAX_SHARED_CHARS)} "
                    "karakter seluruhnya. Hapus kolom yang tidak diperlukan (simpan kolom templat saja), "
                    "lalu unggah lagi."
                )

        _stream_xml(archive, part, name, start, text=text)


def _sheet_rows(
    rows: Iterator[tuple[int, list[object]]], name: str, title: str
) -> Iterator[tuple[int, list[object]]]:
    """The reader's rows; a damaged sheet (XML, zip, a shared string that is not there) says so."""
    try:
        yield from rows
    except sheet.BrokenWorkbook as exc:
        raise TableError(
            f"Lembar '{title}' pada berkas {name} tidak dapat dibaca; mungkin rusak. "
            "Buka di Excel, simpan ulang sebagai .xlsx, lalu unggah lagi."
        ) from exc


def _counted(rows: Iterator[tuple[int, list[object]]], title: str) -> Rows:
    for number, values in rows:
        if number > MAX_ROWS:
            raise TableError(
                f"Lembar '{title}' berisi lebih dari {_count(MAX_ROWS)} baris (baris kosong ikut dihitung). "
                "Hapus baris kosong atau berformat di bawah data pegawai (pilih barisnya, Hapus Baris), "
                "lalu unggah lagi."
            )
        yield number, values


def _choose_sheet(
    book: sheet.WorkbookParts,
    columns: Mapping[str, Sequence[str]],
    required: Collection[str],
    open_rows: Callable[[str, str], tuple[sheet.RowReader, Rows]],
) -> tuple[str, sheet.RowReader, Rows, Head]:
    """The sheet that holds the register: one named "Pegawai" if there is one; else the first visible
    sheet whose header has every required column; else the best fit (its messages say what it lacks).
    Exports put a summary, a list of values or an empty "Sheet1" first, and hidden sheets hold lookups:
    taking the first sheet blindly refused such files. Returns the title, its reader, the rest of its
    rows and the first rows already read."""
    preferred = [(t, p) for t, p in book.sheets if t.strip().casefold() == PREFERRED_SHEET]
    visible = [(t, p) for t, p in book.sheets if t not in book.hidden] or book.sheets
    best: tuple[tuple[int, int, bool], str, sheet.RowReader, Rows, Head] | None = None
    for title, part in (preferred or visible)[:MAX_SHEETS_SCANNED]:
        reader, rows = open_rows(title, part)
        head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
        fit = header_fit(head, columns, required)
        if best is None or fit > best[0]:
            if best is not None:
                best[3].close()  # its part of the archive is closed
            best = (fit, title, reader, rows, head)
        else:
            rows.close()
        if fit[0] == len(required):
            break
    assert best is not None  # book.sheets is not empty
    return best[1], best[2], best[3], best[4]


def _read_xlsx(
    data: bytes, name: str, columns: Mapping[str, Sequence[str]], required: Collection[str]
) -> Table:
    with _open_archive(data, name) as archive:
        _check_shared_strings(archive, name)
        try:
            book = sheet.workbook(archive)
            if not book.sheets:
                raise TableError(f"Berkas {name} tidak memiliki lembar kerja.")
            strings = sheet.shared_strings(archive, book.shared_strings)
            styles = sheet.date_styles(archive, book.styles)
        except sheet.BrokenWorkbook as exc:
            raise _broken(name) from exc

        def open_rows(title: str, part: str) -> tuple[sheet.RowReader, Rows]:
            # Every row there is, whatever dimension the sheet declares (some generators write "A1").
            reader = sheet.RowReader(archive, part, strings, styles, book.date1904, max_col=MAX_COLUMNS)
            return reader, _counted(_sheet_rows(reader.rows(), name, title), title)

        title, reader, rows, head = _choose_sheet(book, columns, required, open_rows)
        # Only the header's columns are kept from here on (a duplicate's too, so that it is still reported).
        found = header_columns(head, columns, required)
        reader.max_col = found[-1] + 1 if found else MAX_COLUMNS
        where = f" pada lembar '{title}'"
        table = table_from_rows(
            itertools.chain(head, rows), columns, required, max_rows=MAX_ROWS, where=where
        )
        table.sheet = title
        table.kind = "xlsx"
        return table
