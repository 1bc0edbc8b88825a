"""What an admin and a coordinator do with units, employees and imports on the region's site."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.people.models import Employee, ImportJob, WorkUnit
from assessment.people.services import staging, units
from assessment.people.tasks import check_import, commit_import
from tests.assessment.people.test_import import ROW_1, ROW_2, ROW_3, csv
from tests.factories import PASSWORD, make_user

HOST = "samarinda.localhost"


def client_for(user: Any) -> Client:
    client = Client(HTTP_HOST=HOST)
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def admin(region_a: Any) -> Client:
    with schema_context(region_a.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
    return client_for(make_user(region_a, Role.REGION_ADMIN))


def run_task_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check and the commit run as the Celery tasks would (a real worker runs them in the browser
    test)."""
    monkeypatch.setattr(check_import, "delay", lambda job_id: check_import.run(job_id))
    monkeypatch.setattr(commit_import, "delay", lambda job_id: commit_import.run(job_id))


def test_upload_shows_row_errors_and_commits_nothing(
    admin: Client, region_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_task_now(monkeypatch)
    bad = ROW_2.replace("199001052015032001", "1990010520150320")
    upload = SimpleUploadedFile("pegawai.csv", csv(ROW_1, bad))
    response = admin.post("/pegawai/impor/", {"file": upload}, follow=True)
    body = response.content.decode()
    assert "NIP harus 18 digit" in body
    assert "<td>3</td>" in body
    with schema_context(region_a.schema_name):
        job = ImportJob.objects.get()
        assert job.state == "rejected"
        assert Employee.objects.count() == 0
    assert admin.post(f"/pegawai/impor/{job.pk}/simpan/").status_code == 302
    with schema_context(region_a.schema_name):
        assert ImportJob.objects.get().state == "rejected"


def test_checked_upload_is_committed_by_the_task(
    admin: Client, region_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_task_now(monkeypatch)
    admin.post("/pegawai/impor/", {"file": SimpleUploadedFile("p.csv", csv(ROW_1, ROW_2, ROW_3))})
    with schema_context(region_a.schema_name):
        job = ImportJob.objects.get()
    assert job.state == "checked"
    assert job.summary["new"] == 3
    admin.post(f"/pegawai/impor/{job.pk}/simpan/")
    status = admin.get(f"/pegawai/impor/{job.pk}/status/").json()
    assert status["state"] == "done"
    assert status["done"] == status["total"]
    listing = admin.get("/pegawai/", {"q": "Budi"}).content.decode()
    assert "Budi Santoso" in listing
    assert "Siti Aminah" not in listing
    by_unit = admin.get("/pegawai/", {"unit": WorkUnit.objects.get(code="KEC-TGR").pk}).content.decode()
    assert "Andi Pratama" in by_unit
    assert "Budi Santoso" not in by_unit


def test_coordinator_sees_only_their_units(
    admin: Client, region_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with schema_context(region_a.schema_name):
        staging.import_file(csv(ROW_1, ROW_2, ROW_3), "p.csv")
        coordinator = make_user(region_a, Role.UNIT_COORDINATOR)
        WorkUnit.objects.get(code="KEC-TGR").coordinators.add(coordinator)
    client = client_for(coordinator)
    listing = client.get("/pegawai/").content.decode()
    assert "Andi Pratama" in listing
    assert "Budi Santoso" not in listing
    assert client.get("/pegawai/impor/").status_code == 403
    assert client.post("/unit/", {"code": "X", "name": "X", "kind": "other"}).status_code == 403


def test_units_are_created_moved_and_retired_not_deleted(admin: Client, region_a: Any) -> None:
    response = admin.post("/unit/", {"code": "pkm-tgr", "name": "Puskesmas  Tenggarong", "kind": "puskesmas"})
    assert response.status_code == 302
    with schema_context(region_a.schema_name):
        unit = WorkUnit.objects.get(code="PKM-TGR")
        dinkes = WorkUnit.objects.get(code="DINKES")
        staging.import_file(csv(ROW_1), "p.csv")
    duplicate = admin.post("/unit/", {"code": "OTHER", "name": "puskesmas tenggarong", "kind": "puskesmas"})
    assert "sudah memakai nama" in duplicate.content.decode() or duplicate.context["form"].errors
    moved = admin.post(
        f"/unit/{unit.pk}/",
        {
            "code": "PKM-TGR",
            "name": "Puskesmas Tenggarong",
            "kind": "puskesmas",
            "parent": dinkes.pk,
            "action": "save",
        },
    )
    assert moved.status_code == 302
    refused = admin.post(f"/unit/{dinkes.pk}/", {"action": "retire"})
    assert refused.status_code == 200  # active employees and a sub-unit: not retired
    assert admin.post(f"/unit/{unit.pk}/", {"action": "retire"}).status_code == 302
    with schema_context(region_a.schema_name):
        assert WorkUnit.objects.get(pk=unit.pk).is_retired
        assert WorkUnit.objects.filter(pk=unit.pk).exists()
    cycle = admin.post(
        f"/unit/{dinkes.pk}/",
        {"code": "DINKES", "name": "Dinas Kesehatan", "kind": "dinas", "parent": unit.pk, "action": "save"},
    )
    assert cycle.status_code == 200


def test_admin_edits_and_deactivates_an_employee(admin: Client, region_a: Any) -> None:
    with schema_context(region_a.schema_name):
        staging.import_file(csv(ROW_1), "p.csv")
        budi = Employee.objects.get()
        unit = budi.unit
    form = {
        "nip": budi.nip,
        "full_name": "Budi Santoso, S.Kom.",
        "unit": unit.pk,
        "position_title": "Pranata",
        "position_type": "fungsional",
        "employment_status": "PNS",
        "rank": "III/d",
        "education": "S1",
        "sex": "L",
        "birth_date": "1987-03-12",
        "email": "",
        "phone": "",
    }
    assert admin.post(f"/pegawai/{budi.pk}/", form).status_code == 302
    wrong_sex = admin.post(f"/pegawai/{budi.pk}/", {**form, "sex": "P"})
    assert "tidak sesuai dengan NIP" in wrong_sex.content.decode()
    assert admin.post(f"/pegawai/{budi.pk}/", {**form, "is_active": ""}).status_code == 302
    with schema_context(region_a.schema_name):
        budi.refresh_from_db()
        assert (budi.full_name, budi.rank, budi.is_active) == ("Budi Santoso, S.Kom.", "III/d", False)


def test_exports_download(admin: Client, region_a: Any) -> None:
    with schema_context(region_a.schema_name):
        staging.import_file(csv(ROW_1, ROW_2), "p.csv")
    xlsx = admin.get("/pegawai/ekspor.xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    text = admin.get("/pegawai/ekspor.csv").content.decode("utf-8-sig")
    assert "198703122010011003" in text
    template = admin.get("/pegawai/impor/templat.xlsx")
    assert template.status_code == 200
