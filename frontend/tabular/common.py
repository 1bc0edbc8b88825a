"""What reading and writing tables share: the table read, its cells, a formula cell, the error an operator
sees, and how headers are matched and values shown in messages."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time

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
