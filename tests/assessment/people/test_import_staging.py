"""The check keeps its result; the save writes it without reading or checking the file again, all or
nothing, and refuses (saying why) when the register changed in between."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from assessment.people.models import Employee, ImportJob, StagedRow, WorkUnit
from assessment.people.services import importing, staging
from assessment.people.services import reading as reading_module
from tests.assessment.people.test_import import ROW_1, ROW_2, ROW_3, csv
from tests.assessment.people.test_people_pages import admin, run_task_now  # noqa: F401 (fixture)


def upload(client: Client, data: bytes, **options: str) -> ImportJob:
    response = client.post("/pegawai/impor/", {"file": SimpleUploadedFile("pegawai.csv", data), **options})
    assert response.status_code == 302
    return ImportJob.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, reading or parsing a file fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the save read the file again")

    monkeypatch.setattr(importing, "read_register", refuse)
    monkeypatch.setattr(importing, "parse_file", refuse)
    monkeypatch.setattr(importing, "_parse_row", refuse)
    monkeypatch.setattr(reading_module, "read_table", refuse)


def test_the_save_writes_the_staged_rows_without_reading_the_file(
    admin: Client,  # noqa: F811
    region_a: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_task_now(monkeypatch)
    with schema_context(region_a.schema_name):
        staging.import_file(csv(ROW_1, ROW_3), "awal.csv")
        renamed = ROW_1.replace("Budi Santoso", "Budi Santoso, S.Kom.")
        new_unit = ROW_2.replace("Dinas Kesehatan", "Dinas Pariwisata")
        job = upload(admin, csv(renamed, new_unit), create_units="on", deactivate_missing="on")
        job.refresh_from_db()
        assert job.state == "checked"
        assert bytes(job.content) == b""  # the file is not kept once checked
        assert job.summary | {"rows": 2} == {
            "rows": 2,
            "new": 1,
            "changed": 1,
            "unchanged": 0,
            "deactivated": 1,
            "rejected": 0,
            "units_created": 1,
        }
        actions = sorted(StagedRow.objects.filter(job=job).values_list("action", flat=True))
        assert actions == ["changed", "deactivate", "new"]
        assert Employee.objects.filter(full_name="Budi Santoso, S.Kom.").count() == 0  # nothing written yet
    no_reading(monkeypatch)
    admin.post(f"/pegawai/impor/{job.pk}/simpan/")
    with schema_context(region_a.schema_name):
        job.refresh_from_db()
        assert job.state == "done", job.failure
        budi = Employee.objects.get(nip="198703122010011003")
        assert budi.full_name == "Budi Santoso, S.Kom."
        siti = Employee.objects.get(nip="199001052015032001")
        assert (siti.unit.name, siti.is_active, siti.employment_status) == ("Dinas Pariwisata", True, "PNS")
        assert not Employee.objects.get(nip="199512202023211004").is_active
        assert WorkUnit.objects.filter(name="Dinas Pariwisata").count() == 1
        assert not StagedRow.objects.filter(job=job).exists()


def test_a_register_changed_after_the_check_is_detected_and_nothing_is_saved(
    admin: Client,  # noqa: F811
    region_a: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run_task_now(monkeypatch)
    with schema_context(region_a.schema_name):
        staging.import_file(csv(ROW_1), "awal.csv")
        job = upload(admin, csv(ROW_1.replace("III/c", "III/d"), ROW_2))
        assert ImportJob.objects.get(pk=job.pk).summary["changed"] == 1
        # Someone edits Budi between the check and the save.
        Employee.objects.filter(nip="198703122010011003").update(phone="081111111111")
        before = list(Employee.objects.order_by("nip").values_list("nip", "rank", "phone"))
    no_reading(monkeypatch)
    admin.post(f"/pegawai/impor/{job.pk}/simpan/")
    page = admin.get(f"/pegawai/impor/{job.pk}/").content.decode()
    assert "berubah setelah berkas ini diperiksa" in page or "changed after this file was checked" in page
    with schema_context(region_a.schema_name):
        assert ImportJob.objects.get(pk=job.pk).state == "stale"
        assert list(Employee.objects.order_by("nip").values_list("nip", "rank", "phone")) == before
        assert StagedRow.objects.filter(job=job).count() == 2  # kept for the re-check
    # The re-check compares the staged rows with the register as it is now: no upload, no reading.
    admin.post(f"/pegawai/impor/{job.pk}/periksa-ulang/")
    with schema_context(region_a.schema_name):
        job.refresh_from_db()
        assert (job.state, job.summary["new"], job.summary["changed"]) == ("checked", 1, 1)
    admin.post(f"/pegawai/impor/{job.pk}/simpan/")
    with schema_context(region_a.schema_name):
        assert ImportJob.objects.get(pk=job.pk).state == "done"
        budi = Employee.objects.get(nip="198703122010011003")
        assert (budi.rank, budi.phone) == ("III/d", "081234567890")  # the file's values, as re-checked
        assert Employee.objects.count() == 2


def test_a_recheck_that_finds_a_retired_unit_rejects_the_file(region_a: Any) -> None:
    with schema_context(region_a.schema_name):
        WorkUnit.objects.create(code="DINKES", name="Dinas Kesehatan", name_key="dinas kesehatan")
        WorkUnit.objects.create(code="KEC-TGR", name="Kecamatan Tenggarong", name_key="kecamatan tenggarong")
        plan = importing.check(csv(ROW_1, ROW_3), "a.csv")
        job = ImportJob.objects.create(filename="a.csv", content=b"", state="checked")
        staging.stage(job, plan)
        WorkUnit.objects.filter(code="KEC-TGR").update(retired_at="2026-01-01T00:00:00Z")
        with pytest.raises(staging.RegisterChanged):
            staging.apply_staged(job)
        assert Employee.objects.count() == 0
        replanned = staging.replan(job)
        assert [(e.row, e.message) for e in replanned.rejected] == [
            (
                3,
                "Unit kerja “Kecamatan Tenggarong” sudah tidak aktif. Pindahkan pegawai aktif ke unit "
                "lain, atau aktifkan lagi unit itu lebih dulu.",
            )
        ]
        assert not StagedRow.objects.filter(job=job).exists()


def test_rows_staged_but_never_saved_are_removed_with_the_upload_after_the_retention_period(
    admin: Client,  # noqa: F811
    region_a: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Staged rows are personal data: a check never saved keeps them no longer than the file itself."""
    from datetime import timedelta

    from django.db.models import F
    from django.utils import timezone

    from assessment.privacy.services import retention

    run_task_now(monkeypatch)
    with schema_context(region_a.schema_name):
        old = upload(admin, csv(ROW_1), create_units="on")
        recent = upload(admin, csv(ROW_2), create_units="on")
        ImportJob.objects.filter(pk=old.pk).update(created_at=F("created_at") - retention.UPLOADS_KEPT * 2)
        assert StagedRow.objects.filter(job=old).exists()
        assert retention.empty_stale_uploads(timezone.now() + timedelta(seconds=1)) == 1
        old.refresh_from_db()
        assert old.state == ImportJob.State.FAILED
        assert not StagedRow.objects.filter(job=old).exists()
        assert StagedRow.objects.filter(job=recent).exists()
        assert retention.empty_stale_uploads(timezone.now()) == 0
