"""Unit coordinators (issue 15.1): assigned to units on the user form, the unit page and a user import;
invited by a mail that is an invitation; scoped to their units on test day, refused everything else."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import Workbook

from accounts import invitations, user_import
from accounts.models import User
from accounts.roles import Role
from assessment.people.models import WorkUnit
from assessment.people.services import staging, units
from tests.assessment.people.test_import import ROW_1, ROW_2, ROW_3, csv
from tests.assessment.rounds.conftest import open_round
from tests.factories import PASSWORD, make_user

HOST_A = "samarinda.localhost"
HOST_B = "balikpapan.localhost"
NEW_PASSWORD = "Kata-Sandi-Baru-2026"


@pytest.fixture
def region(region_a: Any) -> Any:
    """Region A with two units (DINKES: Budi, Siti; KEC-TGR: Andi) and an admin."""
    with schema_context(region_a.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
        staging.import_file(csv(ROW_1, ROW_2, ROW_3), "p.csv")
    return region_a


def signed_in(user: Any, host: str = HOST_A) -> Client:
    client = Client(HTTP_HOST=host)
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def unit_pk(region: Any, code: str) -> int:
    with schema_context(region.schema_name):
        return WorkUnit.objects.get(code=code).pk


def link_path(body: str) -> str:
    [url] = re.findall(r"https?://\S+/akun/undangan/\S+/", body)
    return urlsplit(url).path


def test_admin_adds_a_coordinator_with_units_and_the_mail_is_an_invitation(region: Any) -> None:
    admin = make_user(region, Role.REGION_ADMIN, full_name="Rina Wulandari")
    client = signed_in(admin)
    dinkes, kec = unit_pk(region, "DINKES"), unit_pk(region, "KEC-TGR")
    # A coordinator without a unit is refused, with the reason at the field.
    refused = client.post(
        "/pengguna/", {"full_name": "Dewi", "email": "dewi@samarindakota.go.id", "role": "unit_coordinator"}
    )
    assert refused.status_code == 200
    assert "units" in refused.context["form"].errors
    response = client.post(
        "/pengguna/",
        {
            "full_name": "Dewi Lestari",
            "email": "dewi@samarindakota.go.id",
            "role": "unit_coordinator",
            "units": [dinkes, kec],
        },
    )
    assert response.status_code == 302
    with schema_context(region.schema_name):
        dewi = User.objects.get(email="dewi@samarindakota.go.id")
        assert sorted(dewi.coordinated_units.values_list("code", flat=True)) == ["DINKES", "KEC-TGR"]
        assert not dewi.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["dewi@samarindakota.go.id"]
    assert message.subject == f"[IKD] Undangan ke IKD {region.name}"
    body = str(message.body)
    for text in (
        "Yth. Dewi Lestari,",
        f"Rina Wulandari mengundang Anda ke IKD, situs {region.name}.",
        "Indeks Kompetensi Digital ASN",
        "Peran Anda: Koordinator unit.",
        "Unit kerja Anda: Dinas Kesehatan; Kecamatan Tenggarong.",
        "hanya dapat dipakai sekali",
    ):
        assert text in body, text
    assert "reset" not in body.lower()
    assert urlsplit(re.findall(r"https?://\S+", body)[0]).hostname == HOST_A  # from configuration

    # The listing shows the coordinator with their units and as invited.
    listing = client.get("/pengguna/").content.decode()
    assert "Dinas Kesehatan; Kecamatan Tenggarong" in listing
    assert "Diundang" in listing

    # The link: GET only shows the page; POST sets the password and ends signed in; then it is used up.
    path = link_path(body)
    invitee = Client(HTTP_HOST=HOST_A)
    page = invitee.get(path)
    assert page.status_code == 200
    assert "Dinas Kesehatan" in page.content.decode()
    assert invitee.get(path).status_code == 200  # a mail scanner's visit does not use it up
    weak = invitee.post(path, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200
    assert weak.context["form"].errors
    done = invitee.post(path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == "/ronde/"
    assert invitee.get("/ronde/").status_code == 200  # signed in
    assert Client(HTTP_HOST=HOST_A).get(path).status_code == 410
    assert (
        Client(HTTP_HOST=HOST_A)
        .post("/akun/login/", {"login": dewi.email, "password": NEW_PASSWORD})
        .status_code
        == 302
    )


def test_the_link_expires_ends_when_replaced_and_works_only_in_its_region(
    region: Any, region_b: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator = make_user(region, Role.UNIT_COORDINATOR, password=None)
    with schema_context(region.schema_name):
        first = invitations.prepare(coordinator, region_name="A", invited_by="Admin", units=[])
        first_path = urlsplit(first.url).path
        assert invitations.user_for_token(first_path.split("/")[-2]) is not None
    with schema_context(region_b.schema_name):
        assert invitations.user_for_token(first_path.split("/")[-2]) is None  # another region's key
    assert Client(HTTP_HOST=HOST_B).get(first_path).status_code == 410
    # Past its lifetime the link no longer works.
    later = datetime.now() + timedelta(days=invitations.INVITATION_DAYS, hours=1)  # naive, as Django's
    monkeypatch.setattr(invitations.generator, "_now", lambda: later)
    assert Client(HTTP_HOST=HOST_A).get(first_path).status_code == 410
    monkeypatch.undo()
    # A new invitation to someone without a password replaces the earlier link.
    with schema_context(region.schema_name):
        second = invitations.prepare(coordinator, region_name="A", invited_by="Admin", units=[])
    assert Client(HTTP_HOST=HOST_A).get(first_path).status_code == 410
    assert Client(HTTP_HOST=HOST_A).get(urlsplit(second.url).path).status_code == 200


def test_the_unit_page_assigns_and_removes_coordinators(region: Any) -> None:
    admin = signed_in(make_user(region, Role.REGION_ADMIN))
    coordinator = make_user(region, Role.UNIT_COORDINATOR, full_name="Yusuf Koordinator")
    employee = make_user(region, Role.EMPLOYEE)
    dinkes = unit_pk(region, "DINKES")
    page = admin.get(f"/unit/{dinkes}/").content.decode()
    assert "Yusuf Koordinator" in page
    assert f"/pengguna/?unit={dinkes}" in page
    admin.post(f"/unit/{dinkes}/", {"action": "add_coordinator", "user": coordinator.pk})
    admin.post(f"/unit/{dinkes}/", {"action": "add_coordinator", "user": employee.pk})  # refused
    with schema_context(region.schema_name):
        assert list(WorkUnit.objects.get(pk=dinkes).coordinators.all()) == [coordinator]
    assert "Yusuf Koordinator" in admin.get("/unit/").content.decode()
    admin.post(f"/unit/{dinkes}/", {"action": "remove_coordinator", "user": coordinator.pk})
    with schema_context(region.schema_name):
        assert not WorkUnit.objects.get(pk=dinkes).coordinators.exists()
    # The user form: moving a coordinator to another role takes their units with it.
    admin.post(
        f"/pengguna/{coordinator.pk}/", {"role": "unit_coordinator", "active": "on", "units": [dinkes]}
    )
    refused = admin.post(
        f"/pengguna/{coordinator.pk}/", {"role": "employee", "active": "on", "units": [dinkes]}
    )
    assert "units" in refused.context["form"].errors
    admin.post(f"/pengguna/{coordinator.pk}/", {"role": "employee", "active": "on"})
    with schema_context(region.schema_name):
        assert not WorkUnit.objects.filter(coordinators=coordinator.pk).exists()


def _upload(client: Client, name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/pengguna/impor/", {"file": SimpleUploadedFile(name, content)})


def test_user_import_is_all_or_nothing_with_row_and_column_messages(region: Any) -> None:
    admin = signed_in(make_user(region, Role.REGION_ADMIN))
    make_user(region, Role.REGION_ADMIN, email="ada@samarindakota.go.id")
    bad = (
        b"Nama;Email;Peran;Unit Kerja\n"
        b"Dewi Lestari;dewi@samarindakota.go.id;Koordinator;DINKES; Kecamatan Tenggarong\n"
        b"Eko;eko@samarindakota.go.id;Koordinator;Dinas Pariwisata\n"
        b"Fajar;bukan-email;Koordinator;DINKES\n"
        b"Gita;dewi@samarindakota.go.id;Koordinator;\n"
        b"Hadi;ada@samarindakota.go.id;Kepala;\n"
        b"Indah;indah@samarindakota.go.id;Admin;DINKES\n"
    )
    response = _upload(admin, "pengguna.csv", bad)
    text = response.content.decode()
    rows = [(e.row, e.column) for e in response.context["import_errors"]]
    assert rows == [
        (3, "Unit Kerja"),
        (4, "Email"),
        (5, "Email"),
        (5, "Unit Kerja"),
        (6, "Email"),
        (6, "Peran"),
        (7, "Unit Kerja"),
    ]
    assert "Unit kerja “Dinas Pariwisata” tidak ditemukan" in text
    assert "Alamat dewi@samarindakota.go.id sudah ada di baris 2" in text
    assert "Peran “Kepala” tidak dikenal" in text
    assert "Tidak ada pengguna yang ditambahkan" in text
    with schema_context(region.schema_name):
        assert not User.objects.filter(email="dewi@samarindakota.go.id").exists()  # nothing at all
    assert mail.outbox == []

    # The same users, fixed, as an XLSX: all are made, with their units, and invited.
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nama", "Email", "Peran", "Unit Kerja"])
    sheet.append(["Dewi Lestari", "Dewi@SamarindaKota.go.id", "Koordinator", "DINKES; kecamatan  tenggarong"])
    sheet.append(["Eko", "eko@samarindakota.go.id", "koordinator unit", "KEC-TGR"])
    sheet.append(["Indah", "indah@samarindakota.go.id", "Admin", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload(admin, "pengguna.xlsx", buffer.getvalue())
    assert response.status_code == 302
    with schema_context(region.schema_name):
        dewi = User.objects.get(email="dewi@samarindakota.go.id")
        assert sorted(dewi.coordinated_units.values_list("code", flat=True)) == ["DINKES", "KEC-TGR"]
        assert User.objects.get(email="indah@samarindakota.go.id").role == Role.REGION_ADMIN
    assert sorted(m.to[0] for m in mail.outbox) == [
        "dewi@samarindakota.go.id",
        "eko@samarindakota.go.id",
        "indah@samarindakota.go.id",
    ]
    listing = admin.get("/pengguna/").content.decode()
    assert "3 pengguna ditambahkan dan diundang lewat email." in listing


def test_user_import_refuses_files_it_cannot_read(region: Any) -> None:
    admin = signed_in(make_user(region, Role.REGION_ADMIN))
    response = _upload(admin, "pengguna.csv", b"Nama;Email\nDewi;dewi@x.go.id\n")
    [error] = response.context["import_errors"]
    assert error.row == 0
    assert "Peran" in error.message
    too_big = _upload(admin, "pengguna.csv", b"x" * (user_import.MAX_BYTES + 1))
    assert too_big.status_code == 400
    assert too_big.context["import_form"].errors


@pytest.fixture
def test_day(region: Any) -> dict[str, Any]:
    call_command("load_instrument")
    with schema_context(region.schema_name):
        round_ = open_round(region)
        dinkes = WorkUnit.objects.get(code="DINKES")
        kec = WorkUnit.objects.get(code="KEC-TGR")
    coordinator = make_user(region, Role.UNIT_COORDINATOR)
    with schema_context(region.schema_name):
        kec.coordinators.add(coordinator)
    return {"round": round_, "dinkes": dinkes, "kec": kec, "coordinator": coordinator}


def test_a_coordinator_sees_only_their_units_on_test_day(test_day: dict[str, Any]) -> None:
    round_, dinkes, kec = test_day["round"], test_day["dinkes"], test_day["kec"]
    client = signed_in(test_day["coordinator"])
    data = client.get(f"/ronde/{round_.pk}/pantau.json").json()
    assert [u["unit"] for u in data["units"]] == ["Kecamatan Tenggarong"]
    assert data["totals"]["invited"] == 1
    links = data["units"][0]["links"]
    assert client.get(links["pdf"]).content.startswith(b"%PDF")
    assert client.get(links["xlsx"]).status_code == 200
    waiting = client.get(links["not_started"]).content.decode()
    assert "Andi Pratama" in waiting
    assert "Budi Santoso" not in waiting
    live = client.get(f"/ronde/{round_.pk}/pantau/").content.decode()
    assert "Kecamatan Tenggarong" in live
    listing = client.get(f"/ronde/{round_.pk}/peserta/").content.decode()
    assert "Andi Pratama" in listing
    assert "Siti Aminah" not in listing
    csv_text = client.get(f"/ronde/{round_.pk}/belum-mulai.csv").content.decode("utf-8-sig")
    assert "Andi Pratama" in csv_text
    assert "Siti Aminah" not in csv_text
    # Another unit's people and codes: refused as if they did not exist.
    assert client.get(f"/ronde/{round_.pk}/kode/{dinkes.pk}.pdf").status_code == 404
    assert client.get(f"/ronde/{round_.pk}/kode/{dinkes.pk}.xlsx").status_code == 404
    assert client.get(f"/ronde/{round_.pk}/peserta/", {"unit": dinkes.pk}).status_code == 404
    assert client.get("/pegawai/", {"unit": dinkes.pk}).status_code == 404
    assert client.get(f"/ronde/{round_.pk}/peserta/", {"unit": kec.pk}).status_code == 200
    # Nothing of the admin's pages.
    for path in (
        f"/ronde/{round_.pk}/",
        "/pengguna/",
        "/pengguna/impor/templat.xlsx",
        f"/unit/{kec.pk}/",
        "/pegawai/impor/",
        "/pengaturan/keamanan/",
        "/jejak-audit/",
    ):
        assert client.get(path).status_code == 403, path
    assert client.post("/pengguna/impor/").status_code == 403


def test_a_coordinator_without_units_sees_nobody(test_day: dict[str, Any], region: Any) -> None:
    lonely = signed_in(make_user(region, Role.UNIT_COORDINATOR))
    data = lonely.get(f"/ronde/{test_day['round'].pk}/pantau.json").json()
    assert data["units"] == []
    assert data["totals"]["invited"] == 0
    assert "belum ada" in lonely.get(f"/ronde/{test_day['round'].pk}/pantau/").content.decode()


def test_units_split_by_the_csv_delimiter_are_joined_back_or_refused(region: Any) -> None:
    admin = signed_in(make_user(region, Role.REGION_ADMIN))
    # "Unit Kerja" is not the last column: the stray cell cannot be placed, and nobody is added.
    misplaced = _upload(
        admin,
        "pengguna.csv",
        b"Nama;Unit Kerja;Email;Peran\nDewi;DINKES; KEC-TGR;dewi@samarindakota.go.id;Koordinator\n",
    )
    errors = misplaced.context["import_errors"]
    assert (errors[0].row, errors[0].column) == (2, "Unit Kerja")
    assert "apit isinya dengan tanda kutip" in errors[0].message
    # As the last column (the template's order) the cells after it are its units.
    response = _upload(
        admin,
        "pengguna.csv",
        b"Nama;Email;Peran;Unit Kerja\n"
        b"Dewi;dewi@samarindakota.go.id;Koordinator;DINKES; Kecamatan Tenggarong\n",
    )
    assert response.status_code == 302
    with schema_context(region.schema_name):
        dewi = User.objects.get(email="dewi@samarindakota.go.id")
        assert sorted(dewi.coordinated_units.values_list("code", flat=True)) == ["DINKES", "KEC-TGR"]


def test_an_employee_account_is_pointed_to_not_duplicated(region: Any) -> None:
    """Employees get accounts when rounds are scheduled: adding one of them as a coordinator leads the
    admin to that account's page, where role and units are changed."""
    admin = signed_in(make_user(region, Role.REGION_ADMIN))
    budi = make_user(region, Role.EMPLOYEE, email="budi@kukarkab.go.id", full_name="Budi Santoso")
    response = admin.post(
        "/pengguna/",
        {
            "full_name": "Budi",
            "email": "Budi@kukarkab.go.id",
            "role": "unit_coordinator",
            "units": [unit_pk(region, "DINKES")],
        },
    )
    page = response.content.decode()
    assert "Budi Santoso sudah memiliki akun dengan email ini (Pegawai)." in page
    assert f'<a href="/pengguna/{budi.pk}/">' in page
    imported = _upload(
        admin, "pengguna.csv", b"Nama;Email;Peran;Unit Kerja\nBudi;budi@kukarkab.go.id;Koordinator;DINKES\n"
    )
    [error] = imported.context["import_errors"]
    assert "sudah dipakai akun Budi Santoso (Pegawai)" in error.message


def test_the_demo_coordinator_follows_two_units(region: Any) -> None:
    from accounts import demo

    with schema_context(region.schema_name):
        units.create_unit(code="DISKOMINFO", name="Dinas Komunikasi dan Informatika", kind="dinas")
        demo.seed(region)
        demo.seed(region)  # idempotent
        user = User.objects.get(email=demo.COORDINATOR_EMAIL)
        assert sorted(user.coordinated_units.values_list("code", flat=True)) == ["DISKOMINFO", "KEC-TGR"]
