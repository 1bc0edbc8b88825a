"""Streaming one worksheet of an .xlsx with expat: each row's values as openpyxl's read-only mode gives
them, four to six times faster.

Why: a 12,500-row register took openpyxl 1.6-2.2 s to read (it builds a cell object, and for inline
strings a rich-text object, per cell), most of the 3 s an admin may wait for the whole check. Here expat,
in C, calls back per XML element and the callbacks only keep the text of the cells asked for; the
workbook's parts are found as openpyxl finds them (workbook, its relationships, shared strings, styles).

Values, as openpyxl (``read_only=True, data_only=False``) gives them: shared and inline strings as text
(phonetic runs left out), numbers as ``int`` when written without a point or an exponent else ``float``,
numbers in a date or time format as ``datetime`` (or ``timedelta`` for durations) in the workbook's
1900 or 1904 date system, ``t="d"`` ISO dates as ``datetime``, booleans as ``bool``, errors as their text
(``#N/A``), and any cell with a formula as ``Formula`` (never evaluated; shared formulas are translated
to the cell, as openpyxl does). Rows come with their numbers, and the rows a sheet skips come as empty
rows, so that callers count them as before (``reading.MAX_ROWS``).

Untrusted input: a DTD is refused (so no entity is ever expanded) and every XML or archive fault becomes
``BrokenWorkbook``; the caps on sizes, shared strings, rows and columns are the caller's
(``reading.py``), which checks them before and while this runs.
"""

from __future__ import annotations

import contextlib
import posixpath
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any
from xml.parsers import expat

from openpyxl.formula.translate import Translator
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from frontend.tabular import Formula

WORKSHEET = "/worksheet"
SHARED_STRINGS = "/sharedStrings"
STYLES = "/styles"


class BrokenWorkbook(Exception):
    """The workbook's XML or archive is damaged (or holds a DTD)."""


@dataclass(frozen=True)
class WorkbookParts:
    sheets: list[tuple[str, str]]  # (title, part), worksheets only, in the workbook's order
    shared_strings: str | None
    styles: str | None
    date1904: bool
    hidden: frozenset[str] = frozenset()  # titles of the hidden sheets (lists of values, leftovers)


def _local(tag: str) -> str:
    return tag[tag.find(":") + 1 :]


def _parse(archive: zipfile.ZipFile, part: str, start: Callable[..., None], **handlers: Any) -> None:
    """Feed ``part`` through expat in chunks; a DTD or any fault raises ``BrokenWorkbook``."""

    def no_doctype(*args: Any) -> None:
        raise BrokenWorkbook("DTD")

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = no_doctype
    parser.StartElementHandler = start
    for name, handler in handlers.items():
        setattr(parser, name, handler)
    try:
        with archive.open(part) as source:
            while chunk := source.read(2**16):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError) as exc:
        raise BrokenWorkbook(str(exc)) from exc


def _relationships(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target part) of ``part``."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    found: dict[str, tuple[str, str]] = {}
    if rels not in archive.NameToInfo:
        return found

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(path))

    _parse(archive, rels, start)
    return found


