"""Through a real browser: a region signs up and lands on its dashboard; regions stay apart."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, make_user, remove_region

pytestmark = pytest.mark.browser


def test_region_signs_up_and_lands_on_its_dashboard(committed: None, web_port: int, phone: Any) -> None:
    page = phone.new_page()
    try:
        page.goto(f"http://localhost:{web_port}/")
        screenshot(page, "home-360")
        page.get_by_role("link", name="Daftarkan daerah Anda").first.click()
        page.get_by_label("Daerah Anda").fill("Kutai Karta")
        page.get_by_role("option", name="Kabupaten Kutai Kartanegara").click()
        assert page.locator("#id_code").input_value() == "64.02"
        page.locator("#id_slug").fill("kukar-uji")
        page.get_by_label("Nama lengkap admin").fill("Rina Wulandari")
        page.get_by_label("Email dinas admin").fill("rina@kukarkab.go.id")
        page.locator("#id_password").fill(PASSWORD)
        page.locator("#id_password_again").fill(PASSWORD)
        page.locator("#id_accept_terms").check()
        screenshot(page, "signup-360")
        page.get_by_role("button", name="Buat situs kami").click()
        page.wait_for_url(f"http://kukar-uji.localhost:{web_port}/")
        assert page.get_by_role("heading", name="Kabupaten Kutai Kartanegara").is_visible()
        screenshot(page, "dashboard-360")
    finally:
        page.close()
        remove_region("64.02")


def test_signup_errors_show_next_to_their_fields(committed: None, web_port: int, desktop: Any) -> None:
    page = desktop.new_page()
    page.goto(f"http://localhost:{web_port}/daftar/")
    page.locator("#id_code").fill("64.72")  # Samarinda is taken
    page.locator("#id_slug").fill("www")
    page.get_by_label("Nama lengkap admin").fill("Rina")
    page.get_by_label("Email dinas admin").fill("rina@gmail.com")
    page.locator("#id_password").fill("12345")
    page.locator("#id_password_again").fill("12345")
    page.get_by_role("button", name="Buat situs kami").click()
    page.locator(".errorlist").first.wait_for()
    body = page.content()
    assert "dicadangkan" in body  # reserved address
    assert "go.id" in body
    screenshot(page, "signup-errors-1280")
    page.close()


def test_user_of_region_a_cannot_sign_in_on_region_b(committed: None, web_port: int, desktop: Any) -> None:
    from tenants.models import Region

    region_a = Region.objects.get(code="64.72")
    user = make_user(region_a, Role.REGION_ADMIN, email="browser-admin@samarindakota.go.id")
    page = desktop.new_page()
    try:
        page.goto(f"http://balikpapan.localhost:{web_port}/akun/login/")
        page.locator("input[name=login]").fill(user.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.locator("main .alert-error, main .errorlist").first.wait_for()
        assert "/akun/login/" in page.url
        screenshot(page, "login-refused-1280")

        page.goto(f"http://samarinda.localhost:{web_port}/akun/login/")
        page.locator("input[name=login]").fill(user.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"http://samarinda.localhost:{web_port}/")
        assert page.get_by_role("heading", name="Kota Samarinda").is_visible()
    finally:
        page.close()
        with schema_context(region_a.schema_name):
            User.objects.filter(email=user.email).delete()
