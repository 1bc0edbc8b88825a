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
from tenants.models import Region
from tests.assessment.people.test_import import ROW_1, ROW_2, ROW_3, csv
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

    broken = tmp_path / "pegawai.csv"
    broken.write_bytes(
        csv(ROW_1, ROW_2.replace("199001052015032001", "1,99001E+17"), ROW_3.replace(";L;", ";X;"))
    )
    page.goto(f"{base}/pegawai/impor/")
    page.locator("input[type=file]").set_input_files(str(broken))
    page.locator("main form button[type=submit]").click()
    errors = page.locator("#import-errors tbody tr")
    errors.first.wait_for()
    rows = [errors.nth(i).inner_text() for i in range(errors.count())]
    screenshot(page, "import-errors-1280")
    assert any(r.startswith("3\tNIP") and "hilang" in r for r in rows), rows
    assert any(r.startswith("4\tJenis Kelamin") for r in rows), rows
    assert page.locator("form[action$='/simpan/']").count() == 0  # nothing to import

    fixed = tmp_path / "pegawai-perbaikan.csv"
    fixed.write_bytes(csv(ROW_1, ROW_2, ROW_3))
    page.goto(f"{base}/pegawai/impor/")
    page.locator("input[type=file]").set_input_files(str(fixed))
    page.locator("main form button[type=submit]").click()
    page.locator("form[action$='/simpan/'] button").click()
    page.locator("main .alert-success a[href='/pegawai/']").wait_for(timeout=60_000)
    screenshot(page, "import-done-1280")
    page.goto(f"{base}/pegawai/?q=Siti")
    assert page.get_by_text("Siti Aminah").is_visible()
    assert page.get_by_text("199001052015032001").is_visible()
