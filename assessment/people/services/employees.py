"""The employee register: search, edit, deactivate and export."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import translation

from assessment.people.models import Employee, WorkUnit
from assessment.people.nip import NipError, normalise_nip, validate_nip
from assessment.people.services import fields
from assessment.people.services.importing import TEMPLATE_HEADERS
from frontend.tabular import template_xlsx, write_csv, write_xlsx

# The NIP an erased employee's row carries (assessment.privacy.services.erasure.pseudonym_nip); here, not
# imported, so that the register does not depend on the privacy app.
ERASED_NIP_PREFIX = "DIHAPUS-"


class EmployeeError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class EmployeeData:
    nip: str
    full_name: str
    unit: WorkUnit
    position_title: str
    position_type: str
    employment_status: str
    rank: str
    education: str
    sex: str
    birth_date: date | None
    email: str
    phone: str
    is_active: bool = True


def search(
    query: str = "",
    unit: WorkUnit | None = None,
    status: str = "",
    active: str = "active",
    units: QuerySet[WorkUnit] | None = None,
) -> QuerySet[Employee]:
    """Employees matching a name or NIP fragment, in a unit (and its sub-units), by status and activity.

    ``units`` limits the result to these units (a coordinator sees only the units they coordinate).
    """
    # Erased employees (assessment.privacy) stay as pseudonyms behind their scores, not in the register.
    qs = Employee.objects.select_related("unit").exclude(nip__startswith=ERASED_NIP_PREFIX)
    if query:
        digits = query.replace(" ", "")
        qs = qs.filter(Q(nip__startswith=digits) if digits.isdigit() else Q(full_name__icontains=query))
    if unit is not None:
        qs = qs.filter(unit__in=[unit, *descendants(unit)])
    if units is not None:
        qs = qs.filter(unit__in=units)
    if status in Employee.Status.values:
        qs = qs.filter(employment_status=status)
    if active == "active":
        qs = qs.filter(is_active=True)
    elif active == "inactive":
        qs = qs.filter(is_active=False)
    return qs.order_by("full_name", "nip")


def descendants(unit: WorkUnit) -> list[WorkUnit]:
    children = list(unit.children.all())
    found = list(children)
    for child in children:
        found += descendants(child)
    return found


def clean(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a form's values with the same rules as the import; raise EmployeeError by field."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    parsers: dict[str, Any] = {
        "employment_status": fields.employment_status,
        "position_type": fields.position_type,
        "education": fields.education,
        "email": fields.email,
        "phone": fields.phone,
    }
    for name, parser in parsers.items():
        try:
            values[name] = parser(data.get(name))
        except fields.FieldError as exc:
            errors[name] = str(exc)
    try:
        values["nip"] = normalise_nip(data.get("nip"))
    except NipError as exc:
        errors["nip"] = str(exc)
    if "employment_status" in values:
        try:
            values["rank"] = fields.rank(data.get("rank"), values["employment_status"])
        except fields.FieldError as exc:
            errors["rank"] = str(exc)
    if "nip" in values and "employment_status" in values:
        try:
            validate_nip(values["nip"], values["employment_status"], data.get("birth_date"), data.get("sex"))
        except NipError as exc:
            key = {"birth_date_mismatch": "birth_date", "sex_mismatch": "sex"}.get(exc.code, "nip")
            errors[key] = str(exc)
    if errors:
        raise EmployeeError(errors)
    return values


@transaction.atomic
def save_employee(employee: Employee | None, data: EmployeeData) -> Employee:
    others = Employee.objects.filter(nip=data.nip)
    if employee is not None:
        others = others.exclude(pk=employee.pk)
    if others.exists():
        raise EmployeeError({"nip": f"NIP {data.nip} sudah terdaftar untuk pegawai lain."})
    employee = employee or Employee()
    for name, value in data.__dict__.items():
        setattr(employee, name, value)
    employee.save()
    return employee


@transaction.atomic
def ensure_logins(employee_ids: Iterable[int]) -> int:
    """Give every listed employee with an email an account for sign-in by emailed code.

    The account has no usable password: the employee signs in with a one-time code that allauth mails.
    An email shared by two employees gives neither an account (the code could reach the wrong person);
    they sign in with NIP and access code. Returns how many accounts were created or linked.
    """
    from accounts.models import User
    from accounts.roles import Role

    wanted = list(
        Employee.objects.filter(pk__in=list(employee_ids), user__isnull=True, is_active=True)
        .exclude(email="")
        .values_list("pk", "email", "full_name")
    )
    if not wanted:
        return 0
    counts = Counter(
        e.strip().lower() for e in Employee.objects.exclude(email="").values_list("email", flat=True)
    )
    existing = {u.email: u for u in User.objects.filter(email__in={e.strip().lower() for _, e, _ in wanted})}
    taken = set(Employee.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    links: list[tuple[int, str]] = []
    new_users: list[User] = []
    for pk, raw_email, name in wanted:
        email = raw_email.strip().lower()
        if counts.get(email, 0) != 1:
            continue
        user = existing.get(email)
        if user is None:
            user = User(email=email, full_name=name[:150], role=Role.EMPLOYEE)
            user.set_unusable_password()
            new_users.append(user)
        elif user.pk in taken:
            continue
        links.append((pk, email))
    User.objects.bulk_create(new_users, batch_size=2000)
    by_email = {u.email: u.pk for u in User.objects.filter(email__in=[e for _, e in links])}
    employees = [Employee(pk=pk, user_id=by_email[email]) for pk, email in links]
    Employee.objects.bulk_update(employees, ["user"], batch_size=2000)
    return len(employees)


def set_active(employee: Employee, active: bool) -> None:
    employee.is_active = active
    employee.save(update_fields=["is_active", "updated_at"])


def _export_rows(qs: QuerySet[Employee]) -> Iterator[list[object]]:
    for e in qs.iterator(chunk_size=2000):
        yield [
            e.nip,
            e.full_name,
            e.unit.name,
            e.position_title,
            e.get_position_type_display(),
            e.status_name,  # "PPPK Paruh Waktu", as the import reads it back
            e.rank,
            e.education,
            e.sex,
            e.birth_date.strftime("%d-%m-%Y") if e.birth_date else "",
            e.email,
            e.phone,
            "Ya" if e.is_active else "Tidak",
        ]


EXPORT_HEADERS = [*TEMPLATE_HEADERS, "Aktif"]


def export(qs: QuerySet[Employee], kind: str) -> bytes:
    """The register in the import's own layout (so an export can be edited and imported back), and so in
    the import's words whatever the admin's language ("Struktural", not "Structural")."""
    with translation.override("id"):
        rows = _export_rows(qs)
        if kind == "csv":
            return write_csv(EXPORT_HEADERS, rows)
        return write_xlsx(EXPORT_HEADERS, rows, sheet_title="Pegawai")


def import_template() -> bytes:
    example = [
        "198703122010011003",
        "Budi Santoso, S.Kom.",
        "Dinas Komunikasi dan Informatika",
        "Pranata Komputer Ahli Muda",
        "Fungsional",
        "PNS",
        "III/c",
        "S1",
        "L",
        "12-03-1987",
        "budi.santoso@kukarkab.go.id",
        "081234567890",
    ]
    notes = [
        "Satu baris per pegawai. Baris judul di atas baris kolom boleh ada.",
        "NIP: 18 digit, ketik sebagai Teks (kolom ini sudah diformat Teks). NIP PNS memuat tanggal lahir, "
        "TMT CPNS dan jenis kelamin; isian lain harus cocok dengannya.",
        "Unit Kerja: nama atau kode unit yang sudah ada di IKD "
        "(huruf besar-kecil dan spasi tidak berpengaruh).",
        "Jenis Jabatan: Struktural, Fungsional atau Pelaksana. "
        f"Status Kepegawaian: {fields.STATUS_CHOICES_TEXT} (CPNS ditulis CPNS, bukan PNS).",
        "Golongan: I/a sampai IV/e untuk PNS dan CPNS; I sampai XVII untuk PPPK dan PPPK Paruh Waktu.",
        "Pendidikan: SD, SMP, SMA/SMK, D1, D2, D3, D4, S1, S2 atau S3. Jenis Kelamin: L atau P.",
        "Tanggal Lahir: hh-bb-tttt. Email dan Nomor HP boleh kosong.",
        "Kolom selain NIP, Nama, Unit Kerja, Jenis Jabatan, Status Kepegawaian dan Jenis Kelamin boleh "
        "dihapus: nilai yang tersimpan untuk pegawai yang sudah ada tidak berubah.",
        "Berkas ekspor daftar pegawai dapat diimpor kembali; kolom Aktif (Ya/Tidak) di dalamnya ikut dibaca.",
        "Impor bersifat semua-atau-tidak-sama-sekali: bila ada satu baris salah, tidak ada yang disimpan.",
    ]
    return template_xlsx(TEMPLATE_HEADERS, [example], notes)
