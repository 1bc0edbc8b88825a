"""A region's billing pages (its admins only): the contract, seats, invoices, the billing profile, upgrading.

Thin on purpose: every rule (prices, proration, who may upgrade to what, the provider) is in
billing.services; these views turn forms into service calls and service errors into form errors. The
billing rows live in the public schema and are reached from the region's site through the search path.

Upgrading is two steps on one page: the admin picks a plan and the number of employees and sees the quote
(price, PPN on its own line, total, prorated when a paid contract is running), then confirms; the invoice
is made and shown at once, to be paid by treasury transfer or, for those who can, by card (Stripe
Checkout). A region suspended for non-payment may still open these pages and pay by card: the card
checkout's URL name is let through the read-only guard (tenants.middleware).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import access
from accounts.roles import Role
from billing import invoices_pdf
from billing.forms import BillingProfileForm, UpgradeForm
from billing.models import Invoice
from billing.presenters import invoice_document, plan_offers, status_badge
from billing.services import catalogue, invoices, subscriptions
from billing.services.errors import BillingError, ProviderError
from frontend.downloads import PDF, attachment

ADMIN = [Role.REGION_ADMIN]


def _actor(request: HttpRequest) -> str:
    return str(request.user.get_username())


# The services name some fields as their arguments; the forms call them otherwise.
_FIELDS = {"seats": "employees"}


def _form_error(form: Any, exc: BillingError) -> None:
    field = _FIELDS.get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, exc.message)


@access(roles=ADMIN)
def billing_home(request: HttpRequest) -> HttpResponse:
    region = request.region  # type: ignore[attr-defined]
    subscription = subscriptions.current(region)
    profile = subscriptions.get_profile(region)
    region_invoices = list(invoices.for_region(region).select_related("plan"))
    context = {
        "subscription": subscription,
        "status": status_badge(subscriptions.billing_status(region)),
        "profile": profile,
        "invoices": region_invoices,
        "open_invoices": [invoice for invoice in region_invoices if invoice.status == Invoice.Status.OPEN],
        "can_upgrade": bool(catalogue.paid_plans()),
    }
    return render(request, "billing/region.html", context)


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def billing_profile(request: HttpRequest) -> HttpResponse:
    region = request.region  # type: ignore[attr-defined]
    profile = subscriptions.get_profile(region)
    initial = {
        "legal_name": profile.legal_name or _("Government of %(region)s") % {"region": region.name},
        "contact_name": profile.contact_name,
        "contact_email": profile.contact_email,
        "contact_phone": profile.contact_phone,
        "npwp": profile.npwp_display if profile.npwp else "",
        "address": profile.address,
        "ekatalog_number": profile.ekatalog_number,
    }
    form = BillingProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            subscriptions.update_profile(region, actor=_actor(request), **form.cleaned_data)
        except BillingError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("The billing details are saved."))
            return redirect("billing_upgrade" if request.GET.get("next") == "upgrade" else "billing_region")
    return render(request, "billing/profile.html", {"form": form, "profile": profile})


def _plan_choices() -> list[tuple[str, str]]:
    return [(plan.code, plan.name) for plan in catalogue.paid_plans()]


@access(roles=ADMIN)
@require_http_methods(["GET", "POST"])
def billing_upgrade(request: HttpRequest) -> HttpResponse:
    """Pick a plan and a number of employees, see the quote, confirm: the invoice is made."""
    region = request.region  # type: ignore[attr-defined]
    subscription = subscriptions.current(region)
    profile = subscriptions.get_profile(region)
    initial: dict[str, object] = {
        "employees": max(subscription.seats_used, 1) if subscription.is_trial else subscription.seats
    }
    if request.method == "GET" and request.GET.get("plan"):
        initial["plan"] = request.GET["plan"]
    form = UpgradeForm(
        request.POST or None,
        plans=_plan_choices(),
        card=invoices.card_payment_available(),
        initial=initial,
    )
    quote = None
    if request.method == "POST" and form.is_valid():
        plan_code, seats = form.cleaned_data["plan"], form.cleaned_data["employees"]
        try:
            quote = subscriptions.quote(region, plan_code, seats)
            if request.POST.get("confirm") == "1":
                invoice = subscriptions.request_upgrade(region, plan_code, seats, actor=_actor(request))
                if form.cleaned_data["method"] == UpgradeForm.CARD:
                    return _checkout(request, invoice)
                messages.success(
                    request,
                    _("Invoice %(number)s is ready: pay it by transfer by its due date.")
                    % {"number": invoice.number},
                )
                return redirect("billing_invoice", pk=invoice.pk)
        except BillingError as exc:
            quote = None
            _form_error(form, exc)
    context = {
        "form": form,
        "quote": quote,
        "subscription": subscription,
        "profile": profile,
        "offers": plan_offers(),
    }
    return render(request, "billing/upgrade.html", context)


def _own_invoice(request: HttpRequest, pk: int) -> Invoice:
    region = request.region  # type: ignore[attr-defined]
    invoice = invoices.for_region(region).select_related("plan").filter(pk=pk).first()
    if invoice is None:
        raise Http404(_("No such invoice for this region."))
    return invoice


@access(roles=ADMIN)
def billing_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _own_invoice(request, pk)
    context = {
        "invoice": invoice,
        "profile": subscriptions.get_profile(request.region),  # type: ignore[attr-defined]
        "status": status_badge(invoice_status(invoice)),
        "bank_account": settings.BILLING_SELLER_BANK_ACCOUNT,
        "card_available": invoices.card_payment_available(),
    }
    return render(request, "billing/invoice.html", context)


def invoice_status(invoice: Invoice) -> str:
    """The invoice's badge: its status, or "overdue" for an open invoice past its due date."""
    return "overdue" if invoice.is_overdue else invoice.status


@access(roles=ADMIN)
def billing_invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _own_invoice(request, pk)
    profile = subscriptions.get_profile(request.region)  # type: ignore[attr-defined]
    with translation.override("id"):
        content = invoices_pdf.render(invoice_document(invoice, profile))
    return attachment(content, f"tagihan-{invoice.number}.pdf", PDF)


def _checkout(request: HttpRequest, invoice: Invoice) -> HttpResponse:
    page = request.build_absolute_uri(reverse("billing_invoice", kwargs={"pk": invoice.pk}))
    try:
        url = invoices.start_card_checkout(invoice, success_url=f"{page}?kartu=selesai", cancel_url=page)
    except ProviderError as exc:
        messages.error(request, exc.message)
    except BillingError as exc:
        messages.error(request, exc.message)
    else:
        return HttpResponseRedirect(url)
    return redirect("billing_invoice", pk=invoice.pk)


@access(roles=ADMIN)
@require_POST
def billing_invoice_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay an open invoice by card through the provider's hosted checkout."""
    return _checkout(request, _own_invoice(request, pk))
