"""Through a real browser: the region admin filters the talent view, downloads it, and makes a shortlist
for a role, on a desktop (1280 px) and on a phone (360 px)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.results.models import Score
from assessment.results.services import reading
from assessment.rounds.models import Round
from tenants.models import Region
from tests.assessment.results.conftest import scored_round
from tests.browser.conftest import download, remove_scored_rounds, screenshot
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def published(committed: None) -> Iterator[tuple[Region, Round, Any]]:
    region = Region.objects.get(code="64.72")
    call_command("load_instrument")
    with schema_context(region.schema_name):
        round_ = scored_round(region, employees=150, takers=130)
    admin = make_user(region, Role.REGION_ADMIN, email="talenta@samarindakota.go.id")
    yield region, round_, admin
    remove_scored_rounds(region)


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/akun/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_admin_filters_downloads_and_shortlists(
    published: tuple[Region, Round, Any], web_port: int, desktop: Any, phone: Any, tmp_path: Path
) -> None:
    region, round_, admin = published
    base = f"http://samarinda.localhost:{web_port}"
    with schema_context(region.schema_name):
        level3 = Score.objects.filter(round=round_, complete=True, level=3).count()
        area_code, area_name = reading.framework_of(round_).areas[0]

    page = desktop.new_page()
    _sign_in(page, base, admin.email)
    page.goto(f"{base}/talenta/")
    assert page.locator(".talent-table tbody tr").count() == 50
    assert page.locator(".talent-table svg[role=img]").count() >= 1
    screenshot(page, "talent-1280")
    page.locator("#id_level").select_option("3")
    page.locator("#id_sort").select_option("-index")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_url("**/talenta/?*level=3*")
    assert page.locator("#talent-count").inner_text().startswith(str(level3))
    assert page.locator(".talent-table tbody tr").count() == min(level3, 50)
    csv = download(page, "a[href*='/talenta/ekspor.csv']", tmp_path).read_bytes()
    assert csv.startswith(b"\xef\xbb\xbfNIP")
    assert csv.count(b"\r\n") == level3 + 1
    assert download(page, "a[href*='/talenta/ekspor.xlsx']", tmp_path).read_bytes().startswith(b"PK")

    page.locator("a[href='/talenta/shortlist/']").click()
    page.locator("#id_role").fill("Analis data Diskominfo")
    page.locator("#id_area").select_option(area_code)
    page.locator("#id_min_level").select_option("2")
    page.locator("#id_wanted").fill("5")
    page.locator("main form button[type=submit]").click()
    page.locator("#shortlist").wait_for()
    assert page.locator("#shortlist > li").count() == 5
    assert area_name in page.locator("#shortlist > li").first.inner_text()
    screenshot(page, "talent-shortlist-1280")

    mobile = phone.new_page()
    _sign_in(mobile, base, admin.email)
    mobile.goto(f"{base}/talenta/?level=3")
    _no_sideways_scroll(mobile)
    screenshot(mobile, "talent-360")
    mobile.goto(f"{base}/talenta/shortlist/?role=Pranata+komputer&area={area_code}&min_level=4&wanted=50")
    mobile.locator("#too-few").wait_for()
    assert "Hanya" in mobile.locator("#too-few").inner_text()
    _no_sideways_scroll(mobile)
    screenshot(mobile, "talent-shortlist-360")
