"""The one rule set for adding training records, whether from an import file or the API.

``check`` takes rows of raw values (as a spreadsheet cell or a JSON value gives them) with their row
numbers and column names, and returns the entries to save or raises :class:`Rejected` listing *every*
problem with its row and column, in Indonesian (the operator fixes the file in one go). ``save`` then
adds them in one transaction: all or nothing.

Rules, per row: the NIP must be an employee of the region's register (active or not: a training
completed before someone left still happened); the course title is required; the completion date must
be a real date, not in the future and not before 1990; JP must be a number from 0,5 to 500 with at most
one decimal (certificates give halves; the longest programmes stay well under 500); texts must fit their
fields and may not be formulas. Across rows: the same training (same NIP, normalised title, date and
certificate number) twice in one file is an error naming both rows, since it is almost always a
copy-paste slip. A training already recorded earlier is *not* an error: it is skipped and counted
(``Saved.skipped``), so that a platform can resend its whole year and an import can be repeated.

After the save, one ``training.recorded`` webhook event is emitted (sent when the transaction commits)
and the import or API call is audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from assessment.people.models import Employee
from assessment.people.nip import NipError, normalise_nip
from assessment.training.models import MAX_JP, MIN_JP, Source, TrainingBatch, TrainingRecord
from assessment.training.services.matching import Catalogue, title_key
from audit import services as audit_trail
from frontend.tabular import Formula
from webhooks.events import Event, emit

__all__ = [
    "FIELDS",
    "INVALID_CHARACTER",
    "MAX_ROWS",
    "Entry",
    "Problem",
    "Rejected",
    "Saved",
    "check",
    "encodable",
    "save",
]

FIELDS = ("nip", "course_title", "provider", "completed_on", "jp", "certificate_number")
REQUIRED = frozenset({"nip", "course_title", "completed_on", "jp"})
MAX_ROWS = 20_000  # per file or API call: a year of a large region's completions, in batches
MAX_PROBLEMS = 200  # listed; a file with more has a systematic fault the first ones show
EARLIEST = date(1990, 1, 1)
_LENGTHS = {"course_title": 255, "provider": 200, "certificate_number": 100}
_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y")
# A text PostgreSQL cannot store (NUL, a lone surrogate); the register's API writes give it too.
INVALID_CHARACTER = "berisi karakter yang tidak sah."


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Baris {self.row}, kolom {self.column}: {self.message}"


class Rejected(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} masalah")
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Entry:
    row: int
    employee_id: int
    course_title: str
    provider: str
    completed_on: date
    jp: Decimal
    certificate_number: str
    course_id: int | None

    @property
    def identity(self) -> tuple[int, str, date, str]:
        return (self.employee_id, title_key(self.course_title), self.completed_on, self.certificate_number)


@dataclass(frozen=True)
class Saved:
    batch: TrainingBatch
    records: tuple[TrainingRecord, ...]  # the records added
    skipped: int  # rows already recorded earlier


class _Row:
    """One row's problems, collected as its cells are read."""

    def __init__(self, row: int, columns: Mapping[str, str], problems: list[Problem]) -> None:
        self.row, self.columns, self.problems = row, columns, problems

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(self.row, self.columns.get(field, field), message))


def _text(raw: object, field: str, r: _Row) -> str:
    if raw is None:
        return ""
    if isinstance(raw, Formula):
        r.fail(field, f"berisi rumus ({raw.text}); isi dengan teks biasa.")
        return ""
    if isinstance(raw, bool | dict | list):
        r.fail(field, "harus berupa teks.")
        return ""
    text = " ".join(str(raw).split())
    if "\x00" in text or not encodable(text):
        r.fail(field, INVALID_CHARACTER)
        return ""
    if len(text) > _LENGTHS[field]:
        r.fail(field, f"terlalu panjang ({len(text)} karakter, paling banyak {_LENGTHS[field]}).")
    return text


