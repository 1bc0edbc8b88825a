"""Billing on the public site: the pricing page (anyone) and the operator's billing console.

The pricing page is made from the catalogue (billing.services.catalogue), never from numbers in the
template: an operator who changes a tier changes the page. A visitor may type a number of employees to
see what each plan costs for them a year, PPN on its own line.

The console lists every region's contract and money for a year, and carries the operator's actions on a
region (record a treasury payment, grant a discount or an extension); each is one service call, and the
services keep the audit trail. Accounting gets the year's invoices as CSV or XLSX through
frontend.tabular.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import access
from accounts.roles import Role
from billing import invoices_pdf
from billing.exports import HEADERS, invoice_rows
from billing.forms import DiscountForm, ExtensionForm, OutOfBandPaymentForm
from billing.models import Invoice
from billing.presenters import invoice_document, plan_offers, status_badge
from billing.services import console, invoices, subscriptions
from billing.services.errors import BillingError
from frontend.downloads import CSV, PDF, XLSX, attachment
from frontend.tabular import write_csv, write_xlsx
from tenants.models import Region

OPERATOR = [Role.PLATFORM_OPERATOR]
FORMATS = {"csv": CSV, "xlsx": XLSX}
MAX_EMPLOYEES = 1_000_000


def _employees(request: HttpRequest) -> int | None:
    raw = request.GET.get("pegawai", "").replace(".", "").strip()
    if not raw.isdigit():
        return None
    value = int(raw)
    return value if 1 <= value <= MAX_EMPLOYEES else None


@access(public=True)
def pricing(request: HttpRequest) -> HttpResponse:
    employees = _employees(request)
    offers = plan_offers(employees)
    context = {
        "offers": offers,
        "trial": next((offer for offer in offers if offer.is_trial), None),
        "paid": [offer for offer in offers if not offer.is_trial],
        "employees": employees,
        "employees_invalid": bool(request.GET.get("pegawai")) and employees is None,
        "max_employees": MAX_EMPLOYEES,
        "card_available": invoices.card_payment_available(),
    }
    return render(request, "billing/pricing.html", context)


# --- the operator's console ---------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("tahun", "")
    today = timezone.localdate()
    if raw.isdigit() and 2000 <= int(raw) <= today.year + 1:
        return int(raw)
    return today.year


@access(roles=OPERATOR)
def operator_billing(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    rows = console.rows(year)
    wanted = request.GET.get("status", "")
    shown = [row for row in rows if not wanted or row.status == wanted]
    counts = {status: sum(1 for row in rows if row.status == status) for status in console_statuses()}
    context = {
        "year": year,
        "years": list(range(timezone.localdate().year + 1, 2023, -1)),
        "rows": [(row, status_badge(row.status)) for row in shown],
        "counts": [(status_badge(status), status, n) for status, n in counts.items()],
        "wanted": wanted,
        "revenue": console.revenue_for_year(year),
        "invoiced": sum(row.invoiced for row in rows),
        "outstanding": sum(row.outstanding for row in rows),
    }
    return render(request, "billing/operator/console.html", context)


def console_statuses() -> tuple[str, ...]:
    return ("trial", "active", "overdue", "suspended")


@access(roles=OPERATOR)
def operator_billing_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404(_("Downloads come as CSV or XLSX."))
    year = _year(request)
    rows = invoice_rows(
        console.invoices_for_year(year).select_related("region", "plan", "region__billing_profile")
    )
    headers = [str(header) for header in HEADERS]
    if fmt == "csv":
        content = write_csv(headers, rows)
    else:
        content = write_xlsx(headers, rows, sheet_title=_("Invoices %(year)s") % {"year": year})
    return attachment(content, f"tagihan-{year}.{fmt}", FORMATS[fmt])


def _region_page(
    request: HttpRequest,
    region: Region,
    *,
    payment_forms: dict[int, OutOfBandPaymentForm] | None = None,
    discount_form: DiscountForm | None = None,
    extension_form: ExtensionForm | None = None,
    status_code: int = 200,
) -> HttpResponse:
    subscription = subscriptions.current(region)
    region_invoices = list(invoices.for_region(region).select_related("plan"))
    payment_forms = payment_forms or {}
    rows = []
    for invoice in region_invoices:
        form = None
        if invoice.status == Invoice.Status.OPEN:
            form = payment_forms.get(invoice.pk) or OutOfBandPaymentForm(
                prefix=f"inv{invoice.pk}", initial={"paid_on": timezone.localdate()}
            )
        badge = status_badge("overdue" if invoice.is_overdue else invoice.status)
        rows.append((invoice, badge, form))
    context = {
        "region": region,
        "subscription": subscription,
        "status": status_badge(subscriptions.billing_status(region)),
        "profile": subscriptions.get_profile(region),
        "rows": rows,
        "discount_form": discount_form
        or DiscountForm(initial={"percent": subscription.discount_percent or None}),
        "extension_form": extension_form or ExtensionForm(),
    }
    return render(request, "billing/operator/region.html", context, status=status_code)


@access(roles=OPERATOR)
def operator_billing_region(request: HttpRequest, code: str) -> HttpResponse:
    return _region_page(request, get_object_or_404(Region, code=code))


def _actor(request: HttpRequest) -> str:
    return str(request.user.get_username())


@access(roles=OPERATOR)
@require_POST
def operator_billing_payment(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a treasury transfer (SP2D) that paid this invoice outside the provider."""
    invoice = get_object_or_404(Invoice.objects.select_related("region"), pk=pk)
    form = OutOfBandPaymentForm(request.POST, prefix=f"inv{invoice.pk}")
    if form.is_valid():
        try:
            invoices.record_out_of_band_payment(
                invoice,
                reference=form.cleaned_data["reference"],
                paid_on=form.cleaned_data["paid_on"],
                amount_received=form.cleaned_data["amount_received"],
                actor=_actor(request),
            )
        except BillingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("Invoice %(number)s is recorded as paid; %(region)s is active.")
                % {"number": invoice.number, "region": invoice.region.name},
            )
            return redirect("operator_billing_region", code=invoice.region.code)
    return _region_page(request, invoice.region, payment_forms={invoice.pk: form}, status_code=400)


