"""Reading an uploaded staff register (XLSX or CSV) into a ``Table`` (:mod:`frontend.tabular`).

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

Pure Python plus openpyxl; messages are in Indonesian because operators see them as they are.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import zipfile
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from frontend.tabular import Formula, Table, TableError, display_value, header_key

__all__ = [
    "HEADER_SCAN_ROWS",
    "PREFERRED_SHEET",
    "decode_text",
    "header_columns",
    "read_table",
    "table_from_rows",
    "unsupported_file",
]

HEADER_SCAN_ROWS = 20
PREFERRED_SHEET = "pegawai"
# Unpacked size allowed for an .xlsx, as a multiple of the upload limit (zip bombs; openpyxl loads the
# shared strings table into memory in full).
MAX_UNPACKED_RATIO = 20
MIN_UNPACKED_LIMIT = 100 * 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_XLSX_EXTENSIONS = {".xlsx"}
_TEXT_EXTENSIONS = {".csv", ".txt"}
_DELIMITERS = (";", ",", "\t")
# Non-breaking and other odd spaces become spaces; zero-width characters and stray BOMs disappear.
_SPACE_TABLE = str.maketrans(
    {
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
    }
)
_SHARED_VALUES_PER_COLUMN = 2000


def _format_count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _format_mb(n_bytes: int) -> str:
    text = f"{n_bytes / (1024 * 1024):.1f}".removesuffix(".0")
    return f"{text.replace('.', ',')} MB"


def _unsupported(detail: str) -> TableError:
    return TableError(f"Jenis berkas tidak didukung: {detail}. Unggah .xlsx atau .csv.")


@dataclass
class _Spec:
    labels: dict[str, str]  # canonical -> label for messages (first alias)
    aliases: dict[str, str]  # header key -> canonical
    required: list[str]  # in the order of ``columns``


def _make_spec(columns: Mapping[str, Sequence[str]], required: Collection[str]) -> _Spec:
    unknown = set(required) - set(columns)
    if unknown:
        raise ValueError(f"required columns without aliases: {sorted(unknown)}")
    aliases: dict[str, str] = {}
    labels: dict[str, str] = {}
    for name, names in columns.items():
        labels[name] = names[0] if names else name
        for alias in names or [name]:
            key = header_key(alias)
            if not key:
                continue
            if aliases.get(key, name) != name:
                raise ValueError(f"alias {alias!r} given for both {aliases[key]!r} and {name!r}")
            aliases[key] = name
    return _Spec(labels=labels, aliases=aliases, required=[name for name in columns if name in required])


@dataclass
class _Header:
    row: int
    mapping: list[tuple[int, str]]  # (0-based column index, canonical), in column order
    found: dict[str, list[int]]  # canonical -> column indexes
    texts: dict[int, str]  # column index -> header text as written
    ignored: list[str]


def _match_header(row_number: int, values: Sequence[object], spec: _Spec) -> _Header:
    found: dict[str, list[int]] = {}
    texts: dict[int, str] = {}
    ignored: list[str] = []
    for index, value in enumerate(values):
        key = header_key(value)
        if not key:
            continue
        name = spec.aliases.get(key)
        if name is None:
            ignored.append(display_value(value).strip())
            continue
        found.setdefault(name, []).append(index)
        texts[index] = " ".join(display_value(value).split())
    mapping = sorted((indexes[0], name) for name, indexes in found.items())
    return _Header(row=row_number, mapping=mapping, found=found, texts=texts, ignored=ignored)


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _find_header(head: Sequence[tuple[int, Sequence[object]]], spec: _Spec) -> _Header | None:
    """The header among the first rows: the first with at least len(required) known columns, else the
    row with the most known columns (for the "missing columns" message), else None."""
    needed = max(len(spec.required), 1)
    best: _Header | None = None
    for row_number, values in head:
        if all(_is_empty(v) for v in values):
            continue
        header = _match_header(row_number, values, spec)
        if len(header.found) >= needed:
            return header
        if header.found and (best is None or len(header.found) > len(best.found)):
            best = header
    return best


def _check_header(header: _Header | None, spec: _Spec, where: str) -> _Header:
    if header is None:
        wanted = ", ".join(spec.labels[name] for name in spec.required) or ", ".join(spec.labels.values())
        raise TableError(
            f"Baris judul kolom tidak ditemukan dalam {HEADER_SCAN_ROWS} baris pertama{where}. "
            f"Baris judul harus memuat kolom: {wanted}."
        )
    for name, indexes in header.found.items():
        if len(indexes) > 1:
            letters = " dan ".join(get_column_letter(i + 1) for i in indexes)
            raise TableError(
                f"Kolom {spec.labels[name]} muncul lebih dari sekali pada baris judul "
                f"(baris {header.row}{where}, kolom {letters}). Hapus atau ganti nama salah satunya."
            )
    missing = [spec.labels[name] for name in spec.required if name not in header.found]
    if missing:
        raise TableError(
            f"Kolom wajib tidak ditemukan: {', '.join(missing)}. "
            f"Baris judul yang dikenali: baris {header.row}{where}."
        )
    return header


def _clean(text: str) -> str | None:
    if not text.isascii():
        text = text.translate(_SPACE_TABLE)
    text = text.strip()
    if text.startswith("'"):
        text = text[1:].strip()
    return text or None


def _build_table(
    rows: Iterator[tuple[int, Sequence[object]]],
    spec: _Spec,
    max_rows: int,
    where: str,
) -> Table:
    head = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    if all(all(_is_empty(v) for v in values) for _, values in head):
        if next((r for r in rows if not all(_is_empty(v) for v in r[1])), None) is None:
            raise TableError(f"Berkas kosong: tidak ada baris yang berisi data{where}.")
    header = _check_header(_find_header(head, spec), spec, where)

    # Each column shares its repeated strings (unit, status, grade...) while it has few distinct values.
    mapping: list[tuple[int, str, dict[str, str]]] = [(index, name, {}) for index, name in header.mapping]
    data: list[tuple[int, dict[str, object]]] = []
    skipped: list[int] = []
    header_keys = {name: header_key(header.texts[index]) for index, name in header.mapping}
    first_row = True
    rest = itertools.chain((item for item in head if item[0] > header.row), rows)
    for row_number, values in rest:
        width = len(values)
        record: dict[str, object] = {}
        filled = False
        for index, name, seen in mapping:
            value = values[index] if index < width else None
            if isinstance(value, str):
                value = _clean(value)
                if value is not None and len(seen) < _SHARED_VALUES_PER_COLUMN:
                    value = seen.setdefault(value, value)
            if value is not None:
                filled = True
            record[name] = value
        if not filled:
            continue
        if (first_row and _column_numbers(values)) or _repeats_header(record, header_keys):
            skipped.append(row_number)  # a printout's column numbering, or its header on a new page
            first_row = False
            continue
        first_row = False
        if len(data) >= max_rows:
            raise TableError(
                f"Berkas berisi lebih dari {_format_count(max_rows)} baris data. "
                "Bagi menjadi beberapa berkas lalu unggah satu per satu."
            )
        data.append((row_number, record))
    # A printout's footer (place and date, signature, "NIP. ..."): rows at the end with one cell at most,
    # in a table of three columns or more (in a narrower one such a row may be a whole record).
    while (
        len(mapping) >= 3 and len(data) > 1 and sum(value is not None for value in data[-1][1].values()) <= 1
    ):
        skipped.append(data.pop()[0])
    if not data:
        raise TableError(
            f"Berkas tidak berisi data pegawai: hanya baris judul (baris {header.row}) yang ditemukan{where}."
        )
    return Table(
        headers={name: header.texts[index] for index, name in header.mapping},
        rows=data,
        header_row=header.row,
        ignored_headers=header.ignored,
        skipped_rows=sorted(skipped),
    )


_COLUMN_NUMBER = re.compile(r"\(?(\d{1,3})\)?")


def _column_numbers(values: Sequence[object]) -> bool:
    """Whether a row is a printout's column numbering ("1", "2", "3"... or "(1)", "(2)"...): at least
    three filled cells, each the next number from 1."""
    expected = 1
    for value in values:
        if _is_empty(value):
            continue
        text = str(int(value)) if isinstance(value, int | float) and float(value).is_integer() else str(value)
        match = _COLUMN_NUMBER.fullmatch(text.strip())
        if match is None or int(match.group(1)) != expected:
            return False
        expected += 1
    return expected > 3


def _repeats_header(record: dict[str, object], header_keys: dict[str, str]) -> bool:
    """Whether a row repeats the header (a printout's header on each page): every filled cell holds its
    column's header, and at least two do."""
    filled = [(name, value) for name, value in record.items() if value is not None]
    return len(filled) >= 2 and all(
        isinstance(value, str) and header_key(value) == header_keys[name] for name, value in filled
    )


def table_from_rows(
    rows: Iterator[tuple[int, Sequence[object]]],
    columns: Mapping[str, Sequence[str]],
    required: Collection[str],
    *,
    max_rows: int,
    where: str = "",
) -> Table:
    """``read_table``'s header matching, value cleaning and messages over rows a caller read itself
    (``(row number, values)``, values as openpyxl gives them), for a reader with limits of its own
    (``assessment.people.services.reading``). ``where`` ends the messages (" pada lembar 'X'")."""
    return _build_table(rows, _make_spec(columns, required), max_rows, where)


def header_columns(
    head: Sequence[tuple[int, Sequence[object]]],
    columns: Mapping[str, Sequence[str]],
    required: Collection[str],
) -> list[int] | None:
    """The 0-based indexes of the known columns of the header ``read_table`` would find among the first
    rows ``head`` (a duplicate's too), or None when there is none: a reader then reads only up to the
    last of them, so that a cell far to the right costs nothing."""
    header = _find_header(head, _make_spec(columns, required))
    if header is None or not header.found:
        return None
    return sorted(index for indexes in header.found.values() for index in indexes)


def header_fit(
    head: Sequence[tuple[int, Sequence[object]]],
    columns: Mapping[str, Sequence[str]],
    required: Collection[str],
) -> tuple[int, int, bool]:
    """How well the first rows ``head`` of a sheet hold a register: (required columns found, known
    columns found, whether any cell is filled). A reader of a workbook with several sheets takes the
    first sheet whose header has every required column, else the best one (whose messages then say
    what it lacks)."""
    spec = _make_spec(columns, required)
    header = _find_header(head, spec)
    filled = any(not _is_empty(v) for _, values in head for v in values)
    if header is None:
        return 0, 0, filled
    return sum(1 for name in spec.required if name in header.found), len(header.found), filled


def unsupported_file(detail: str) -> TableError:
    """The refusal of a file that is not a register workbook or CSV (``detail`` says what it is)."""
    return _unsupported(detail)


# XLSX ---------------------------------------------------------------------------------------------


def _check_zip(data: bytes, filename: str, max_bytes: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _unsupported(f"{filename} bukan buku kerja .xlsx yang utuh") from None
    if "xl/workbook.xml" not in names:
        raise _unsupported(f"{filename} bukan buku kerja Excel (.xlsx)")
    limit = max(max_bytes * MAX_UNPACKED_RATIO, MIN_UNPACKED_LIMIT)
    if sum(info.file_size for info in infos) > limit:
        raise TableError(
            f"Isi berkas {filename} terlalu besar setelah dibuka (lebih dari {_format_mb(limit)}). "
            "Hapus lembar, gambar atau format yang tidak perlu lalu unggah lagi."
        )


def _formula(value: object) -> Formula:
    text = value if isinstance(value, str) else getattr(value, "text", None)
    return Formula(text=str(text if text is not None else value))


def _xlsx_rows(sheet: Any, filename: str) -> Iterator[tuple[int, list[object]]]:
    rows = enumerate(sheet.iter_rows(), start=1)
    while True:
        try:
            row_number, cells = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # a broken sheet: XML, zip, shared string or number errors
            raise TableError(
                f"Lembar '{sheet.title}' pada berkas {filename} tidak dapat dibaca; mungkin rusak. "
                "Buka di Excel, simpan ulang sebagai .xlsx, lalu unggah lagi."
            ) from exc
        yield row_number, [_formula(cell.value) if cell.data_type == "f" else cell.value for cell in cells]


def _read_xlsx(data: bytes, filename: str, spec: _Spec, max_bytes: int, max_rows: int) -> Table:
    _check_zip(data, filename, max_bytes)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, InvalidFileException, XML errors...)
        raise TableError(
            f"Berkas {filename} tidak dapat dibaca sebagai buku kerja Excel (.xlsx); mungkin rusak. "
            "Buka di Excel, simpan ulang sebagai .xlsx, lalu unggah lagi."
        ) from exc
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise TableError(f"Berkas {filename} tidak memiliki lembar kerja.")
        sheet = next((ws for ws in sheets if ws.title.strip().casefold() == PREFERRED_SHEET), sheets[0])
        # The stored dimension may be wrong (some generators write "A1"): read every row there is.
        sheet.reset_dimensions()
        table = _build_table(_xlsx_rows(sheet, filename), spec, max_rows, f" pada lembar '{sheet.title}'")
        table.sheet = sheet.title
        table.kind = "xlsx"
        return table
    finally:
        workbook.close()


# CSV ----------------------------------------------------------------------------------------------


def decode_text(data: bytes, filename: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data[:8192]:
        try:
            return data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            pass
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    else:
        raise _unsupported(f"{filename} bukan berkas teks CSV")
    raise TableError(
        f"Pengodean karakter berkas {filename} tidak dikenali. "
        "Simpan ulang dari Excel sebagai 'CSV UTF-8 (dipisahkan koma)' lalu unggah lagi."
    )


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=False)
    return enumerate(reader, start=1)


def _unclosed_quotes(
    rows: Iterator[tuple[int, list[str]]], delimiter: str
) -> Iterator[tuple[int, list[str]]]:
    """The rows, refusing a cell that holds both a line break and the delimiter: a quote (") opened in a
    cell and never closed, which makes the following lines one cell (their rows would silently vanish).
    Row numbers are records, as Excel shows a CSV (a quoted cell with a line break is one row)."""
    for number, values in rows:
        for value in values:
            if "\n" in value and delimiter in value:
                raise TableError(
                    f'Baris {number}: sebuah sel diawali tanda kutip (") yang tidak ditutup, sehingga '
                    "baris-baris berikutnya terbaca sebagai isi sel itu. Hapus tanda kutip itu (atau "
                    "tutup dengan tanda kutip kedua), lalu unggah lagi."
                )
        yield number, values


def _read_csv(data: bytes, filename: str, spec: _Spec, max_rows: int) -> Table:
    text, encoding = decode_text(data, filename)
    # The delimiter is the one under which the header is recognised best; ties go to the commonest.
    sample_end = 0
    for _ in range(HEADER_SCAN_ROWS + 5):
        newline = text.find("\n", sample_end)
        if newline < 0:
            sample_end = len(text)
            break
        sample_end = newline + 1
    sample = text[:sample_end]
    best: tuple[int, int, str] | None = None
    for delimiter in _DELIMITERS:
        try:
            head = list(itertools.islice(_csv_rows(sample, delimiter), HEADER_SCAN_ROWS))
        except csv.Error:
            continue
        header = _find_header(head, spec)
        score = (len(header.found) if header else 0, sample.count(delimiter), delimiter)
        if best is None or score[:2] > best[:2]:
            best = score
    delimiter = best[2] if best else _DELIMITERS[0]

    try:
        table = _build_table(_unclosed_quotes(_csv_rows(text, delimiter), delimiter), spec, max_rows, "")
    except csv.Error as exc:  # with strict=False: a cell over the csv module's field size limit
        raise TableError(
            f"Berkas CSV {filename} tidak dapat dibaca: ada sel yang terlalu panjang, "
            'biasanya karena tanda kutip (") yang tidak ditutup.'
        ) from exc
    table.kind = "csv"
    table.delimiter = delimiter
    table.encoding = encoding
    return table


def read_table(
    data: bytes,
    filename: str,
    columns: Mapping[str, Sequence[str]],
    required: Collection[str],
    max_bytes: int = 10 * 1024 * 1024,
    max_rows: int = 200_000,
) -> Table:
    """Read an uploaded register.  ``columns`` maps canonical field -> accepted header aliases
    (the first is used in messages); ``required`` are the fields that must be present.

    Raises ``TableError`` with an Indonesian message for anything the operator must fix.
    """
    spec = _make_spec(columns, required)
    name = PurePath(filename or "").name or "berkas"
    extension = PurePath(name).suffix.casefold()
    if len(data) > max_bytes:
        raise TableError(
            f"Berkas terlalu besar ({_format_mb(len(data))}). Ukuran maksimum {_format_mb(max_bytes)}."
        )
    if not data:
        raise TableError("Berkas kosong.")

    if data.startswith(_OLE_MAGIC):
        raise _unsupported(
            f"{name} adalah berkas Excel 97-2003 (.xls) atau buku kerja yang dilindungi kata sandi. "
            "Simpan ulang sebagai Buku Kerja Excel (.xlsx) tanpa kata sandi"
        )
    if data.startswith(b"%PDF"):
        raise _unsupported(f"{name} adalah berkas PDF")
    if extension in _XLSX_EXTENSIONS:
        if not data.startswith(_ZIP_MAGIC):
            raise _unsupported(f"{name} bukan buku kerja .xlsx yang sah")
        return _read_xlsx(data, name, spec, max_bytes, max_rows)
    if extension in _TEXT_EXTENSIONS:
        if data.startswith(_ZIP_MAGIC):
            raise _unsupported(
                f"{name} berisi buku kerja Excel, bukan teks CSV; ubah akhiran namanya menjadi .xlsx"
            )
        return _read_csv(data, name, spec, max_rows)
    raise _unsupported(name if not extension else f"{name} (berakhiran {extension})")
