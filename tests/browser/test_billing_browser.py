"""Through a real browser (issue 16): a trial region's admin fills in the billing details (a wrong NPWP is
refused next to its field), asks for an upgrade, sees the quote with PPN apart and then the invoice; the
platform operator records the treasury's payment (SP2D) in the billing console and the region becomes
active; the admin sees the invoice paid. The pricing page and the region's pages are looked at on a phone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from billing.models import BillingProfile, Invoice, Subscription
from tenants.models import Region
from tests.browser.conftest import screenshot
from tests.factories import PASSWORD, make_region, make_user, remove_region

pytestmark = pytest.mark.browser

CODE, SLUG = "64.03", "berau-tagihan"  # Kabupaten Berau: a region no other test uses
ADMIN_EMAIL = "bendahara@beraukab.go.id"
OPERATOR_EMAIL = "tagihan-ops@ikd.go.id"


def _forget(region: Region) -> None:
    """The billing rows of the region (invoices protect their region from deletion), then the region."""
    Invoice.objects.filter(region=region).delete()
    Subscription.objects.filter(region=region).delete()
    BillingProfile.objects.filter(region=region).delete()
    remove_region(region.code)


def _remove_operator() -> None:
    """Raw delete: the ORM's collector would look for region tables in the public schema."""
    users = User.objects.filter(email=OPERATOR_EMAIL)
    for model in (Authenticator, User.groups.through, User.user_permissions.through):
        model.objects.filter(user__in=users).delete()
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user__in=users).delete()
    users._raw_delete(users.db)


@pytest.fixture
def trial_region(committed: None) -> Iterator[Region]:
    region = make_region(CODE, SLUG)  # approved, no contract: on the trial
    make_user(region, Role.REGION_ADMIN, email=ADMIN_EMAIL, full_name="Dewi Lestari")
    try:
        yield region
    finally:
        _forget(Region.objects.get(pk=region.pk))