@access(roles=OPERATOR)
@require_POST
def operator_billing_discount(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code)
    form = DiscountForm(request.POST)
    if form.is_valid():
        try:
            subscriptions.grant_discount(
                region,
                form.cleaned_data["percent"],
                actor=_actor(request),
                reason=form.cleaned_data["reason"],
            )
        except BillingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("%(region)s gets %(percent)s%% off its next invoices.")
                % {"region": region.name, "percent": form.cleaned_data["percent"]},
            )
            return redirect("operator_billing_region", code=region.code)
    return _region_page(request, region, discount_form=form, status_code=400)


@access(roles=OPERATOR)
@require_POST
def operator_billing_extension(request: HttpRequest, code: str) -> HttpResponse:
    region = get_object_or_404(Region, code=code)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            subscription = subscriptions.grant_extension(
                region, form.cleaned_data["days"], actor=_actor(request), reason=form.cleaned_data["reason"]
            )
        except BillingError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("The contract of %(region)s now ends on %(day)s.")
                % {"region": region.name, "day": _long_date(subscription.period_end)},
            )
            return redirect("operator_billing_region", code=region.code)
    return _region_page(request, region, extension_form=form, status_code=400)


def _long_date(day: date) -> str:
    return date_format(day, "j F Y")


@access(roles=OPERATOR)
def operator_billing_invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.select_related("region", "plan"), pk=pk)
    profile = subscriptions.get_profile(invoice.region)
    with translation.override("id"):
        content = invoices_pdf.render(invoice_document(invoice, profile))
    return attachment(content, f"tagihan-{invoice.number}.pdf", PDF)
