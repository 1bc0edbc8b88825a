"""Through a real browser and a real server: the region admin makes an API key and copies it, a script
upserts 500 employees with it, and the register page shows them; then (issue #18 item 6) the admin
imports completed training for one of those employees on ``/pelatihan/impor/`` (a CSV file), and the
employee's JP this year shows on their result page: the admin's person page and the employee's own.

A result needs a scored round: the results pages' own fixture (``scored_round``: every active
employee invited, attempts simulated, scored by the real engine, announced) runs over the register
the script filled, so the scored employees are API-upserted ones.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from api.models import ApiKey
from assessment.people.models import Employee, WorkUnit
from assessment.people.nip import make_pns_nip
from assessment.people.services import units
from assessment.results.models import Score
from assessment.rounds.models import Participant
from assessment.rounds.services import codes
from assessment.training.models import TrainingBatch, TrainingRecord
from frontend.tabular import write_csv
from tenants.models import Region
from tests.assessment.results.conftest import scored_round
from tests.browser.conftest import remove_scored_rounds, screenshot
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def region_admin(committed: None) -> Any:
    region = Region.objects.get(code="64.72")
    with schema_context(region.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
    user = make_user(region, Role.REGION_ADMIN, email="api@samarindakota.go.id")
    yield user
    with schema_context(region.schema_name):
        TrainingRecord.objects.all().delete()
        TrainingBatch.objects.all().delete()
    remove_scored_rounds(region)  # the round, scores, employees, units and users the test made
    with schema_context(region.schema_name):
        Employee.objects.all().delete()
        WorkUnit.objects.all().delete()
        ApiKey.objects.all().delete()
        User.objects.filter(pk=user.pk).delete()


def employees(count: int) -> list[dict[str, str]]:
    from datetime import date

    rows = []
    for n in range(count):
        birth = date(1970 + n % 30, 1 + n % 12, 1 + n % 28)
        sex = "P" if n % 2 else "L"
        rows.append(
            {
                "nip": make_pns_nip(birth, (birth.year + 25, 3), sex, 1 + n // 360),
                "full_name": f"Pegawai API {n:03d}",
                "unit": "DINKES" if n % 3 else "Kecamatan Tenggarong",
                "position_type": ["Struktural", "Fungsional", "Pelaksana"][n % 3],
                "employment_status": "PNS",
                "rank": "III/a",
                "sex": sex,
                "birth_date": birth.isoformat(),
            }
        )
    return rows


def test_admin_makes_a_key_a_script_fills_the_register_and_training_shows_on_results(
    region_admin: Any, web_port: int, desktop: Any, phone: Any, tmp_path: Path
) -> None:
    base = f"http://samarinda.localhost:{web_port}"
    desktop.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = desktop.new_page()
    page.goto(f"{base}/akun/login/")
    page.locator("input[name=login]").fill(region_admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")

    page.goto(f"{base}/pengaturan/api/")
    page.locator("input[name=name]").fill("SIMPEG BKPSDM")
    page.get_by_label("register:read", exact=False).check()
    page.get_by_label("register:write", exact=False).check()
    page.locator("main form button[type=submit]").click()
    page.locator("#new-key").wait_for()
    page.locator("[data-copy]").click()
    key = page.evaluate("navigator.clipboard.readText()")
    screenshot(page, "api-key-new-1280")
    assert key.startswith("ikd_")
    assert key == page.locator("#api-key-text").input_value()
    assert "Salin kunci ini sekarang" in page.content()

    # The other system's script: 500 employees in one batch, then the list over the API.
    people = employees(500)
    server = f"http://127.0.0.1:{web_port}"  # the script resolves no *.localhost: it names the host
    session = requests.Session()
    session.headers.update({"Authorization": f"Api-Key {key}", "Host": f"samarinda.localhost:{web_port}"})
    answer = session.post(f"{server}/api/v1/employees/bulk/", json={"employees": people}, timeout=120)
    assert answer.status_code == 200, answer.text[:2000]
    assert answer.json() == {"created": 500, "updated": 0, "unchanged": 0}
    listed = session.get(f"{server}/api/v1/employees/?page_size=500", timeout=60).json()
    assert len(listed["results"]) == 500
    refused = requests.get(
        f"{server}/api/v1/employees/?api_key={key}", headers={"Host": session.headers["Host"]}, timeout=60
    )
    assert refused.status_code == 400

    page.goto(f"{base}/pegawai/")
    assert "500 pegawai aktif" in page.locator("main").inner_text()
    page.goto(f"{base}/pegawai/?q=Pegawai+API+123")
    assert page.get_by_text("Pegawai API 123").count() >= 1
    screenshot(page, "api-register-1280")

    page.goto(f"{base}/pengaturan/api/")
    row = page.locator("#api-keys tbody tr").first
    assert "SIMPEG BKPSDM" in row.inner_text()
    assert key not in page.content()
    assert "belum pernah" not in row.inner_text()  # last use is shown

    # Part 2 (issue #18 item 6). A scored round over the register the script filled.
    region = Region.objects.get(code="64.72")
    call_command("load_instrument")
    with schema_context(region.schema_name):
        round_ = scored_round(region, employees=150, takers=130)
        score = Score.objects.filter(round=round_).select_related("employee").order_by("pk").first()
        assert score is not None
        employee = score.employee
        other = Employee.objects.exclude(pk=employee.pk).filter(full_name__startswith="Pegawai API").first()
        code = codes.code_for(Participant.objects.get(round=round_, employee=employee))
    assert employee.full_name.startswith("Pegawai API")  # one of the 500 the script sent
    assert other is not None

    # The admin fills the training template's columns and imports the file on the training page.
    this_year = date.today().year
    rows = [
        [employee.nip, "Literasi Data untuk ASN", "LAN RI", f"02-01-{this_year}", 8, "LAN-1"],
        [employee.nip, "Keamanan Informasi Dasar", "BSSN", f"03-01-{this_year}", 4, "BSSN-7"],
        [employee.nip, "Pelatihan tahun lalu", "LAN RI", f"15-06-{this_year - 1}", 20, "LAN-0"],
        [other.nip, "Literasi Data untuk ASN", "LAN RI", f"02-01-{this_year}", 3, "LAN-2"],
    ]
    headers = ["NIP", "Nama Pelatihan", "Penyelenggara", "Tanggal Selesai", "JP", "Nomor Sertifikat"]
    upload = tmp_path / "pelatihan.csv"
    upload.write_bytes(write_csv(headers, rows))
    page.goto(f"{base}/pelatihan/impor/")
    page.locator("input[name=file]").set_input_files(str(upload))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/pelatihan/impor/")
    assert "4 catatan pelatihan ditambahkan" in page.locator("body").inner_text()
    assert "pelatihan.csv" in page.locator("main").inner_text()  # the recent imports list
    screenshot(page, "api-training-import-1280")

    # The admin's page of that employee's result: this year's JP (8 + 4; last year's 20 does not count).
    page.goto(f"{base}/hasil/{round_.pk}/pegawai/{employee.pk}/")
    assert page.locator("#training-jp").inner_text() == "JP tahun ini: 12 dari 20"
    hours = page.locator("#training-hours").inner_text()
    assert "Literasi Data untuk ASN" in hours
    assert "Keamanan Informasi Dasar" in hours
    assert "Pelatihan tahun lalu" not in hours
    screenshot(page, "api-training-person-1280")

    # The employee signs in with NIP and the round's code and sees the same on their own result.
    own = phone.new_page()
    own.goto(f"{base}/tes/")
    own.locator("#nip").fill(employee.nip)
    own.locator("#code").fill(code)
    own.locator("main form button[type=submit]").click()
    own.wait_for_url(f"{base}/tes/hasil/")
    assert own.locator("#training-jp").inner_text() == "JP tahun ini: 12 dari 20"
    screenshot(own, "api-training-own-360")
