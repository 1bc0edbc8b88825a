"""Through a real browser: the documents a region hands out, downloaded from the pages that offer them
(issue 15, points 4 and 13), checked for overlapping text, rendered to PNG and looked at.

The admin sets the report logo on its settings page, downloads the region report (cover with the
logo, a one-page executive summary that says the round is not in the national benchmark yet, the
charts), a unit's code sheet (every slip with the site address and the session time) and the roadmap;
an employee on a phone downloads their own result with its learning plan."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context
from PIL import Image

from accounts.roles import Role
from assessment.results.models import ReportSettings, Score
from assessment.rounds.models import Participant, Round
from assessment.rounds.services import codes
from tenants.models import Region
from tests.assessment.results.conftest import scored_round
from tests.browser.conftest import SCREENSHOTS, download, remove_scored_rounds, screenshot
from tests.factories import PASSWORD, make_user
from tests.pdftext import overlaps, pages_text, render

pytestmark = pytest.mark.browser


@pytest.fixture
def scored(committed: None) -> Iterator[tuple[Region, Round, Any]]:
    region = Region.objects.get(code="64.72")
    call_command("load_instrument")
    with schema_context(region.schema_name):
        round_ = scored_round(region, employees=120, takers=100)
    admin = make_user(region, Role.REGION_ADMIN, email="laporan@samarindakota.go.id")
    yield region, round_, admin
    with schema_context(region.schema_name):
        ReportSettings.objects.all().delete()
    remove_scored_rounds(region)


def _flat(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", page) for page in pages_text(data)]


def test_reports_downloaded_from_their_pages_read_well(
    scored: tuple[Region, Round, Any], web_port: int, desktop: Any, phone: Any, tmp_path: Path
) -> None:
    region, round_, admin = scored
    base = f"http://samarinda.localhost:{web_port}"
    page = desktop.new_page()
    page.goto(f"{base}/akun/login/")
    page.locator("input[name=login]").fill(admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")

    # The logo: from the results page to its settings; a wrong file is refused in words, a PNG is taken.
    page.goto(f"{base}/hasil/{round_.pk}/")
    page.locator("a[href='/pengaturan/laporan/']").click()
    page.wait_for_url(f"{base}/pengaturan/laporan/")
    wrong = tmp_path / "logo.png"
    wrong.write_bytes(b"not an image at all")
    page.locator("input[type=file]").set_input_files(str(wrong))
    page.locator("main form[enctype] button[type=submit]").click()
    assert "PNG" in page.locator(".form-errors").inner_text()
    logo = tmp_path / "logo-samarinda.png"
    Image.new("RGB", (240, 240), (200, 40, 40)).save(logo)
    page.locator("input[type=file]").set_input_files(str(logo))
    page.locator("main form[enctype] button[type=submit]").click()
    page.locator("#current-logo img").wait_for()
    screenshot(page, "report-settings-logo-1280")

    # The region report, from the results page.
    page.goto(f"{base}/hasil/{round_.pk}/")
    report = download(page, f"a[href$='/hasil/{round_.pk}/ekspor.pdf']", tmp_path).read_bytes()
    assert overlaps(report) == []
    text = _flat(report)
    assert region.name in text[0]
    assert text[1].startswith("Ringkasan eksekutif")
    assert "belum dikirim ke tolok ukur nasional" in text[1]  # said, not invented
    assert text[2].startswith("Gambaran per area")
    with pdfplumber.open(io.BytesIO(report)) as document:
        assert len(document.pages[0].images) == 1
    render(report, SCREENSHOTS, "pdf-region-report", pages=4)

    # A unit's code sheet, from the round page.
    page.goto(f"{base}/ronde/{round_.pk}/")
    link = page.locator("a[href*='/kode/'][href$='.pdf']").first
    unit_id = int(re.search(r"/kode/(\d+)\.pdf", link.get_attribute("href")).group(1))
    sheet = download(page, "a[href*='/kode/'][href$='.pdf']", tmp_path).read_bytes()
    assert overlaps(sheet) == []
    with schema_context(region.schema_name):
        slips = Participant.objects.filter(round=round_, unit_id=unit_id).count()
    flat = " ".join(_flat(sheet))
    assert flat.count("Jadwal sesi:") == slips + 1
    assert flat.count("samarinda.") >= slips + 1
    render(sheet, SCREENSHOTS, "pdf-code-sheet", pages=1)

    # The roadmap, from its page.
    page.goto(f"{base}/hasil/{round_.pk}/peta-jalan/")
    page.locator("input[name=target]").fill("2.6")
    page.locator("input[name=years]").fill("3")
    page.locator("main form button[type=submit]").click()
    page.locator("#roadmap-courses tbody tr").first.wait_for()
    roadmap = download(page, "a[href*='/peta-jalan.pdf']", tmp_path).read_bytes()
    assert overlaps(roadmap) == []
    words = " ".join(_flat(roadmap))
    assert re.search(r"Rp \d{1,3}(\.\d{3})+", words)
    assert not re.search(r"Rp \d{4,}", words)
    assert not re.search(r"\b\d+\.\d\d\b", words)
    render(roadmap, SCREENSHOTS, "pdf-roadmap", pages=1)

    # An employee on a phone: their own result with the learning plan.
    with schema_context(region.schema_name):
        score = Score.objects.filter(round=round_, complete=True).select_related("employee").first()
        nip, code = (
            score.employee.nip,
            codes.code_for(Participant.objects.get(round=round_, employee=score.employee)),
        )
    mobile = phone.new_page()
    mobile.goto(f"{base}/tes/")
    mobile.locator("#nip").fill(nip)
    mobile.locator("#code").fill(code)
    mobile.locator("main form button[type=submit]").click()
    mobile.wait_for_url(f"{base}/tes/hasil/")
    own = download(mobile, "a[href$='/tes/hasil.pdf']", tmp_path).read_bytes()
    assert overlaps(own) == []
    assert score.employee.nip in " ".join(_flat(own))
    render(own, SCREENSHOTS, "pdf-employee", pages=1)
