"""Through a real browser and a real Celery worker: an admin imports the staff register."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from assessment.people.models import Employee, ImportJob, WorkUnit
from assessment.people.services import units
from frontend.tabular import write_xlsx
from tenants.models import Region
from tests.assessment.people.test_import import HEADER, ROW_1, ROW_2, ROW_3
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def region_admin(committed: None) -> Any:
    region = Region.objects.get(code="64.72")
    with schema_context(region.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
    user = make_user(region, Role.REGION_ADMIN, email="impor@samarindakota.go.id")
    yield user
    with schema_context(region.schema_name):
        Employee.objects.all().delete()
        ImportJob.objects.all().delete()
        WorkUnit.objects.all().delete()
        User.objects.filter(pk=user.pk).delete()


def xlsx(*rows: str) -> bytes:
    """The rows (``;``-separated, as in the CSV tests) as the workbook an admin uploads; NIPs as text."""
    return write_xlsx(HEADER.split(";"), [row.split(";") for row in rows], sheet_title="Pegawai")


def test_admin_fixes_a_rejected_file_and_imports_it(
    region_admin: Any, web_port: int, celery_worker: str, desktop: Any, tmp_path: Path
) -> None:
    base = f"http://samarinda.localhost:{web_port}"
    page = desktop.new_page()
    page.goto(f"{base}/akun/login/")
    page.locator("input[name=login]").fill(region_admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")

    # Row 3: a NIP Excel turned into a number; row 4: row 2's NIP again, and a wrong sex code.
    broken = tmp_path / "pegawai.xlsx"
    broken.write_bytes(
        xlsx(ROW_1, ROW_2.replace("199001052015032001", "1,99001E+17"), ROW_1.replace(";L;", ";X;"))
    )
    page.goto(f"{base}/pegawai/impor/")
    page.locator("input[type=file]").set_input_files(str(broken))
    page.locator("main form button[type=submit]").click()
    errors = page.locator("#import-errors tbody tr")
    errors.first.wait_for()
    rows = [errors.nth(i).inner_text().split("\t") for i in range(errors.count())]
    screenshot(page, "import-errors-1280")
    assert rows[0][:2] == ["3", "NIP"], rows
    assert "hilang" in rows[0][2], rows
    assert rows[1:] == [
        [
            "4",
            "NIP",
            "NIP 198703122010011003 ada di dua baris: baris 2 dan baris 4. Satu pegawai hanya boleh ada di "
            "satu baris; hapus atau perbaiki salah satunya.",
        ],
        ["4", "Jenis Kelamin", "Jenis kelamin harus L (laki-laki) atau P (perempuan) (tertulis X)."],
    ], rows
    assert page.locator("form[action$='/simpan/']").count() == 0  # nothing to import

    # The fixed file; Andi is a PPPK Paruh Waktu and Siti a CPNS, and they are stored as such.
    fixed = tmp_path / "pegawai-perbaikan.xlsx"
    fixed.write_bytes(
        xlsx(
            ROW_1,
            ROW_2.replace(";PNS;", ";CPNS;"),
            ROW_3.replace(";PPPK;", ";PPPK Paruh Waktu;"),
        )
    )
    page.goto(f"{base}/pegawai/impor/")
    page.locator("input[type=file]").set_input_files(str(fixed))
    page.locator("main form button[type=submit]").click()
    page.locator("form[action$='/simpan/'] button").wait_for()
    counts = page.locator(".stats").inner_text()
    screenshot(page, "import-checked-1280")
    assert "3\nbaru" in counts, counts
    with schema_context(Region.objects.get(code="64.72").schema_name):
        assert Employee.objects.count() == 0  # checked, not saved
        # Someone adds an employee by hand before the admin saves: the save notices and writes nothing.
        Employee.objects.create(
            nip="199203152019032004",
            full_name="Rina Wulandari",
            unit=WorkUnit.objects.get(code="DINKES"),
            position_type="pelaksana",
            employment_status="PNS",
            sex="P",
        )
    page.locator("form[action$='/simpan/'] button").click()
    page.locator("form[action$='/periksa-ulang/'] button").wait_for(timeout=60_000)
    screenshot(page, "import-stale-1280")
    assert "berubah setelah berkas ini diperiksa" in page.locator("main .alert-error").inner_text()
    with schema_context(Region.objects.get(code="64.72").schema_name):
        assert Employee.objects.count() == 1
    page.locator("form[action$='/periksa-ulang/'] button").click()  # no upload: the staged rows again
    page.locator("form[action$='/simpan/'] button").click()
    page.locator("main .alert-success a[href='/pegawai/']").wait_for(timeout=60_000)
    screenshot(page, "import-done-1280")
    page.goto(f"{base}/pegawai/?status=CPNS")
    assert page.get_by_text("Siti Aminah").is_visible()
    assert page.get_by_text("199001052015032001").is_visible()
    assert page.get_by_text("Budi Santoso").count() == 0
    page.goto(f"{base}/pegawai/?q=Andi")
    assert page.locator("table tbody tr td").nth(4).inner_text() == "PPPK Paruh Waktu"
    screenshot(page, "import-employees-status-1280")
