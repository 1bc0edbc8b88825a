"""Importing the staff register (XLSX or CSV from SIASN/SIMPEG): check first, then save all or nothing.

``check`` parses and validates the file and compares it with the register, writing nothing to it: the
admin sees counts of new, changed, unchanged, deactivated and rejected rows and every rejected row's
number, column and reason (every error of a row, and a NIP repeated in the file on each row that repeats
it, naming both rows, whatever else is wrong there). The plan a clean check makes is staged
(``staging.py``) and the save writes it without reading or checking the file again, in one transaction,
if the register has not changed since (``register_fingerprint``); a file with any rejected row is never
applied.

Uploads are untrusted, and reading one is the expensive part, so the web request only stores the file:
the check runs in the Celery worker (``tasks.py``), and there ``check_isolated`` reads the file in a
forked child under ``PARSE_CPU_SECONDS`` and ``PARSE_MEMORY`` (``isolation.py``), on top of the caps that
bound the reading itself (``reading.py``: unpacked size, shared strings, rows, columns). Any refusal
becomes a file-level error (row 0) with a message that says what is wrong. ``check`` reads in process:
the demo seeder and the tests pass files they made themselves.

A file where every row is wrong can have hundreds of thousands of problems: the first ``MAX_ERRORS`` are
kept with row, column and reason (the page lists those), the rows beyond are only counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from assessment.people.models import Employee, ImportJob, WorkUnit
from assessment.people.nip import NipError, normalise_nip, normalise_sex, validate_nip
from assessment.people.services import fields as parse
from assessment.people.services.isolation import MEMORY, LimitExceeded, run_limited
from assessment.people.services.reading import read_register
from assessment.people.services.units import name_key
from frontend.tabular import Formula, TableError

MAX_BYTES = 20 * 1024 * 1024  # the upload itself (nginx allows 25 MB)
# Reading one file in the worker's child (isolation.py). 100,000 employees in the template's columns take
# about 35 s of CPU time and 160 MB more memory (tests/perf/bench_import.py), and up to 120 s of wall-clock
# time on a 2-core machine busy with other work: these leave room for that and little for anything worse.
PARSE_CPU_SECONDS = 120
PARSE_WALL_SECONDS = 300  # for a child that hangs: CPU time measures the work, this only the wait
PARSE_MEMORY = 512 * 2**20
MAX_ERRORS = 1000  # problems kept with row, column and reason; further rejected rows are only counted
MAX_CELL_CHARS = 1000  # no register value is longer; bounds what a row may carry

# Canonical field -> headers accepted in files (the first is the template's and the messages').
COLUMNS: dict[str, list[str]] = {
    "nip": ["NIP", "NIP Baru", "Nomor Induk Pegawai", "NIP/NI PPPK", "NI PPPK"],
    "full_name": ["Nama", "Nama Lengkap", "Nama Pegawai", "Nama ASN"],
    "unit": [
        "Unit Kerja",
        "Unit",
        "OPD",
        "Perangkat Daerah",
        "Satuan Kerja",
        "Unor",
        "Unit Organisasi",
        "Nama Unit Kerja",
    ],
    "position_title": ["Jabatan", "Nama Jabatan"],
    "position_type": ["Jenis Jabatan", "Tipe Jabatan"],
    "employment_status": ["Status Kepegawaian", "Status Pegawai", "Jenis Pegawai", "Status ASN"],
    "rank": ["Golongan", "Gol", "Golongan/Ruang", "Gol/Ruang", "Pangkat/Golongan", "Grade"],
    "education": ["Pendidikan", "Pendidikan Terakhir", "Tingkat Pendidikan", "Jenjang Pendidikan"],
    "sex": ["Jenis Kelamin", "JK", "L/P", "Kelamin"],
    "birth_date": ["Tanggal Lahir", "Tgl Lahir", "Tgl. Lahir"],
    "email": ["Email", "E-mail", "Surel", "Alamat Email"],
    "phone": [
        "Nomor HP",
        "No HP",
        "No. HP",
        "HP",
        "Nomor Ponsel",
        "No Telp",
        "Telepon",
        "Nomor Telepon",
        "No. Telp/HP",
        "Telp/HP",
        "No HP/WA",
        "Nomor WA",
        "WhatsApp",
    ],
}
REQUIRED = {"nip", "full_name", "unit", "position_type", "employment_status", "sex"}
# Read from files only (the API's fields are ``COLUMNS``): whether the employee is active, as the
# register's own export writes it, so that an export imported again changes nothing. A file without
# it lists the region's staff: every row is active, as before.
STATE_COLUMNS: dict[str, list[str]] = {"active": ["Aktif", "Status Aktif"]}
FILE_COLUMNS = {**COLUMNS, **STATE_COLUMNS}
# The longest value each text column holds (the register's columns).
MAX_LENGTH = {"full_name": 200, "position_title": 200, "unit": 200}
TEMPLATE_HEADERS = [aliases[0] for aliases in COLUMNS.values()]
RECORD_FIELDS = [
    "full_name",
    "position_title",
    "position_type",
    "employment_status",
    "rank",
    "education",
    "sex",
    "birth_date",
    "email",
    "phone",
]


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class Record:
    row: int
    nip: str
    unit: str
    full_name: str
    position_title: str
    position_type: str
    employment_status: str
    rank: str
    education: str
    sex: str
    birth_date: date | None
    email: str
    phone: str
    active: bool = True


@dataclass
class Problems:
    """Row errors, the first ``MAX_ERRORS`` in full; every rejected row number is counted."""

    errors: list[RowError] = field(default_factory=list)
    rows: set[int] = field(default_factory=set)

    def add(self, error: RowError) -> None:
        self.rows.add(error.row)
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)


@dataclass
class Parsed:
    """What reading a file gives (pure data: it comes back from the reading child pickled).

    ``given``: the fields the input has (a file's columns); None for input that always has every field
    (an API batch). A field a file lacks keeps each existing employee's stored value: a file with only
    the required columns must not wipe the emails and ranks another file brought in. ``headers``: each
    field as the file names it, for messages; ``ignored``: the file's headers that match no field."""

    records: list[Record]
    problems: Problems
    given: frozenset[str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # a printout's numbering, repeated header, footer


@dataclass
class Plan:
    new: list[Record] = field(default_factory=list)
    changed: list[tuple[int, Record]] = field(default_factory=list)  # (employee pk, new values)
    unchanged: int = 0
    deactivated: list[int] = field(default_factory=list)  # employee pks
    rejected: list[RowError] = field(default_factory=list)  # the first MAX_ERRORS
    units_to_create: list[str] = field(default_factory=list)
    rows: int = 0
    rejected_row_numbers: set[int] = field(default_factory=set)  # every rejected row, listed or not
    same: list[Record] = field(default_factory=list)  # the unchanged rows (kept for a re-check)
    unit_ids: dict[str, int] = field(default_factory=dict)  # unit key -> id of the existing unit
    fingerprint: str = ""  # the register this plan was made against (``register_fingerprint``)
    kept: list[str] = field(default_factory=list)  # fields the file lacks: stored values kept
    ignored_headers: list[str] = field(default_factory=list)  # the file's headers that match no field
    skipped_rows: list[int] = field(default_factory=list)  # rows that hold no employee (``Parsed``)

    def notes(self) -> dict[str, list[Any]]:
        """What the admin should know of a file besides its rows (``ImportJob.notes``)."""
        return {"kept": self.kept, "ignored": self.ignored_headers, "skipped": self.skipped_rows}

    def reject(self, error: RowError) -> None:
        self.rejected_row_numbers.add(error.row)
        if len(self.rejected) < MAX_ERRORS:
            self.rejected.append(error)

    @property
    def rejected_rows(self) -> int:
        return len(self.rejected_row_numbers | {error.row for error in self.rejected})

    def summary(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "deactivated": len(self.deactivated),
            "rejected": self.rejected_rows,
            "units_created": len(self.units_to_create),
        }

    def error_list(self) -> list[dict[str, Any]]:
        return [asdict(error) for error in self.rejected]


class ImportRejected(Exception):
    """The file cannot be imported (a file-level error or rejected rows)."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(f"{len(plan.rejected)} errors")
        self.plan = plan


def _file_error(message: str) -> Plan:
    return Plan(rejected=[RowError(row=0, column="", message=message)])


# Fields with few distinct values (a register repeats "PNS", "III/a", "S1" thousands of times): their
# parsed value or message is remembered per value within one parse (``parse_rows``), which saves most of
# a row's parsing time. The parsers are pure, so the outcome is the same as parsing the cell again.
_REPEATING = frozenset({"employment_status", "sex", "rank", "position_type", "education", "active"})
_REQUIRED_ORDER = [name for name in COLUMNS if name in REQUIRED]  # "wajib diisi" in the template's order

# (field, type, value, *args) -> (parsed?, the value or the message)
Memo = dict[tuple[object, ...], tuple[bool, Any]]


def _parse_row(
    number: int, raw: dict[str, object], headers: Mapping[str, str], memo: Memo | None = None
) -> tuple[Record | None, str | None, list[RowError]]:
    """The row as a Record (None when it has any error), its NIP when the NIP cell itself is valid, and
    every error of the row: the NIP is returned even from a row with other errors, so that a duplicate
    NIP is reported on every row that repeats one. ``memo``: outcomes of repeating fields (``_REPEATING``)
    shared by the rows of one parse."""
    errors: list[RowError] = []
    unusable: set[str] = set()  # cells already reported: not parsed again (one message per cell)

    def fail(name: str, message: str) -> None:
        errors.append(RowError(number, headers.get(name, FILE_COLUMNS[name][0]), message))
        unusable.add(name)

    for name, value in raw.items():
        if type(value) is str:  # the usual cell: only its length can be wrong here
            if len(value) > MAX_CELL_CHARS:
                fail(name, f"Isi sel terlalu panjang: {len(value)} karakter, paling banyak {MAX_CELL_CHARS}.")
        elif isinstance(value, Formula):
            fail(name, f"Sel berisi rumus ({value.text}); rumus tidak dihitung. Tempel sebagai nilai saja.")
        elif isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            fail(name, f"Isi sel terlalu panjang: {len(value)} karakter, paling banyak {MAX_CELL_CHARS}.")

    def value_of(name: str, parser: Callable[..., Any], *args: Any) -> Any:
        if name in unusable:
            return None
        value = raw.get(name)
        key: tuple[object, ...] | None = None
        if memo is not None and name in _REPEATING:
            key = (name, type(value), value, *args)  # the type too: 1, 1.0 and True are equal keys
            try:
                known = memo.get(key)
            except TypeError:  # an unhashable value: parsed every time
                key, known = None, None
            if known is not None:
                if known[0]:
                    return known[1]
                fail(name, known[1])
                return None
        try:
            parsed = parser(value, *args)
        except (parse.FieldError, NipError) as exc:
            if key is not None:
                memo[key] = (False, str(exc))  # type: ignore[index]
            fail(name, str(exc))
            return None
        if key is not None:
            memo[key] = (True, parsed)  # type: ignore[index]
        return parsed

    for name in _REQUIRED_ORDER:
        if name != "nip" and name not in unusable and not parse.text(raw.get(name)):
            fail(name, f"{headers.get(name, COLUMNS[name][0])} wajib diisi.")
    nip = value_of("nip", normalise_nip)
    status = value_of("employment_status", parse.employment_status)
    sex = value_of("sex", normalise_sex)
    birth = value_of("birth_date", parse.birth_date)
    record_rank = value_of("rank", parse.rank, status) if status else None
    if nip and status:
        try:
            info = validate_nip(nip, status, birth_date=birth, sex=sex)
        except NipError as exc:
            fail(
                "birth_date"
                if exc.code == "birth_date_mismatch"
                else "sex"
                if exc.code == "sex_mismatch"
                else "nip",
                str(exc),
            )
        else:
            if info is not None and birth is None:
                birth = info.birth_date  # PNS and CPNS: the NIP says it
    position = value_of("position_type", parse.position_type)
    education = value_of("education", parse.education)
    email = value_of("email", parse.email)
    phone = value_of("phone", parse.phone)
    active = value_of("active", parse.active) if "active" in raw else True
    texts = {name: parse.text(raw.get(name)) for name in MAX_LENGTH}
    for name, value in texts.items():
        if name not in unusable and len(value) > MAX_LENGTH[name]:
            fail(name, f"Isi terlalu panjang: {len(value)} karakter, paling banyak {MAX_LENGTH[name]}.")
    if errors:
        return None, nip, errors
    record = Record(
        row=number,
        nip=nip,
        unit=texts["unit"],
        full_name=texts["full_name"],
        position_title=texts["position_title"],
        position_type=position,
        employment_status=status,
        rank=record_rank or "",
        education=education or "",
        sex=sex,
        birth_date=birth,
        email=email or "",
        phone=phone or "",
        active=active is not False,
    )
    return record, nip, []


def parse_file(data: bytes, filename: str) -> Parsed:
    """Every row of the file as a Record, or its errors. Raises TableError for a file-level problem.

    Pure (no database), so that ``check_isolated`` can run it in a child process."""
    table = read_register(data, filename, FILE_COLUMNS, REQUIRED, max_bytes=MAX_BYTES)
    if not table.rows:
        raise TableError("Berkas tidak berisi baris pegawai di bawah baris judul kolom.")
    parsed = parse_rows(table.rows, table.headers)
    parsed.given = frozenset(table.headers)
    parsed.ignored = list(table.ignored_headers)
    parsed.skipped = list(table.skipped_rows)
    return parsed


def parse_rows(rows: Iterable[tuple[int, dict[str, object]]], headers: Mapping[str, str]) -> Parsed:
    """Every row as a Record, or its errors: the rows of a file (``parse_file``) or of an API batch
    (``api.v1.register``), checked alike. ``headers`` names each field as the messages call it (the
    file's header; a field not in it is called by the template's header). Pure (no database)."""
    problems = Problems()
    records: list[Record] = []
    first_row_of: dict[str, int] = {}
    memo: Memo = {}
    for number, raw in rows:
        record, nip, errors = _parse_row(number, raw, headers, memo)
        if nip:
            first = first_row_of.setdefault(nip, number)
            if first != number:  # listed first: it names both rows, whatever else is wrong here
                errors.insert(
                    0,
                    RowError(
                        number,
                        headers.get("nip", FILE_COLUMNS["nip"][0]),
                        f"NIP {nip} ada di dua baris: baris {first} dan baris {number}. Satu pegawai "
                        "hanya boleh ada di satu baris; hapus atau perbaiki salah satunya.",
                    ),
                )
                record = None
        for error in errors:
            problems.add(error)
        if record is not None:
            records.append(record)
    return Parsed(records, problems, headers=dict(headers))


def _unit_lookup(units: Iterable[WorkUnit]) -> dict[str, WorkUnit]:
    lookup: dict[str, WorkUnit] = {}
    for unit in units:
        lookup[name_key(unit.name)] = unit
        lookup.setdefault(name_key(unit.code), unit)
    return lookup


def register_fingerprint() -> str:
    """A digest of everything a plan depends on: every employee's compared fields and every unit's name,
    code and whether it is retired. Taken before the register is read for a plan, and again (under a
    lock) before the plan is saved: a different digest means the register changed in between."""
    employee = Employee._meta.db_table
    unit = WorkUnit._meta.db_table
    columns = ", ".join(["id", "nip", "unit_id", "is_active", *RECORD_FIELDS])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT md5(coalesce((SELECT string_agg(json_build_array({columns})::text, E'\\n' ORDER BY id) "  # noqa: S608
            f"FROM {employee}), '') || '/' || coalesce((SELECT string_agg(json_build_array(id, code, "
            f"name_key, retired_at IS NULL)::text, E'\\n' ORDER BY id) FROM {unit}), ''))"
        )
        row = cursor.fetchone()
    return str(row[0]) if row else ""


def plan_import(parsed: Parsed, *, create_units: bool, deactivate_missing: bool, batch: bool = False) -> Plan:
    """Compare the parsed rows with the register: what is new, changed, unchanged, rejected.

    ``batch``: the rows are a part of the register sent by another system (``api.register_upsert``,
    at most a thousand rows, saved in the same transaction under its own guard): only the employees
    they name are read, and no fingerprint of the whole register is taken. The checks are the same."""
    if batch and deactivate_missing:
        raise ValueError("a batch is a part of the register: it cannot deactivate the employees it omits")
    records = parsed.records
    kept = [] if parsed.given is None else [name for name in RECORD_FIELDS if name not in parsed.given]
    plan = Plan(
        rejected=list(parsed.problems.errors),
        rejected_row_numbers=set(parsed.problems.rows),
        rows=len(records) + len(parsed.problems.rows),
        fingerprint="" if batch else register_fingerprint(),  # first: a change after it is seen at the save
        kept=kept,
        ignored_headers=list(parsed.ignored),
        skipped_rows=list(parsed.skipped),
    )
    unit_column = parsed.headers.get("unit", COLUMNS["unit"][0])
    every_unit = list(WorkUnit.objects.all())  # one query for the active and the retired ones
    units = _unit_lookup(u for u in every_unit if u.retired_at is None)
    retired = _unit_lookup(u for u in every_unit if u.retired_at is not None)
    new_units: dict[str, str] = {}
    employees = Employee.objects.all()
    if batch:
        employees = employees.filter(nip__in=[record.nip for record in records])
    existing = {
        row["nip"]: row for row in employees.values("pk", "nip", "unit_id", "is_active", *RECORD_FIELDS)
    }
    keys: dict[str, str] = {}  # a unit as written -> its key: a register names each unit many times
    for record in records:
        key = keys.get(record.unit) or keys.setdefault(record.unit, name_key(record.unit))
        unit = units.get(key)
        if unit is None and not record.active:
            unit = retired.get(key)  # a former employee may stay in a retired unit (the export's rows)
        if unit is None:
            if key in retired:
                plan.reject(
                    RowError(
                        record.row,
                        unit_column,
                        f"Unit kerja “{record.unit}” sudah tidak aktif. Pindahkan pegawai aktif ke unit "
                        "lain, atau aktifkan lagi unit itu lebih dulu.",
                    )
                )
                continue
            if not create_units:
                plan.reject(
                    RowError(
                        record.row,
                        unit_column,
                        f"Unit kerja “{record.unit}” tidak dikenal. Tambahkan unit itu lebih dulu, "
                        "atau centang “Buat unit kerja yang belum ada”.",
                    )
                )
                continue
            new_units.setdefault(key, record.unit)
        else:
            plan.unit_ids[key] = unit.pk
        current = existing.get(record.nip)
        if current is None:
            plan.new.append(record)
            continue
        for name in kept:  # absent from the file: the stored value stays (or a derived one fills a gap)
            if current[name] not in ("", None):
                setattr(record, name, current[name])
        same_unit = unit is not None and unit.pk == current["unit_id"]
        same = (
            same_unit
            and current["is_active"] == record.active
            and all(getattr(record, name) == current[name] for name in RECORD_FIELDS)
        )
        if same:
            plan.unchanged += 1
            plan.same.append(record)
        else:
            plan.changed.append((current["pk"], record))
    if deactivate_missing:
        seen = {record.nip for record in records}
        plan.deactivated = [
            row["pk"] for nip, row in existing.items() if row["is_active"] and nip not in seen
        ]
    plan.units_to_create = sorted(new_units.values())
    return plan


def check(
    data: bytes, filename: str, *, create_units: bool = False, deactivate_missing: bool = False
) -> Plan:
    """The dry run: what an import of this file would do. Writes nothing. Reads the file in process."""
    try:
        parsed = parse_file(data, filename)
    except TableError as exc:
        return _file_error(str(exc))
    return plan_import(parsed, create_units=create_units, deactivate_missing=deactivate_missing)


def _limit_message(exc: LimitExceeded) -> str:
    if exc.kind == MEMORY:
        return (
            f"Pemeriksaan berkas dihentikan: membacanya memerlukan lebih dari {exc.memory // 2**20} MB "
            "memori. Hapus lembar, kolom dan baris yang tidak diperlukan (atau salin data pegawai saja ke "
            "buku kerja baru), lalu unggah lagi."
        )
    return (
        f"Pemeriksaan berkas dihentikan karena terlalu lama: lebih dari {exc.seconds:g} detik. Berkas daftar "
        "pegawai biasa terbaca jauh lebih cepat. Hapus lembar, kolom dan baris yang tidak diperlukan (atau "
        "salin data pegawai saja ke buku kerja baru), lalu unggah lagi."
    )


def check_isolated(
    data: bytes, filename: str, *, create_units: bool = False, deactivate_missing: bool = False
) -> Plan:
    """``check`` for an uploaded file: read in a child process within ``PARSE_CPU_SECONDS`` and
    ``PARSE_MEMORY`` (the Celery tasks use this), then compared with the register here."""
    try:
        parsed = run_limited(
            parse_file,
            data,
            filename,
            cpu_seconds=PARSE_CPU_SECONDS,
            wall_seconds=PARSE_WALL_SECONDS,
            memory=PARSE_MEMORY,
        )
    except TableError as exc:
        return _file_error(str(exc))
    except LimitExceeded as exc:
        return _file_error(_limit_message(exc))
    return plan_import(parsed, create_units=create_units, deactivate_missing=deactivate_missing)


def checking_elsewhere(lost_after: int) -> bool:
    """Whether another upload of this region is still being checked. One at a time per region, so that
    one admin cannot fill the workers every region shares; a check older than ``lost_after`` seconds
    has lost its task and blocks nothing."""
    since = timezone.now() - timedelta(seconds=lost_after)
    return ImportJob.objects.filter(state=ImportJob.State.CHECKING, check_started_at__gte=since).exists()


def fail_if_lost(job: ImportJob, lost_after: int) -> None:
    """Fail a check still waiting after ``lost_after`` seconds (its task was lost), so that its page stops
    waiting and tells the admin to upload again."""
    since = timezone.now() - timedelta(seconds=lost_after)
    if job.state != ImportJob.State.CHECKING or job.check_started_at >= since:
        return
    job.state = ImportJob.State.FAILED
    job.failure = (
        "Pemeriksaan berkas tidak selesai karena tugas latar belakangnya hilang. Unggah berkas itu lagi."
    )
    job.finished_at = timezone.now()
    ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKING).update(
        state=job.state, failure=job.failure, finished_at=job.finished_at
    )