def encodable(text: str) -> bool:
    """Whether PostgreSQL can store ``text`` as UTF-8: not so with a lone surrogate, which JSON can carry
    ("\\ud800") and Python keeps (the register's API writes check with this too)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON ("\\ud800")
        return False
    return True


def _date(raw: object, r: _Row, today: date) -> date | None:
    value: date | None = None
    if isinstance(raw, datetime):
        value = raw.date()
    elif isinstance(raw, date):
        value = raw
    elif isinstance(raw, str):
        text = raw.strip()
        for fmt in _DATE_FORMATS:
            try:
                value = datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a calendar date, no time)
                break
            except ValueError:
                continue
    if value is None:
        shown = raw.text if isinstance(raw, Formula) else raw
        r.fail(
            "completed_on",
            f"tanggal tidak valid ({shown}); tulis seperti 31-12-2026 (hari-bulan-tahun) atau 2026-12-31.",
        )
        return None
    if value > today:
        r.fail(
            "completed_on", f"tanggal {value:%d-%m-%Y} belum terjadi; pelatihan yang dicatat sudah selesai."
        )
        return None
    if value < EARLIEST:
        r.fail("completed_on", f"tanggal {value:%d-%m-%Y} terlalu lama (paling awal {EARLIEST:%d-%m-%Y}).")
        return None
    return value


def _jp(raw: object, r: _Row) -> Decimal | None:
    value: Decimal | None = None
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            value = None
    elif isinstance(raw, str):
        try:
            value = Decimal(raw.strip().replace(",", "."))
        except InvalidOperation:
            value = None
    if value is None or not value.is_finite():
        shown = raw.text if isinstance(raw, Formula) else raw
        r.fail("jp", f"JP harus berupa angka (tertulis {shown}).")
        return None
    # As written: a text as the client or the cell gave it ("1e3", "2,35"), a number with a decimal comma.
    shown = raw.strip() if isinstance(raw, str) else _decimal_comma(value)
    if not MIN_JP <= value <= MAX_JP:
        r.fail(
            "jp", f"JP harus antara {_decimal_comma(MIN_JP)} dan {_decimal_comma(MAX_JP)} (tertulis {shown})."
        )
        return None
    if value != value.quantize(Decimal("0.1")):
        r.fail("jp", f"JP paling banyak satu angka desimal, misalnya 2,5 (tertulis {shown}).")
        return None
    return value.quantize(Decimal("0.1"))


def _decimal_comma(number: Decimal) -> str:
    """A number as Indonesian writes it: a decimal comma, no exponent (``Decimal("1E+3")``: 1000)."""
    return f"{number:f}".replace(".", ",")


@dataclass(frozen=True)
class _Cells:
    course_title: str
    provider: str
    certificate_number: str
    completed_on: date | None
    jp: Decimal | None


def _readable(values: Mapping[str, object], r: _Row) -> dict[str, object]:
    """The row's known fields; a text that cannot be stored or echoed (a lone surrogate from JSON) is
    reported once and then treated as absent."""
    clean: dict[str, object] = {}
    for field in FIELDS:
        raw = values.get(field)
        if isinstance(raw, str) and not encodable(raw):
            r.fail(field, INVALID_CHARACTER)
            continue
        clean[field] = raw
    return clean


def _given(raw: object) -> bool:
    return raw is not None and not (isinstance(raw, str) and not raw.strip())


def check(
    rows: Sequence[tuple[int, Mapping[str, object]]],
    columns: Mapping[str, str],
    *,
    today: date | None = None,
) -> list[Entry]:
    """The entries to save, or :class:`Rejected` with every problem. ``columns``: field -> the column
    name to show in messages (the file's header, or the API's field name)."""
    today = today or timezone.localdate()
    if len(rows) > MAX_ROWS:
        raise Rejected([Problem(0, "-", f"terlalu banyak baris ({len(rows)}); paling banyak {MAX_ROWS}.")])
    problems: list[Problem] = []
    nips: dict[int, str] = {}
    parsed: list[tuple[_Row, str, _Cells]] = []
    for number, raw_values in rows:
        r = _Row(number, columns, problems)
        values = _readable(raw_values, r)
        for field in sorted(REQUIRED):
            if field in values and not _given(values[field]):
                r.fail(field, "wajib diisi.")
        nip = ""
        if values.get("nip") is not None and not isinstance(values["nip"], str | int):
            r.fail("nip", "NIP harus berupa 18 angka.")
        elif values.get("nip") is not None:
            try:
                nip = normalise_nip(values["nip"])
            except NipError as exc:
                r.fail("nip", exc.message)
        cells = _Cells(
            course_title=_text(values.get("course_title"), "course_title", r),
            provider=_text(values.get("provider"), "provider", r),
            certificate_number=_text(values.get("certificate_number"), "certificate_number", r),
            completed_on=_date(values["completed_on"], r, today)
            if _given(values.get("completed_on"))
            else None,
            jp=_jp(values["jp"], r) if _given(values.get("jp")) else None,
        )
        if nip:
            nips[number] = nip
        parsed.append((r, nip, cells))
    employees = dict(Employee.objects.filter(nip__in=set(nips.values())).values_list("nip", "pk"))
    catalogue = Catalogue.load()
    entries: list[Entry] = []
    seen: dict[tuple[int, str, date, str], int] = {}
    for r, nip, cells in parsed:
        if nip and nip not in employees:
            r.fail("nip", f"NIP {nip} tidak terdaftar di daftar pegawai daerah ini.")
            continue
        if not nip or not cells.course_title or cells.completed_on is None or cells.jp is None:
            continue
        entry = Entry(
            row=r.row,
            employee_id=employees[nip],
            course_title=cells.course_title,
            provider=cells.provider,
            completed_on=cells.completed_on,
            jp=cells.jp,
            certificate_number=cells.certificate_number,
            course_id=catalogue.match(cells.course_title, cells.provider),
        )
        first = seen.setdefault(entry.identity, r.row)
        if first != r.row:
            r.fail(
                "course_title",
                f"pelatihan yang sama (NIP, nama, tanggal, nomor sertifikat) ada di baris {first}.",
            )
            continue
        entries.append(entry)
    if problems:
        problems.sort(key=lambda p: p.row)
        raise Rejected(problems[:MAX_PROBLEMS])
    if not entries:
        raise Rejected([Problem(0, "-", "tidak ada baris pelatihan untuk dicatat.")])
    return entries


@transaction.atomic
def save(entries: Sequence[Entry], source: Source, *, filename: str = "", user: Any = None) -> Saved:
    """Add the entries not recorded before, in one transaction; audited, with a webhook event."""
    batch = TrainingBatch.objects.create(source=source, filename=filename[:255], created_by=user)
    employee_ids = {e.employee_id for e in entries}
    known = set(
        TrainingRecord.objects.filter(employee_id__in=employee_ids).values_list(
            "employee_id", "title_key", "completed_on", "certificate_number"
        )
    )
    fresh = [e for e in entries if e.identity not in known]
    records = TrainingRecord.objects.bulk_create(
        [
            TrainingRecord(
                employee_id=e.employee_id,
                course_title=e.course_title,
                title_key=title_key(e.course_title),
                provider=e.provider,
                completed_on=e.completed_on,
                jp=e.jp,
                certificate_number=e.certificate_number,
                source=source,
                course_id=e.course_id,
                batch=batch,
            )
            for e in fresh
        ],
        # A concurrent call adding the same training between the read above and here: skipped too.
        ignore_conflicts=True,
    )
    added = TrainingRecord.objects.filter(batch=batch).count()
    batch.added, batch.skipped = added, len(entries) - added
    batch.save(update_fields=["added", "skipped"])
    audit_trail.record(
        "import.training_records",
        actor=user if user is not None else audit_trail.CURRENT,
        subject=("import", str(batch.pk), filename or source),
        source=str(source),
        filename=filename,
        rows=len(entries),
        added=batch.added,
        skipped=batch.skipped,
    )
    if added:
        emit(
            Event.TRAINING_RECORDED,
            {
                "batch": str(batch.pk),
                "source": str(source),
                "added": added,
                "skipped": batch.skipped,
                # The records themselves: GET /api/v1/training-records/?batch=<batch>.
            },
        )
    saved = tuple(TrainingRecord.objects.filter(batch=batch).order_by("id")) if records else ()
    return Saved(batch=batch, records=saved, skipped=batch.skipped)
