"""Importing a region's users (admins, unit coordinators) from a CSV or XLSX file, all or nothing.

Columns: ``Nama``, ``Email``, ``Peran`` and ``Unit Kerja`` (a coordinator's units, by code or name,
separated by ";"). Every row is checked first: a row that is wrong anywhere is reported with its row
number, its column as written in the file and what to fix, in Indonesian (operators see the messages as
they are, as in the register import), and then nothing is created. A file without a problem creates
every user and assigns every unit in one transaction; the caller mails the invitations after it commits.

Reading: the file goes through the register import's reader (``assessment.people.services.reading``:
``frontend.tabular``'s header matching and cleaning, within caps on parts, unpacked size and rows) in a
forked child under a CPU and a memory limit (``isolation.run_limited``). Unlike the register (up to
100,000 rows, read by Celery), a users file is small, capped at ``MAX_BYTES`` and ``MAX_USERS``, so the
admin gets the answer on the same page; the child's limits bound what a crafted file can cost the web
worker to a few seconds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.roles import Role
from accounts.services import create_user
from assessment.people.services import coordinators
from assessment.people.services.coordinators import SEPARATOR
from assessment.people.services.isolation import MEMORY, LimitExceeded, run_limited
from assessment.people.services.reading import read_register
from frontend.tabular import Formula, Table, TableError, display_value
from frontend.tabular_reading import decode_text

if TYPE_CHECKING:
    from accounts.models import User
    from assessment.people.models import WorkUnit

MAX_BYTES = 2 * 2**20
MAX_USERS = 5_000
MAX_CELL_CHARS = 1_000
READ_CPU_SECONDS = 10
READ_WALL_SECONDS = 30
READ_MEMORY = 256 * 2**20

COLUMNS: dict[str, list[str]] = {
    "full_name": ["Nama", "Nama Lengkap", "Nama Pengguna"],
    "email": ["Email", "E-mail", "Surel", "Alamat Email"],
    "role": ["Peran", "Role", "Hak Akses"],
    "units": ["Unit Kerja", "Unit", "Kode Unit", "OPD", "Perangkat Daerah"],
}
REQUIRED = ("full_name", "email", "role")
# Written values of the role column (folded: lower case, single spaces) -> role.
ROLE_WORDS: dict[str, str] = {
    "admin": Role.REGION_ADMIN,
    "admin wilayah": Role.REGION_ADMIN,
    "admin daerah": Role.REGION_ADMIN,
    "region admin": Role.REGION_ADMIN,
    "region_admin": Role.REGION_ADMIN,
    "koordinator": Role.UNIT_COORDINATOR,
    "koordinator unit": Role.UNIT_COORDINATOR,
    "unit coordinator": Role.UNIT_COORDINATOR,
    "unit_coordinator": Role.UNIT_COORDINATOR,
    "coordinator": Role.UNIT_COORDINATOR,
    "pegawai": Role.EMPLOYEE,
    "employee": Role.EMPLOYEE,
}


@dataclass(frozen=True)
class RowError:
    row: int  # 0: the file as a whole
    column: str
    message: str


@dataclass(frozen=True)
class NewUser:
    row: int
    full_name: str
    email: str
    role: str
    units: tuple[WorkUnit, ...]


@dataclass
class Outcome:
    users: list[NewUser] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: list[User] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


def _read(data: bytes, filename: str) -> Table:
    return read_register(data, filename, COLUMNS, REQUIRED, max_bytes=MAX_BYTES)


def read(data: bytes, filename: str) -> Table:
    """The file's table, read in a limited child; ``TableError`` with the message for the admin."""
    try:
        return run_limited(
            _read,
            data,
            filename,
            cpu_seconds=READ_CPU_SECONDS,
            wall_seconds=READ_WALL_SECONDS,
            memory=READ_MEMORY,
        )
    except LimitExceeded as exc:
        what = "memori" if exc.kind == MEMORY else "waktu"
        raise TableError(
            f"Berkas {filename} terlalu berat untuk dibaca (melebihi batas {what}). "
            "Simpan hanya kolom Nama, Email, Peran dan Unit Kerja, lalu unggah lagi."
        ) from exc


def rejoin_units(data: bytes, table: Table) -> list[RowError]:
    """A ";"-separated CSV splits "DINKES; Kecamatan Tenggarong" into two cells unless it is quoted, and
    the second would be dropped unseen (it has no header). Cells past the last header belong to Unit
    Kerja when it is the last column (as in the template): they are joined back; elsewhere the row is
    refused, so that no unit is ever lost silently."""
    if table.kind != "csv" or not table.delimiter or "units" not in table.headers:
        return []
    text, _encoding = decode_text(data, "berkas")
    records = csv.reader(
        io.StringIO(text, newline=""), delimiter=table.delimiter, quotechar='"', strict=False
    )
    by_number = dict(table.rows)
    errors: list[RowError] = []
    header: list[str] = []
    for number, cells in enumerate(records, start=1):
        if number == table.header_row:
            header = [cell.strip() for cell in cells]
            while header and not header[-1]:
                header.pop()
            continue
        extras = [cell.strip() for cell in cells[len(header) :] if cell.strip()]
        if number < table.header_row or not extras or number not in by_number:
            continue
        units_column = table.headers["units"]
        if header and header[-1] == units_column:
            raw = by_number[number]
            raw["units"] = SEPARATOR.join([display_value(raw.get("units") or ""), *extras])
        else:
            errors.append(
                RowError(
                    number,
                    units_column,
                    f"Baris ini berisi sel di luar kolom berjudul ({'; '.join(extras)}). Jika {units_column} "
                    "berisi beberapa unit dipisahkan “;”, apit isinya dengan tanda kutip atau jadikan kolom "
                    "terakhir.",
                )
            )
    return errors


