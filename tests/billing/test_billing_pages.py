"""The billing pages (issue 16, UI): the pricing page from the catalogue, a region's billing page, its
billing details (NPWP checked and shown formatted), the upgrade from a trial with its quote, the invoice
page and PDF (price, PPN, total in Indonesian format), the operator's console (status, amounts, revenue,
a treasury payment, a discount, an extension, the CSV/XLSX export), the overdue banner and the menus.

No payment provider is configured here (``STRIPE_SECRET_KEY`` empty): invoices live in IKD and are paid
out of band, which is the path a regional treasury takes; the provider's own flows are tested with
localstripe in the core's tests.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.roles import Role
from billing import money
from billing.models import Invoice
from billing.services import catalogue, seats, subscriptions
from tenants.models import Region
from tests.billing.contracts import as_trial
from tests.factories import PASSWORD, make_user
from tests.frontend.conftest import FORMULAS, TRIGGERS, read_pdf
from tests.pdftext import overlaps, pages_text
from tests.tenants.test_status import operator_client

HOST = "samarinda.localhost"
SAVED = Path(__file__).resolve().parents[2] / ".ikd" / "pdfs"
NPWP_15 = "01.234.567.8-901.000"
HOSTILE_NAME = '=HYPERLINK("http://evil.example/") <img src="http://evil.example/x.png"/> <b>Pemkot'


@pytest.fixture(autouse=True)
def _no_provider(settings: Any) -> None:
    settings.STRIPE_SECRET_KEY = ""
    settings.BILLING_SELLER_BANK_ACCOUNT = "Bank Uji 123-456 a.n. Penyelenggara IKD"


def rupiah(value: int) -> str:
    return f"Rp {value:,}".replace(",", ".")


def admin_client(
    region: Any, email: str = "tagihan@samarinda.go.id", role: str = Role.REGION_ADMIN
) -> Client:
    """A user of ``region`` signed in on its site (the session lives in the region's schema)."""
    user = make_user(region, role, email=email)
    client = Client(HTTP_HOST=f"{region.slug}.localhost")
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def profile_data(**overrides: str) -> dict[str, str]:
    data = {
        "legal_name": "Pemerintah Kota Samarinda",
        "contact_name": "Rina Wulandari",
        "contact_email": "keuangan@samarindakota.go.id",
        "contact_phone": "0541 123456",
        "npwp": NPWP_15,
        "address": "Jl. Kesuma Bangsa No. 1\nSamarinda",
        "ekatalog_number": "EPURCHASING-2026-77",
    }
    data.update(overrides)
    return data


def text_of(response: Any) -> str:
    """The page's text with tags and runs of white space collapsed (numbers are checked as read)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the pricing page -----------------------------------------------------------------------------


def test_pricing_page_shows_the_catalogue_and_follows_its_changes(db: Any) -> None:
    site = Client(HTTP_HOST="localhost")
    assert 'href="/harga/"' in site.get("/").content.decode()  # the home page leads to it
    page = text_of(site.get("/harga/"))
    assert "Harga" in page
    for offer in catalogue.public_plans():
        assert offer.name in page
        for tier in offer.tiers:
            assert rupiah(tier.unit_price) in page
    assert "Gratis" in page
    assert "100 pegawai" in page
    assert "PPN" in page

    catalogue.save_plan(
        "standar",
        name="Standar",
        description="Paket uji",
        tiers=[(1, 61_100), (2_000, 48_800)],
        actor="ops@ikd.go.id",
    )
    page = text_of(site.get("/harga/"))
    assert rupiah(61_100) in page
    assert rupiah(48_800) in page
    assert "2.000 atau lebih" in page
    assert rupiah(60_000) not in page.split("Profesional")[0]  # the old first tier is gone from Standar


def test_pricing_page_prices_a_number_of_employees_with_ppn_apart(db: Any) -> None:
    site = Client(HTTP_HOST="localhost")
    response = site.get("/harga/", {"pegawai": "12500"})
    page = text_of(response)
    plan = catalogue.get_plan("standar")
    amounts = money.amounts(catalogue.annual_price(plan, 12_500))
    assert amounts.total == amounts.net + amounts.ppn
    assert rupiah(amounts.total) in page
    assert f"{rupiah(amounts.net)} + PPN {rupiah(amounts.ppn)}" in page
    assert "12.500 pegawai" in page

    refused = text_of(site.get("/harga/", {"pegawai": "banyak"}))
    assert "Isi jumlah pegawai dengan bilangan bulat dari 1 sampai 1.000.000." in refused


# --- a region's billing page and details ----------------------------------------------------------------


def test_trial_region_billing_page_shows_plan_seats_and_period(region_a: Any) -> None:
    as_trial(region_a)
    client = admin_client(region_a)
    response = client.get("/tagihan/")
    assert response.status_code == 200
    page = text_of(response)
    sub = subscriptions.current(region_a)
    assert "Uji Coba" in page
    assert f"0 dari {sub.seats} kursi terpakai" in page
    assert re.search(rf"Sisa kursi\s+{sub.seats}", page)
    assert sub.period_start.strftime("%Y") in page
    assert "Belum ada tagihan" in page
    assert "Tingkatkan ke paket berbayar" in page
    # Only the region's admins: a coordinator gets the 403 page, a visitor the sign-in page.
    other = admin_client(region_a, "koordinator@samarinda.go.id", Role.UNIT_COORDINATOR)
    assert other.get("/tagihan/").status_code == 403
    assert Client(HTTP_HOST=HOST).get("/tagihan/").status_code == 302


def test_billing_details_check_the_npwp_and_show_it_formatted(region_a: Any) -> None:
    as_trial(region_a)
    client = admin_client(region_a)
    response = client.post("/tagihan/profil/", profile_data(npwp="01.234.567.8-901"))
    assert response.status_code == 200
    page = text_of(response)
    assert "NPWP terdiri dari 15 atau 16 angka; yang diisi 12 angka." in page
    response = client.post("/tagihan/profil/", profile_data(npwp="01.234.567.8-90A.000"))
    assert "NPWP hanya berisi angka" in text_of(response)
    assert subscriptions.peek_current(region_a) is None
    assert subscriptions.get_profile(region_a).pk is None  # nothing saved

    assert client.post("/tagihan/profil/", profile_data()).status_code == 302
    profile = subscriptions.get_profile(region_a)
    assert profile.npwp == "012345678901000"
    page = text_of(client.get("/tagihan/"))
    assert NPWP_15 in page
    assert "EPURCHASING-2026-77" in page
    assert "keuangan@samarindakota.go.id" in page

    client.post("/tagihan/profil/", profile_data(npwp="0012 3456 7890 1000"))
    assert "0012 3456 7890 1000" in text_of(client.get("/tagihan/"))


# --- upgrading from the trial --------------------------------------------------------------------------


def test_upgrade_shows_the_quote_then_makes_the_invoice(region_a: Any) -> None:
    as_trial(region_a)
    client = admin_client(region_a)
    page = text_of(client.get("/tagihan/tingkatkan/"))
    assert "Lengkapi data penagihan" in page  # no profile yet: the admin is sent there first
    client.post("/tagihan/profil/", profile_data())

    choice = {"plan": "standar", "employees": "1200", "method": "invoice"}
    response = client.post("/tagihan/tingkatkan/", choice)
    page = text_of(response)
    quote = response.context["quote"]
    assert quote.amounts.subtotal == 1200 * 50_000
    assert rupiah(quote.amounts.subtotal) in page
    assert rupiah(quote.amounts.ppn) in page
    assert rupiah(quote.amounts.total) in page
    assert not Invoice.objects.filter(region=region_a).exists()  # a quote makes nothing

    response = client.post("/tagihan/tingkatkan/", {**choice, "confirm": "1"})
    invoice = Invoice.objects.get(region=region_a)
    assert response.status_code == 302
    assert response["Location"] == f"/tagihan/faktur/{invoice.pk}/"
    assert (invoice.seats, invoice.total, invoice.status) == (1200, quote.amounts.total, "open")

    page = text_of(client.get(response["Location"]))
    assert invoice.number in page
    assert "Menunggu pembayaran" in page
    assert rupiah(invoice.ppn) in page
    assert rupiah(invoice.total) in page
    assert rupiah(invoice.tax_base) in page
    assert "Bank Uji 123-456" in page
    billing_page = text_of(client.get("/tagihan/"))
    assert invoice.number in billing_page
    assert rupiah(invoice.total) in billing_page

    # A second request while this one is unpaid is refused with the service's message, next to the form.
    again = text_of(client.post("/tagihan/tingkatkan/", {**choice, "confirm": "1"}))
    assert invoice.number in again
    assert "masih menunggu pembayaran" in again
    assert Invoice.objects.filter(region=region_a).count() == 1


def test_upgrade_refuses_fewer_seats_than_used_next_to_the_field(region_a: Any) -> None:
    as_trial(region_a)
    client = admin_client(region_a)
    client.post("/tagihan/profil/", profile_data())
    seats.record_usage(region_a, participants=80, rounds=1)
    response = client.post(
        "/tagihan/tingkatkan/", {"plan": "standar", "employees": "50", "method": "invoice"}
    )
    form = response.context["form"]
    assert "80" in " ".join(form.errors["employees"])
    assert not Invoice.objects.filter(region=region_a).exists()


def test_card_payment_without_a_provider_says_how_to_pay_instead(region_a: Any) -> None:
    as_trial(region_a)
    client = admin_client(region_a)
    client.post("/tagihan/profil/", profile_data())
    client.post(
        "/tagihan/tingkatkan/", {"plan": "standar", "employees": "150", "method": "invoice", "confirm": "1"}
    )
    invoice = Invoice.objects.get(region=region_a)
    page = client.get(f"/tagihan/faktur/{invoice.pk}/").content.decode()
    assert "Bayar dengan kartu" not in page  # not offered without a provider
    response = client.post(f"/tagihan/faktur/{invoice.pk}/bayar/", follow=True)
    assert "transfer bank" in text_of(response)
    assert Invoice.objects.get(pk=invoice.pk).status == "open"


def test_upgrade_paid_by_card_goes_to_the_providers_checkout(region_a: Any, stripe_double: Any) -> None:
    as_trial(region_a)
    client = admin_client(region_a)
    client.post("/tagihan/profil/", profile_data())
    form = client.get("/tagihan/tingkatkan/").content.decode()
    assert 'value="card"' in form  # offered once a provider is configured
    response = client.post(
        "/tagihan/tingkatkan/", {"plan": "standar", "employees": "150", "method": "card", "confirm": "1"}
    )
    invoice = Invoice.objects.get(region=region_a)
    assert response.status_code == 302
    assert response["Location"].startswith("https://checkout.stripe.com/")
    assert invoice.checkout_session_id
    (sent,) = stripe_double.sent("post", "/v1/checkout/sessions")
    assert f"/tagihan/faktur/{invoice.pk}/?kartu=selesai" in sent["success_url"]
    # Later, from the invoice page: a new checkout for the same open invoice.
    assert "Bayar dengan kartu" in client.get(f"/tagihan/faktur/{invoice.pk}/").content.decode()
    again = client.post(f"/tagihan/faktur/{invoice.pk}/bayar/")
    assert again.status_code == 302
    assert again["Location"].startswith("https://checkout.stripe.com/")


def test_a_paying_region_adding_seats_sees_a_prorated_quote_and_invoice(region_a: Any) -> None:
    from billing.models import Subscription

    Subscription.objects.filter(region=region_a).update(seats=200)  # the test contract, made small
    subscriptions.update_profile(region_a, actor="tests", **profile_data())
    client = admin_client(region_a)
    page = text_of(client.get("/tagihan/tingkatkan/"))
    assert "Tambah kursi atau ganti paket" in page
    assert "Hanya selisihnya untuk sisa masa kontrak yang ditagihkan" in page
    choice = {"plan": "standar", "employees": "500", "method": "invoice"}
    response = client.post("/tagihan/tingkatkan/", choice)
    quote = response.context["quote"]
    assert quote.prorated
    assert 0 < quote.amounts.subtotal < (500 - 200) * 60_000  # the difference, for the days left only
    page = text_of(response)
    assert f"proporsional untuk sisa {quote.days} hari" in page
    assert rupiah(quote.amounts.total) in page

    client.post("/tagihan/tingkatkan/", {**choice, "confirm": "1"})
    invoice = Invoice.objects.get(region=region_a)
    assert (invoice.kind, invoice.total) == ("upgrade", quote.amounts.total)
    document = client.get(f"/tagihan/faktur/{invoice.pk}.pdf").content
    SAVED.mkdir(parents=True, exist_ok=True)
    (SAVED / "invoice-prorated.pdf").write_bytes(document)  # the last one made, to look at
    text = " ".join(pages_text(document))
    assert "dihitung secara proporsional" in text
    assert rupiah(invoice.total) in text


# --- the invoice PDF -------------------------------------------------------------------------------------


def _invoice(region: Any, seats: int = 1200, **profile: str) -> Invoice:
    """A trial region's first invoice (a full year of the Standar plan)."""
    as_trial(region)
    subscriptions.update_profile(region, actor="tests", **profile_data(**profile))
    return subscriptions.request_upgrade(region, "standar", seats, actor="tests")


def test_invoice_pdf_prints_price_ppn_and_total_in_indonesian(region_a: Any) -> None:
    invoice = _invoice(region_a, legal_name=HOSTILE_NAME)
    client = admin_client(region_a)
    response = client.get(f"/tagihan/faktur/{invoice.pk}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "tagihan-IKD-" in response["Content-Disposition"]
    text = " ".join(pages_text(response.content))
    for amount in (invoice.subtotal, invoice.tax_base, invoice.ppn, invoice.total):
        assert rupiah(amount) in text, amount
    assert "PPN 12% × DPP" in text
    assert "Total tagihan" in text
    assert NPWP_15 in text
    assert "EPURCHASING-2026-77" in text
    assert "Belum dibayar" in text
    document = read_pdf(response.content)
    assert document.shows(HOSTILE_NAME)  # markup typed as a name is printed as written
    assert (document.images, document.links) == (0, 0)
    assert overlaps(response.content) == []
    # Another region's admin cannot fetch it.
    other = admin_client(Region.objects.get(code="64.71"), email="a@balikpapan.go.id")
    assert other.get(f"/tagihan/faktur/{invoice.pk}.pdf").status_code == 404


# --- the operator's console ------------------------------------------------------------------------------


def test_operator_records_a_treasury_payment_and_the_region_becomes_active(region_a: Any) -> None:
    invoice = _invoice(region_a)
    operator = operator_client()
    page = text_of(operator.get("/operator/tagihan/"))
    assert "Kota Samarinda" in page
    assert rupiah(invoice.total) in page  # invoiced and outstanding
    assert "Uji coba" in page

    url = f"/operator/tagihan/wilayah/{region_a.code}/"
    page = text_of(operator.get(url))
    assert invoice.number in page
    assert "Catat pembayaran kas daerah" in page

    prefix = f"inv{invoice.pk}"
    refused = operator.post(
        f"/operator/tagihan/faktur/{invoice.pk}/pembayaran/",
        {f"{prefix}-reference": "", f"{prefix}-paid_on": timezone.localdate().isoformat()},
    )
    assert refused.status_code == 400
    assert Invoice.objects.get(pk=invoice.pk).status == "open"

    paid_on = timezone.localdate()
    response = operator.post(
        f"/operator/tagihan/faktur/{invoice.pk}/pembayaran/",
        {f"{prefix}-reference": "SP2D 00123/BUD/2026", f"{prefix}-paid_on": paid_on.isoformat()},
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.payment_method, invoice.payment_reference) == (
        "paid",
        "out_of_band",
        "SP2D 00123/BUD/2026",
    )
    assert subscriptions.billing_status(region_a) == "active"
    assert Region.objects.get(pk=region_a.pk).status == "active"
    page = text_of(operator.get(url))
    assert "Lunas" in page
    assert "SP2D 00123/BUD/2026" in page
    console_page = text_of(operator.get("/operator/tagihan/"))
    assert "Aktif" in console_page
    assert rupiah(invoice.total) in console_page  # the year's revenue

    admin_page = text_of(admin_client(region_a).get(f"/tagihan/faktur/{invoice.pk}/"))
    assert "Lunas" in admin_page
    assert "SP2D 00123/BUD/2026" in admin_page


def test_operator_grants_a_discount_and_an_extension(region_a: Any) -> None:
    as_trial(region_a)
    operator = operator_client()
    url = f"/operator/tagihan/wilayah/{region_a.code}/"
    refused = operator.post(f"{url}potongan/", {"percent": "150", "reason": "x"})
    assert refused.status_code == 400
    assert (
        operator.post(f"{url}potongan/", {"percent": "10", "reason": "Kontrak tiga tahun"}).status_code == 302
    )
    assert subscriptions.current(region_a).discount_percent == 10
    subscriptions.update_profile(region_a, actor="tests", **profile_data())
    invoice = subscriptions.request_upgrade(region_a, "standar", 1000, actor="tests")
    assert invoice.discount == 1000 * 50_000 // 10
    assert "Potongan" in text_of(admin_client(region_a).get(f"/tagihan/faktur/{invoice.pk}/"))

    due = invoice.due_date
    before = subscriptions.current(region_a).period_end
    response = operator.post(f"{url}perpanjangan/", {"days": "30", "reason": "Anggaran perubahan"})
    assert response.status_code == 302
    assert subscriptions.current(region_a).period_end == before + timedelta(days=30)
    assert Invoice.objects.get(pk=invoice.pk).due_date == due + timedelta(days=30)
    followed = operator.get(url)
    assert followed.status_code == 200


def test_operator_export_lists_the_years_invoices_formula_safe(region_a: Any) -> None:
    invoice = _invoice(region_a, ekatalog_number=FORMULAS[0])
    operator = operator_client()
    year = timezone.localdate().year
    response = operator.get("/operator/tagihan/unduh.csv", {"tahun": year})
    assert response.status_code == 200
    assert f"tagihan-{year}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert "PPN (Rp)" in header
    assert "Total (Rp)" in header
    row = next(r for r in body if r[0] == invoice.number)
    assert row[header.index("Total (Rp)")] == str(invoice.total)
    assert row[header.index("PPN (Rp)")] == str(invoice.ppn)
    assert row[header.index("Nomor pesanan e-Katalog atau kontrak")] == "'" + FORMULAS[0]

    response = operator.get("/operator/tagihan/unduh.xlsx", {"tahun": year})
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert invoice.total in values
    assert not any(isinstance(v, str) and v.startswith(TRIGGERS) for v in values)
    assert operator.get("/operator/tagihan/unduh.pdf").status_code == 404
    # Only operators.
    assert admin_client(region_a).get("/operator/tagihan/").status_code == 404  # not on a region's site
    assert Client(HTTP_HOST="localhost").get("/operator/tagihan/unduh.csv").status_code == 302


def test_operator_invoice_pdf(region_a: Any) -> None:
    invoice = _invoice(region_a)
    response = operator_client().get(f"/operator/tagihan/faktur/{invoice.pk}.pdf")
    assert response.status_code == 200
    text = " ".join(pages_text(response.content))
    assert rupiah(invoice.total) in text
    assert invoice.number in text


def test_operator_changes_the_catalogue_and_the_pricing_page_follows(db: Any) -> None:
    operator = operator_client()
    page = text_of(operator.get("/operator/tagihan/paket/"))
    assert "Standar" in page
    assert "Uji Coba" in page
    assert rupiah(50_000) in page

    form = operator.get("/operator/tagihan/paket/standar/")
    assert "1000: 50000" in form.content.decode()  # the tiers as the operator types them
    wrong = operator.post(
        "/operator/tagihan/paket/standar/",
        {"name": "Standar", "tiers": "1: 60000\nseribu: 50000", "is_public": "on", "is_active": "on"},
    )
    assert wrong.status_code == 200
    assert "Baris 2" in text_of(wrong)  # where the mistake is
    odd = operator.post(
        "/operator/tagihan/paket/standar/",
        {"name": "Standar", "tiers": "1: 60050", "is_public": "on", "is_active": "on"},
    )
    assert odd.context["form"].errors["tiers"]  # the service's rule: whole hundreds of rupiah
    saved = operator.post(
        "/operator/tagihan/paket/standar/",
        {"name": "Standar", "tiers": "1: Rp 65.000\n2.500: 45.000", "is_public": "on", "is_active": "on"},
    )
    assert saved.status_code == 302
    plan = catalogue.get_plan("standar")
    assert [(t.min_seats, t.unit_price) for t in plan.tiers.all()] == [(1, 65_000), (2_500, 45_000)]

    created = operator.post(
        "/operator/tagihan/paket/baru/",
        {
            "code": "daerah-besar",
            "name": "Daerah Besar",
            "tiers": "1: 40000",
            "is_public": "on",
            "is_active": "on",
        },
    )
    assert created.status_code == 302
    pricing = text_of(Client(HTTP_HOST="localhost").get("/harga/"))
    assert "Daerah Besar" in pricing
    assert rupiah(40_000) in pricing
    assert rupiah(65_000) in pricing
    duplicate = operator.post(
        "/operator/tagihan/paket/baru/", {"code": "standar", "name": "X", "tiers": "1: 40000"}
    )
    assert duplicate.context["form"].errors["code"]
    # A national viewer, signed in on the same public site, may not.
    viewer = Client(HTTP_HOST="localhost")
    viewer.force_login(make_user(None, Role.NATIONAL_VIEWER, email="analis@bkn.go.id"))
    assert viewer.get("/operator/tagihan/paket/").status_code == 403


# --- the overdue banner and the menus ----------------------------------------------------------------------


def test_overdue_invoice_puts_a_banner_on_the_admins_pages_only(region_a: Any) -> None:
    invoice = _invoice(region_a)
    client = admin_client(region_a)
    assert 'id="billing-overdue"' not in client.get("/").content.decode()
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    page = text_of(client.get("/"))
    assert invoice.number in page
    assert "jatuh tempo" in page
    assert "hanya dapat dibaca" in page
    other = admin_client(region_a, "pegawai@samarinda.go.id", Role.EMPLOYEE)
    assert 'id="billing-overdue"' not in other.get("/").content.decode()
    assert "Lewat jatuh tempo" in text_of(client.get("/tagihan/"))


def test_a_region_suspended_for_non_payment_can_still_read_billing_and_pay_by_card(
    region_a: Any, stripe_double: Any
) -> None:
    from billing.services.overdue import NONPAYMENT_REASON
    from tenants.services import status

    invoice = _invoice(region_a)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=timezone.localdate() - timedelta(days=60))
    client = admin_client(region_a)
    status.suspend(region_a, actor="billing", reason=NONPAYMENT_REASON)
    page = text_of(client.get("/tagihan/"))
    assert NONPAYMENT_REASON in page  # the existing read-only banner, with billing's reason
    assert "begitu dibayar, situs dapat diubah lagi" in page  # and billing's: paying lifts it
    assert client.post("/tagihan/profil/", profile_data()).status_code == 403  # read-only otherwise
    paying = client.post(f"/tagihan/faktur/{invoice.pk}/bayar/")
    assert paying.status_code == 302
    assert paying["Location"].startswith("https://checkout.stripe.com/")


def test_menus_lead_to_billing(region_a: Any) -> None:
    dashboard = admin_client(region_a).get("/").content.decode()
    assert 'href="/tagihan/"' in dashboard
    assert 'id="upgrade-link" href="/tagihan/tingkatkan/"' in dashboard  # a trial region's way up
    assert 'href="/operator/tagihan/"' in operator_client().get("/operator/").content.decode()


def test_pages_read_in_english_too(region_a: Any) -> None:
    client = admin_client(region_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = text_of(client.get("/tagihan/"))
    assert "Billing" in page
    assert "Seats left" in page
    visitor = Client(HTTP_HOST="localhost")
    visitor.cookies["django_language"] = "en"
    assert "Pricing" in text_of(visitor.get("/harga/"))


def test_billing_pages_work_on_a_suspended_regions_read_only_connection(
    committed: None, stripe_double: Any
) -> None:
    """Committed, so that the database's read-only guard is on (tenants.readonly): a region suspended for
    non-payment still reads its billing pages (a never-saved profile included) and pays by card; every
    other change stays refused."""
    from billing.models import BillingProfile, Subscription
    from billing.services.overdue import NONPAYMENT_REASON
    from tenants.schemas import use_public_schema
    from tenants.services import status
    from tests.factories import make_region, remove_region

    region = make_region("64.11", "mahulu-tagihan")
    try:
        client = admin_client(region, "admin@mahulu.go.id")
        invoice = Invoice.objects.create(
            region=region,
            number="IKD/UJI/64.11",
            plan=catalogue.get_plan("standar"),
            seats=10,
            period_start=timezone.localdate(),
            period_end=timezone.localdate() + timedelta(days=364),
            description="Standar, 10 kursi",
            subtotal=600_000,
            net=600_000,
            tax_base=550_000,
            ppn=66_000,
            total=666_000,
            due_date=timezone.localdate() - timedelta(days=60),
        )
        status.suspend(region, actor="billing", reason=NONPAYMENT_REASON)
        for path in (
            "/tagihan/",
            f"/tagihan/faktur/{invoice.pk}/",
            "/tagihan/profil/",
            "/tagihan/tingkatkan/",
        ):
            assert client.get(path).status_code == 200, path
        assert client.get(f"/tagihan/faktur/{invoice.pk}.pdf").status_code == 200
        assert client.post("/tagihan/profil/", profile_data()).status_code == 403
        paying = client.post(f"/tagihan/faktur/{invoice.pk}/bayar/")
        assert paying.status_code == 302
        assert paying["Location"].startswith("https://checkout.stripe.com/")
        assert Invoice.objects.get(pk=invoice.pk).checkout_session_id  # written despite the read-only guard
        assert not BillingProfile.objects.filter(region=region).exists()
        assert not Subscription.objects.filter(region=region).exists()  # reading made no contract
    finally:
        use_public_schema()  # the requests left the suspended region's read-only session selected
        Invoice.objects.filter(region=region).delete()
        remove_region(region.code)
