"""Through a real browser: with the strict Content-Security-Policy the pages report no violation, their
scripts run and their styles apply (config.security_headers)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from assessment.people.models import WorkUnit
from assessment.people.services import units
from tenants.models import Region
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser


def watch(page: Any) -> list[str]:
    """Every CSP violation and script error the page reports."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
    return seen


@pytest.fixture
def unit_admin(committed: None) -> Iterator[Any]:
    region = Region.objects.get(code="64.72")
    with schema_context(region.schema_name):
        parent = units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        units.create_unit(code="PKM-1", name="Puskesmas Satu", kind="puskesmas", parent=parent)
    user = make_user(region, Role.REGION_ADMIN, email="csp@samarindakota.go.id")
    yield user
    with schema_context(region.schema_name):
        while WorkUnit.objects.exists():
            WorkUnit.objects.filter(children__isnull=True).delete()
        User.objects.filter(pk=user.pk).delete()


def test_public_pages_keep_their_scripts_and_styles(committed: None, web_port: int, desktop: Any) -> None:
    page = desktop.new_page()
    violations = watch(page)
    base = f"http://localhost:{web_port}"
    page.goto(f"{base}/")
    # The stylesheet applies: the header has its colour, not the browser's default transparent.
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") not in {
        "rgba(0, 0, 0, 0)",
        "",
    }
    screenshot(page, "csp-home-1280")
    page.goto(f"{base}/daftar/")
    page.get_by_label("Daerah Anda").fill("Kutai Karta")  # ikd.js asks the region list
    page.get_by_role("option", name="Kabupaten Kutai Kartanegara").wait_for()
    page.goto(f"{base}/nasional/")
    screenshot(page, "csp-national-1280")
    page.goto(f"{base}/api/docs/")
    page.locator(".swagger-ui .information-container").wait_for()  # its start-up script ran
    screenshot(page, "csp-api-docs-1280")
    page.close()
    assert violations == []


def test_region_pages_keep_their_scripts_and_styles(unit_admin: Any, web_port: int, desktop: Any) -> None:
    page = desktop.new_page()
    violations = watch(page)
    base = f"http://samarinda.localhost:{web_port}"
    page.goto(f"{base}/tes/")
    page.goto(f"{base}/akun/login/")
    page.locator("input[name=login]").fill(unit_admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/unit/")
    # The sub-unit is indented by its class (it was a style attribute).
    cell = page.get_by_role("cell", name="Puskesmas Satu")
    assert cell.evaluate("element => getComputedStyle(element).paddingLeft") == "32px"
    screenshot(page, "csp-units-1280")
    page.goto(f"{base}/akun/email/")  # allauth's page with its own scripts and JSON data block
    page.goto(f"{base}/akun/2fa/totp/activate/")
    page.locator("input[name=password]").fill(PASSWORD)  # allauth asks for the password again
    page.locator("main form button[type=submit]").click()
    qr = page.locator("figure.qr img")
    qr.wait_for()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")  # the data: QR code shows
    screenshot(page, "csp-totp-activate-1280")
    page.close()
    assert violations == []