def check(table: Table) -> Outcome:
    """Every row checked against the file and the region's users and units; nothing written."""
    outcome = Outcome()
    if len(table.rows) > MAX_USERS:
        outcome.errors.append(
            RowError(
                0,
                "",
                f"Berkas berisi {len(table.rows):,} baris; paling banyak {MAX_USERS:,}.".replace(",", "."),
            )
        )
        return outcome
    user_model: Any = get_user_model()
    labels = dict(Role.choices)
    taken = {
        email.lower(): (name, str(labels.get(role, role)))
        for email, name, role in user_model.objects.filter(
            email__in={display_value(raw.get("email") or "").strip().lower() for _number, raw in table.rows}
        ).values_list("email", "full_name", "role")
    }
    lookup = coordinators.Lookup.load()
    seen: dict[str, int] = {}
    for number, raw in table.rows:
        if all(value is None for value in raw.values()):
            continue  # a blank row between users
        errors: list[RowError] = []

        def fail(name: str, message: str, number: int = number, errors: list[RowError] = errors) -> None:
            errors.append(RowError(number, table.headers.get(name, COLUMNS[name][0]), message))

        for name, value in raw.items():
            if isinstance(value, Formula):
                fail(name, f"Sel berisi rumus ({value.text}); rumus tidak dihitung. Tulis nilainya saja.")
            elif len(display_value(value)) > MAX_CELL_CHARS:
                fail(
                    name,
                    f"Isi sel terlalu panjang; paling banyak {MAX_CELL_CHARS:,} karakter.".replace(",", "."),
                )
        if errors:
            outcome.errors += errors
            continue
        full_name = " ".join(display_value(raw.get("full_name") or "").split())
        email = display_value(raw.get("email") or "").strip().lower()
        role_text = " ".join(display_value(raw.get("role") or "").split())
        unit_texts = coordinators.split_units(display_value(raw.get("units") or ""))
        if not full_name:
            fail("full_name", "Nama wajib diisi.")
        elif len(full_name) > 150:
            fail("full_name", "Nama terlalu panjang; paling banyak 150 karakter.")
        if not email:
            fail("email", "Email wajib diisi.")
        else:
            try:
                validate_email(email)
            except ValidationError:
                fail("email", f"“{email}” bukan alamat email yang sah.")
            else:
                if email in seen:
                    fail(
                        "email", f"Alamat {email} sudah ada di baris {seen[email]}; satu baris per pengguna."
                    )
                elif email in taken:
                    name, role_label = taken[email]
                    fail(
                        "email",
                        f"Alamat {email} sudah dipakai akun {name} ({role_label}); ubah peran dan unit "
                        "kerjanya di halaman pengguna itu, bukan lewat impor.",
                    )
                seen.setdefault(email, number)
        role = ROLE_WORDS.get(role_text.casefold()) if role_text else None
        if not role_text:
            fail("role", "Peran wajib diisi: Admin, Koordinator atau Pegawai.")
        elif role is None:
            fail("role", f"Peran “{role_text}” tidak dikenal; tulis Admin, Koordinator atau Pegawai.")
        found: list[WorkUnit] = []
        if role == Role.UNIT_COORDINATOR:
            found, unknown = coordinators.resolve(unit_texts, lookup)
            if not unit_texts:
                fail(
                    "units",
                    "Koordinator harus diberi sedikitnya satu unit kerja "
                    "(kode atau nama, pisahkan dengan “;”).",
                )
            elif unknown:
                listed = "; ".join(f"“{text}”" for text in unknown)
                fail(
                    "units",
                    f"Unit kerja {listed} tidak ditemukan di antara unit yang aktif; "
                    "tulis kode atau nama unit.",
                )
        elif role is not None and unit_texts:
            fail(
                "units", "Hanya koordinator unit yang diberi unit kerja; kosongkan kolom ini untuk peran ini."
            )
        if errors:
            outcome.errors += errors
        elif role is not None:
            outcome.users.append(NewUser(number, full_name, email, role, tuple(found)))
    if not outcome.errors and not outcome.users:
        outcome.errors.append(
            RowError(0, "", "Berkas tidak berisi satu pun pengguna di bawah baris judul kolom.")
        )
    return outcome


@transaction.atomic
def apply(outcome: Outcome) -> list[User]:
    """Create every checked user with their units, or nothing (raises ``ImportRejected``)."""
    if outcome.errors:
        raise ImportRejected(outcome.errors)
    created: list[User] = []
    for new in outcome.users:
        user = create_user(email=new.email, full_name=new.full_name, role=new.role)
        if new.units:
            coordinators.set_units(user, new.units)
        created.append(user)
    outcome.created = created
    return created


def import_users(data: bytes, filename: str) -> Outcome:
    """Read, check and (without a problem) create; the outcome lists the errors or the users made."""
    try:
        table = read(data, filename)
    except TableError as exc:
        return Outcome(errors=[RowError(0, "", str(exc))])
    misplaced = rejoin_units(data, table)
    outcome = check(table)
    if misplaced:
        outcome.errors = sorted(misplaced + outcome.errors, key=lambda error: error.row)
    if outcome.ok:
        apply(outcome)
    return outcome


def template_rows() -> Sequence[Sequence[str]]:
    return [
        ["Rina Wulandari", "rina@contoh.go.id", "Admin", ""],
        ["Budi Santoso", "budi@contoh.go.id", "Koordinator", "DINKES; Kecamatan Tenggarong"],
    ]