@pytest.fixture
def operator_cookie(committed: None) -> Iterator[dict[str, Any]]:
    """A signed-in operator's session (the authenticator made after signing in stands for the TOTP step the
    console demands, as in tests/tenants/test_status.py)."""
    operator = make_user(None, Role.PLATFORM_OPERATOR, email=OPERATOR_EMAIL)
    client = Client(HTTP_HOST="localhost")
    assert client.post("/akun/login/", {"login": OPERATOR_EMAIL, "password": PASSWORD}).status_code == 302
    Authenticator.objects.create(user=operator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    try:
        yield {
            "name": "sessionid",
            "value": client.cookies["sessionid"].value,
            "domain": "localhost",
            "path": "/",
        }
    finally:
        _remove_operator()


def test_trial_admin_upgrades_and_operator_records_the_treasury_payment(
    trial_region: Region,
    operator_cookie: dict[str, Any],
    web_port: int,
    browser: Any,
    desktop: Any,
    phone: Any,
) -> None:
    base = f"http://{SLUG}.localhost:{web_port}"
    page = desktop.new_page()
    page.goto(f"http://localhost:{web_port}/harga/")
    assert "Rp 60.000" in page.locator("main").inner_text()  # Standar's first tier, from the catalogue
    screenshot(page, "pricing-1280")
    page.goto(f"{base}/akun/login/")
    page.locator("input[name=login]").fill(ADMIN_EMAIL)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/")

    # The menu leads to the billing page: the trial, its seats and period, no invoice yet.
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Penagihan").click()
    page.wait_for_url(f"{base}/tagihan/")
    assert page.locator("#billing-status").inner_text() == "Uji coba"
    assert "0 dari 100 kursi terpakai" in page.locator("main").inner_text()
    screenshot(page, "billing-trial-1280")

    # Billing details: a 14-digit NPWP is refused next to its field, then a 15-digit one is kept.
    page.get_by_role("link", name="Tingkatkan ke paket berbayar").click()
    page.get_by_role("link", name="Ubah data penagihan").click()
    page.get_by_label("Nama pada tagihan").fill("Pemerintah Kabupaten Berau")
    page.get_by_label("Kontak penagihan").fill("Dewi Lestari")
    page.get_by_label("Email penagihan").fill("keuangan@beraukab.go.id")
    page.get_by_label("NPWP").fill("01.234.567.8-901.00")
    page.get_by_label("Alamat penagihan").fill("Jl. Pemuda No. 1\nTanjung Redeb")
    page.get_by_label("Nomor pesanan e-Katalog atau kontrak").fill("EPURCHASING-2026-0042")
    page.get_by_role("button", name="Simpan").click()
    error = page.locator("#id_npwp_error")
    assert "15 atau 16 angka" in error.inner_text()
    screenshot(page, "billing-profile-error-1280")
    page.get_by_label("NPWP").fill("01.234.567.8-901.000")
    page.get_by_role("button", name="Simpan").click()
    page.wait_for_url(f"{base}/tagihan/tingkatkan/")

    # The quote: Standar for 1.200 employees, PPN on its own line; nothing made yet.
    page.get_by_label("Standar").check()
    page.get_by_label("Pegawai yang ikut dalam tahun kontrak").fill("1200")
    page.get_by_role("button", name="Lihat harga").click()
    quote = page.locator("#quote")
    quote.wait_for()
    assert "Rp 60.000.000" in quote.inner_text()  # 1.200 x Rp 50.000
    assert page.locator("#quote-ppn").inner_text() == "Rp 6.600.000"  # 11 % in effect
    assert page.locator("#quote-total").inner_text() == "Rp 66.600.000"
    assert not Invoice.objects.filter(region=trial_region).exists()
    screenshot(page, "billing-quote-1280")

    # The invoice, at once.
    page.get_by_role("button", name="Minta tagihan").click()
    page.wait_for_url(f"{base}/tagihan/faktur/*/")
    invoice = Invoice.objects.get(region=trial_region)
    assert invoice.number in page.locator("h1").inner_text()
    assert page.locator("#invoice-status").inner_text() == "Menunggu pembayaran"
    assert page.locator("#invoice-total").inner_text() == "Rp 66.600.000"
    assert page.locator("#invoice-ppn").inner_text() == "Rp 6.600.000"
    screenshot(page, "billing-invoice-1280")

    # Were it past due, every page of the admin would say so, with the day the site turns read-only.
    due = invoice.due_date
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    page.goto(f"{base}/")
    banner = page.locator("#billing-overdue")
    assert invoice.number in banner.inner_text()
    assert "hanya dapat dibaca" in banner.inner_text()
    screenshot(page, "billing-overdue-banner-1280")
    Invoice.objects.filter(pk=invoice.pk).update(due_date=due)

    # The operator sees it in the console and records the treasury's transfer.
    operator_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    operator_context.add_cookies([operator_cookie])
    console = operator_context.new_page()
    console.goto(f"http://localhost:{web_port}/operator/tagihan/")
    row = console.locator(f"tr[data-region='{CODE}']")
    assert "Rp 66.600.000" in row.inner_text()  # invoiced and outstanding
    screenshot(console, "billing-console-1280")
    row.get_by_role("link", name="Kabupaten Berau").click()
    card = console.locator(f"#invoice-{invoice.pk}")
    card.get_by_label("Nomor SP2D atau referensi transfer").fill("SP2D 00042/BUD/2026")
    card.get_by_label("Tanggal diterima").fill(timezone.localdate().isoformat())
    console.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Catat pembayaran").click()
    console.locator(".alert-success").wait_for()
    assert console.locator("#billing-status").inner_text() == "Aktif"
    assert "Lunas" in console.locator(f"#invoice-{invoice.pk}").inner_text()
    screenshot(console, "billing-operator-region-1280")
    operator_context.close()

    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_reference) == ("paid", "SP2D 00042/BUD/2026")
    assert Region.objects.get(pk=trial_region.pk).status == Region.Status.ACTIVE

    # The admin sees it paid and the region active.
    page.goto(f"{base}/tagihan/faktur/{invoice.pk}/")
    assert page.locator("#invoice-status").inner_text() == "Lunas"
    assert "SP2D 00042/BUD/2026" in page.locator("#invoice-paid").inner_text()
    page.goto(f"{base}/tagihan/")
    assert page.locator("#billing-status").inner_text() == "Aktif"
    assert "01.234.567.8-901.000" in page.locator("#npwp").inner_text()
    page.close()

    # On a phone: the billing page, the invoice and the public pricing page.
    small = phone.new_page()
    small.goto(f"{base}/akun/login/")
    small.locator("input[name=login]").fill(ADMIN_EMAIL)
    small.locator("input[name=password]").fill(PASSWORD)
    small.locator("main form button[type=submit]").click()
    small.wait_for_url(f"{base}/")
    pages = {
        "billing-region-360": f"{base}/tagihan/",
        "billing-invoice-360": f"{base}/tagihan/faktur/{invoice.pk}/",
        "pricing-360": f"http://localhost:{web_port}/harga/?pegawai=1200",
    }
    for name, url in pages.items():
        small.goto(url)
        screenshot(small, name)
        assert small.evaluate("document.documentElement.scrollWidth") <= 360, name  # no sideways scrolling
    assert "Rp 66.600.000" in small.locator("main").inner_text()  # the pricing page's total for 1.200
    small.close()