def workbook(archive: zipfile.ZipFile, part: str = "xl/workbook.xml") -> WorkbookParts:
    relationships = _relationships(archive, part)
    sheets: list[tuple[str, str]] = []
    hidden: set[str] = set()
    flags = {"date1904": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "sheet":
            rid = next((v for k, v in attrs.items() if k == "id" or k.endswith(":id")), "")
            kind, target = relationships.get(rid, ("", ""))
            if kind.endswith(WORKSHEET) and target in archive.NameToInfo:
                sheets.append((attrs.get("name", ""), target))
                if attrs.get("state") in {"hidden", "veryHidden"}:
                    hidden.add(attrs.get("name", ""))
        elif local == "workbookPr":
            flags["date1904"] = attrs.get("date1904", "").strip().lower() in {"1", "true"}

    _parse(archive, part, start)

    def first(kind: str) -> str | None:
        return next(
            (t for k, t in relationships.values() if k.endswith(kind) and t in archive.NameToInfo), None
        )

    return WorkbookParts(sheets, first(SHARED_STRINGS), first(STYLES), flags["date1904"], frozenset(hidden))


def shared_strings(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    """The shared-strings table (the caller has capped its size already)."""
    strings: list[str] = []
    if part is None:
        return strings
    state: dict[str, Any] = {"text": None, "phonetic": 0, "capture": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "si":
            state["text"] = []
        elif local == "rPh":
            state["phonetic"] += 1
        elif local == "t" and not state["phonetic"]:
            state["capture"] = True

    def end(tag: str) -> None:
        local = _local(tag)
        if local == "si":
            strings.append("".join(state["text"] or ()))
            state["text"] = None
        elif local == "rPh":
            state["phonetic"] -= 1
        elif local == "t":
            state["capture"] = False

    def text(data: str) -> None:
        if state["capture"] and state["text"] is not None:
            state["text"].append(data)

    _parse(archive, part, start, EndElementHandler=end, CharacterDataHandler=text)
    return strings


def date_styles(archive: zipfile.ZipFile, part: str | None) -> dict[int, bool]:
    """Cell style index -> True for a duration format, False for a date format (other styles absent)."""
    if part is None:
        return {}
    custom: dict[int, str] = {}
    formats: list[int] = []
    where = {"cell_xfs": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "numFmt":
            with contextlib.suppress(ValueError):
                custom[int(attrs.get("numFmtId", ""))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            where["cell_xfs"] = True
        elif local == "xf" and where["cell_xfs"]:
            try:
                formats.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                formats.append(0)

    def end(tag: str) -> None:
        if _local(tag) == "cellXfs":
            where["cell_xfs"] = False

    _parse(archive, part, start, EndElementHandler=end)
    styles: dict[int, bool] = {}
    for index, number in enumerate(formats):
        code = custom.get(number) or BUILTIN_FORMATS.get(number) or "General"
        if is_date_format(code):
            styles[index] = is_timedelta_format(code)
    return styles


@cache
def _column(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + (ord(letter) - 64)
    return index - 1


def _split(ref: str) -> tuple[int, int]:
    """(0-based column, row number) of a reference like "AB12"."""
    letters = ref.rstrip("0123456789")
    return _column(letters), int(ref[len(letters) :])


class RowReader:
    """The rows of one worksheet; ``max_col`` (columns kept per row) may be lowered while reading."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        part: str,
        strings: list[str],
        styles: dict[int, bool],
        date1904: bool,
        max_col: int,
    ) -> None:
        self.archive, self.part, self.strings, self.styles = archive, part, strings, styles
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self.max_col = max_col

    def _value(self, kind: str | None, style: int | None, raw: str | None) -> object:
        if kind == "s":
            return self.strings[int(raw or "")] if raw is not None else None
        if kind == "inlineStr" or kind == "str":
            return raw or None  # an empty string cell is empty, as openpyxl reads it
        if raw is None or raw == "":
            return None
        if kind == "b":
            return raw.strip() in {"1", "true"}
        if kind == "e":
            return raw
        if kind == "d":
            return from_ISO8601(raw)
        number: int | float = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
        if style is not None and style in self.styles:
            try:
                return from_excel(number, self.epoch, timedelta=self.styles[style])
            except (ValueError, OverflowError):
                return number
        return number

    def rows(self) -> Iterator[tuple[int, list[object]]]:
        # The handlers run once per element (about four per cell): plain local variables, not attributes
        # or a dict, keep them cheap.
        done: list[tuple[int, list[object]]] = []
        row = 0
        values: list[object] | None = None
        col = -1
        cell: tuple[int, str | None, int | None, str] | None = None  # (column, type, style, ref) kept
        collecting: list[str] | None = None  # the text of the current <v>, <t> or <f>
        value: str | None = None
        formula: tuple[str, str | None, str | None] | None = None  # (text, type, shared index)
        phonetic = 0
        shared: dict[str, tuple[str, str]] = {}  # shared formula index -> (text, origin cell)
        split, convert = _split, self._value

        def start(tag: str, attrs: dict[str, str]) -> None:
            nonlocal row, values, col, cell, collecting, value, formula, phonetic
            local = tag if ":" not in tag else _local(tag)
            if local == "c":
                ref = attrs.get("r")
                if ref:
                    col = split(ref)[0]
                else:
                    col, ref = col + 1, ""
                if col < self.max_col:
                    style = attrs.get("s")
                    cell = (col, attrs.get("t"), int(style) if style else None, ref)
                    value = formula = None
                else:
                    cell = None
            elif cell is None:
                if local == "row":
                    number = attrs.get("r")
                    row = int(number) if number else row + 1
                    values, col = [], -1
            elif local == "v" or (local == "t" and not phonetic):
                collecting = []
            elif local == "f":
                collecting = []
                formula = ("", attrs.get("t"), attrs.get("si"))
            elif local == "rPh":
                phonetic += 1

        def end(tag: str) -> None:
            nonlocal values, cell, collecting, value, formula, phonetic
            local = tag if ":" not in tag else _local(tag)
            if local == "c":
                if cell is not None:
                    column, kind, style, ref = cell
                    result: object
                    if formula is not None:
                        text, ftype, index = formula
                        if ftype == "shared" and index is not None:
                            if text:
                                shared[index] = (text, ref)
                            elif index in shared and ref:
                                master, origin = shared[index]
                                text = Translator("=" + master, origin).translate_formula(ref)[1:]
                        result = Formula(text="=" + text)
                    else:
                        result = convert(kind, style, value)
                    if values is not None:
                        if column >= len(values):
                            values.extend([None] * (column + 1 - len(values)))
                        values[column] = result
                    cell = None
            elif local == "row":
                done.append((row, values or []))
                values = None
            elif cell is not None and collecting is not None:
                if local == "v":
                    value, collecting = "".join(collecting), None
                elif local == "t":
                    value, collecting = (value or "") + "".join(collecting), None
                elif local == "f" and formula is not None:
                    formula, collecting = ("".join(collecting), formula[1], formula[2]), None
            if local == "rPh" and cell is not None:
                phonetic -= 1

        def text(data: str) -> None:
            if collecting is not None:
                collecting.append(data)

        def no_doctype(*args: Any) -> None:
            raise BrokenWorkbook("DTD")

        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = no_doctype
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        previous = 0
        try:
            with self.archive.open(self.part) as source:
                while True:
                    chunk = source.read(2**16)
                    parser.Parse(chunk, not chunk)
                    for number, cells in done:  # not ``values``: the handlers' row in progress
                        for gap in range(previous + 1, number):  # skipped rows, as openpyxl yields them
                            yield gap, []
                        previous = max(previous, number)
                        yield number, cells
                    done.clear()
                    if not chunk:
                        return
        except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, ValueError, IndexError) as exc:
            raise BrokenWorkbook(str(exc)) from exc
