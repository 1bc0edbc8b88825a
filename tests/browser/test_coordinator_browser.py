"""Through a real browser (issue 15.1): the admin invites a coordinator from a unit's page, the coordinator
opens the invitation on a phone, chooses a password, lands signed in, and follows only their unit on test
day (live progress, who has not started, code sheets); another unit and the admin's pages stay shut."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.people.models import WorkUnit
from assessment.people.services import staging, units
from assessment.rounds.models import Round
from tenants.models import Region
from tests.assessment.people.test_import import ROW_1, ROW_2, ROW_3, csv
from tests.assessment.rounds.conftest import open_round
from tests.browser.conftest import download, remove_scored_rounds, screenshot
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Koordinator-Tenggarong-26"


@pytest.fixture
def test_day(committed: None) -> Iterator[tuple[Region, Round, Any]]:
    region = Region.objects.get(code="64.72")
    call_command("load_instrument")
    with schema_context(region.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
        staging.import_file(csv(ROW_1, ROW_2, ROW_3), "p.csv")
        round_ = open_round(region)
    admin = make_user(
        region, Role.REGION_ADMIN, email="pengundang@samarindakota.go.id", full_name="Rina Wulandari"
    )
    yield region, round_, admin
    remove_scored_rounds(region)


def test_a_coordinator_is_invited_signs_in_and_sees_only_their_unit(
    test_day: tuple[Region, Round, Any], web_port: int, desktop: Any, phone: Any, tmp_path: Path
) -> None:
    region, round_, admin = test_day
    base = f"http://samarinda.localhost:{web_port}"
    with schema_context(region.schema_name):
        kec = WorkUnit.objects.get(code="KEC-TGR").pk
        dinkes = WorkUnit.objects.get(code="DINKES").pk
    mail.outbox.clear()

    # The admin, on the unit's page, invites a new coordinator for it: the form comes with role and unit.
    page = desktop.new_page()
    page.goto(f"{base}/akun/login/")
    page.locator("input[name=login]").fill(admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/unit/{kec}/")
    screenshot(page, "coordinator-unit-page-1280")
    page.locator("#coordinators a[href*='/pengguna/?unit=']").click()
    page.wait_for_url(re.compile(r".*/pengguna/\?unit=\d+"))
    assert page.locator("#id_role").input_value() == Role.UNIT_COORDINATOR
    assert page.locator("#id_units option:checked").all_inner_texts() == ["Kecamatan Tenggarong (KEC-TGR)"]
    page.locator("#id_full_name").fill("Yusuf Hidayat")
    page.locator("#id_email").fill("yusuf@samarindakota.go.id")
    page.locator("#add-user button[type=submit]").click()
    page.wait_for_url(f"{base}/pengguna/")
    row = page.locator("#users tbody tr", has_text="Yusuf Hidayat")
    assert "Kecamatan Tenggarong" in row.inner_text()
    assert "Diundang" in row.inner_text()
    # A users file with a wrong row: nothing is added, and the row and column are named.
    bad = tmp_path / "pengguna.csv"
    bad.write_text("Nama;Email;Peran;Unit Kerja\nEko;eko@samarindakota.go.id;Koordinator;Dinas Pariwisata\n")
    page.locator("#import-users input[type=file]").set_input_files(str(bad))
    page.locator("#import-users button[type=submit]").click()
    error = page.locator("#import-errors tbody tr").first
    error.wait_for()
    assert error.inner_text().startswith("2\tUnit Kerja")
    screenshot(page, "coordinator-users-import-errors-1280")

    # The mail is an invitation, in Indonesian, with the role, the unit and a link to this site.
    [message] = mail.outbox
    assert "Peran Anda: Koordinator unit." in message.body
    assert "Unit kerja Anda: Kecamatan Tenggarong." in message.body
    [link] = re.findall(r"https?://\S+/akun/undangan/\S+/", str(message.body))

    # On a phone the coordinator opens it, chooses a password and is signed in.
    taker = phone.new_page()
    taker.goto(base + urlsplit(link).path)
    assert "Kecamatan Tenggarong" in taker.locator("#invitation-facts").inner_text()
    screenshot(taker, "coordinator-invitation-360")
    taker.locator("#id_password1").fill(NEW_PASSWORD)
    taker.locator("#id_password2").fill(NEW_PASSWORD)
    taker.locator("main form button[type=submit]").click()
    taker.wait_for_url(f"{base}/ronde/")
    assert "Yusuf Hidayat" in taker.locator(".messages").inner_text()

    # Live progress covers their unit only, with its not-started list and code sheets.
    taker.locator(f"a[href='/ronde/{round_.pk}/pantau/']").click()
    units_table = taker.locator("#units tr")
    units_table.first.wait_for()
    assert units_table.count() == 1
    assert units_table.first.inner_text().startswith("Kecamatan Tenggarong")
    assert taker.locator("#scope").inner_text().endswith("Kecamatan Tenggarong")
    screenshot(taker, "coordinator-live-360")
    assert download(taker, "#units a[href$='.pdf']", tmp_path).read_bytes().startswith(b"%PDF")
    taker.locator("#units a[href*='status=not_started']").click()
    taker.wait_for_url(re.compile(r".*/peserta/\?unit=\d+&status=not_started"))
    listing = taker.locator("main table tbody").inner_text()
    assert "Andi Pratama" in listing
    assert "Budi Santoso" not in listing
    assert taker.locator("#participant-count").inner_text().startswith("1 peserta.")
    screenshot(taker, "coordinator-not-started-360")

    # Another unit's codes and people, and the admin's pages, are refused.
    for path, status in (
        (f"/ronde/{round_.pk}/kode/{dinkes}.pdf", 404),
        (f"/ronde/{round_.pk}/peserta/?unit={dinkes}", 404),
        ("/pengguna/", 403),
        (f"/ronde/{round_.pk}/", 403),
        (f"/unit/{kec}/", 403),
    ):
        assert taker.goto(base + path).status == status, path
    # The link is used up.
    assert taker.goto(base + urlsplit(link).path).status == 410
