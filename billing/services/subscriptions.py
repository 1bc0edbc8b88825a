"""A region's contract: its profile, quotes, upgrades (prorated mid-year), discounts and extensions.

Design:

- A region without a contract row is on the trial. ``current`` and ``get_profile`` never write: the
  billing page of a suspended region is read on a read-only connection (tenants.readonly), so rows are
  made only by the services that change something.
- A contract is one ``Subscription`` per period of a year. A trial region that requests a paid plan gets
  an invoice for a full year from that day (kind NEW); a paying region that wants more seats or a dearer
  plan gets an invoice for the difference of the yearly prices for the rest of its period (kind UPGRADE,
  prorated by days, rounded to whole hundreds of rupiah). Either takes effect when the invoice is paid
  (``billing.services.payments``), which is when a treasury has committed the money.
- Invoices are numbered per year without gaps (``InvoiceNumber`` locked in the same transaction); the
  provider's invoice is made inside that transaction, so a refused provider call leaves nothing behind.
- Only approved regions are invoiced: a claim the operator has not judged yet is not a customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit_trail
from billing import money
from billing.models import BillingProfile, Invoice, InvoiceNumber, Plan, ProviderRef, Subscription
from billing.providers import get_provider
from billing.providers.base import CustomerData, InvoiceLine, ProviderFailure
from billing.services import catalogue
from billing.services.errors import BillingError, ProviderError
from tenants.models import Region

PPN_TAX_RATE_KEY = "stripe:tax_rate:ppn"


def _today(on: date | None) -> date:
    return on or timezone.localdate()


def year_after(start: date) -> date:
    """The last day of a one-year period that begins on ``start`` (29 February counts as 28)."""
    try:
        return start.replace(year=start.year + 1) - timedelta(days=1)
    except ValueError:
        return date(start.year + 1, 2, 28)


# --- Reading (never writes) -----------------------------------------------------------------------


def peek_current(region: Region, *, on: date | None = None) -> Subscription | None:
    """The saved contract in force on ``on`` (else the latest one), or None on a never-billed trial."""
    day = _today(on)
    subs = list(
        Subscription.objects.filter(region=region).select_related("plan").order_by("-period_start", "-pk")
    )
    for sub in subs:
        if sub.covers(day) and sub.status != Subscription.Status.ENDED:
            return sub
    return subs[0] if subs else None


def current(region: Region, *, on: date | None = None) -> Subscription:
    """The region's contract; an unsaved trial for a region that never had one (no write)."""
    sub = peek_current(region, on=on)
    if sub is not None:
        return sub
    plan = catalogue.trial_plan()
    start = timezone.localtime(region.created_at).date() if region.created_at else _today(on)
    return Subscription(
        region=region,
        plan=plan,
        seats=plan.max_participants or 0,
        period_start=start,
        period_end=year_after(start),
        status=Subscription.Status.TRIAL,
    )


def billing_status(region: Region, *, on: date | None = None) -> str:
    """trial, active, overdue or suspended: what the operator's console and badges show."""
    if region.status == Region.Status.SUSPENDED:
        return Subscription.Status.SUSPENDED
    sub = current(region, on=on)
    if Invoice.objects.filter(region=region, status=Invoice.Status.OPEN, due_date__lt=_today(on)).exists():
        return Subscription.Status.OVERDUE
    return Subscription.Status.TRIAL if sub.is_trial else Subscription.Status.ACTIVE


def get_profile(region: Region) -> BillingProfile:
    """The region's billing profile; an unsaved empty one when none was saved (no write)."""
    profile = BillingProfile.objects.filter(region=region).first()
    return profile or BillingProfile(region=region)


@dataclass(frozen=True)
class OverdueNotice:
    invoice_number: str
    invoice_id: int
    total: int
    due_date: date
    read_only_from: date  # due date + grace (for a paying region; a trial is never made read-only)


def overdue_notice(region: Region, *, on: date | None = None) -> OverdueNotice | None:
    """The oldest unpaid invoice past its due date, for the banner; None when nothing is overdue."""
    invoice = (
        Invoice.objects.filter(region=region, status=Invoice.Status.OPEN, due_date__lt=_today(on))
        .order_by("due_date", "pk")
        .first()
    )
    if invoice is None:
        return None
    return OverdueNotice(
        invoice_number=invoice.number,
        invoice_id=invoice.pk,
        total=invoice.total,
        due_date=invoice.due_date,
        read_only_from=invoice.due_date + timedelta(days=settings.BILLING_GRACE_DAYS),
    )


# --- The profile ----------------------------------------------------------------------------------


@transaction.atomic
def update_profile(
    region: Region,
    *,
    legal_name: str,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    npwp: str,
    address: str,
    ekatalog_number: str = "",
    actor: str,
) -> BillingProfile:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from billing import npwp as npwp_rules

    if not legal_name.strip():
        raise BillingError(_("Give the name to print on the invoice."), "legal_name")
    if not contact_name.strip():
        raise BillingError(_("Give the name of the billing contact."), "contact_name")
    try:
        validate_email(contact_email.strip())
    except ValidationError:
        raise BillingError(_("Give a valid email address for the invoices."), "contact_email") from None
    try:
        digits = npwp_rules.normalise(npwp)
    except npwp_rules.NpwpError as exc:
        raise BillingError(str(exc), "npwp") from None
    if not address.strip():
        raise BillingError(_("Give the billing address."), "address")
    profile, _created = BillingProfile.objects.select_for_update().get_or_create(region=region)
    profile.legal_name = legal_name.strip()
    profile.contact_name = contact_name.strip()
    profile.contact_email = contact_email.strip()
    profile.contact_phone = contact_phone.strip()
    profile.npwp = digits
    profile.address = address.strip()
    profile.ekatalog_number = ekatalog_number.strip()
    profile.save()
    audit_trail.record_platform("billing.profile_changed", actor=actor, subject=region)
    return profile


# --- Quotes and upgrades ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    plan: Plan
    seats: int
    unit_price: int
    kind: str  # Invoice.Kind
    period_start: date
    period_end: date
    days: int  # days billed
    period_days: int  # days of the whole period
    prorated: bool
    amounts: money.Amounts
    credit: int  # the yearly price already paid (prorated upgrades), 0 otherwise


def _full_year(plan: Plan, seats: int, price: int, kind: str, start: date, discount_percent: int) -> Quote:
    """A whole contract year from ``start``, at the full price: a new contract or a renewal."""
    end = year_after(start)
    days = (end - start).days + 1
    return Quote(
        plan=plan,
        seats=seats,
        unit_price=price,
        kind=kind,
        period_start=start,
        period_end=end,
        days=days,
        period_days=days,
        prorated=False,
        amounts=money.amounts(price * seats, discount_percent),
        credit=0,
    )


def quote(region: Region, plan_code: str, seats: int, *, on: date | None = None) -> Quote:
    """What a plan with ``seats`` seats would cost the region from ``on``: a full year on a trial, the
    prorated difference for the rest of the period on a paid contract."""
    day = _today(on)
    plan = catalogue.get_plan(plan_code)
    if plan.is_trial:
        raise BillingError(_("Choose a paid plan."), "plan")
    if seats < 1:
        raise BillingError(_("Buy at least one seat."), "seats")
    sub = current(region, on=day)
    if seats < sub.seats_used:
        raise BillingError(
            _("%(used)d seats are already used this contract year: buy at least that many.")
            % {"used": sub.seats_used},
            "seats",
        )
    price = catalogue.unit_price(plan, seats)
    if sub.is_trial or sub.pk is None or not sub.covers(day):
        return _full_year(plan, seats, price, Invoice.Kind.NEW, day, sub.discount_percent)
    old_annual = catalogue.annual_price(sub.plan, sub.seats)
    new_annual = price * seats
    if seats < sub.seats or new_annual <= old_annual:
        raise BillingError(
            _(
                "An upgrade adds seats or moves to a dearer plan; fewer seats or a cheaper plan take effect "
                "at the renewal."
            ),
            "seats",
        )
    period_days = (sub.period_end - sub.period_start).days + 1
    days = (sub.period_end - day).days + 1
    subtotal = money.round_to_hundreds(Fraction((new_annual - old_annual) * days, period_days))
    return Quote(
        plan=plan,
        seats=seats,
        unit_price=price,
        kind=Invoice.Kind.UPGRADE,
        period_start=day,
        period_end=sub.period_end,
        days=days,
        period_days=period_days,
        prorated=True,
        amounts=money.amounts(subtotal, sub.discount_percent),
        credit=old_annual,
    )


def next_invoice_number(year: int) -> str:
    """The next number of ``year``; call inside the transaction that saves the invoice."""
    counter, _created = InvoiceNumber.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"IKD/{year}/{counter.last:05d}"


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def describe(q: Quote) -> str:
    """The invoice line, in Indonesian whoever asks: it is stored and printed on the invoice."""
    values = {
        "plan": q.plan.name,
        "seats": _thousands(q.seats),
        "days": q.days,
        "total": q.period_days,
        "price": _thousands(q.unit_price),
        "start": q.period_start.strftime("%d-%m-%Y"),
        "end": q.period_end.strftime("%d-%m-%Y"),
    }
    with translation.override("id"):
        if q.prorated:
            return (
                _("%(plan)s, %(seats)s seats, prorated %(days)d of %(total)d days (%(start)s to %(end)s)")
                % values
            )
        return (
            _("%(plan)s, %(seats)s seats x Rp %(price)s per employee per year (%(start)s to %(end)s)")
            % values
        )


def _customer_data(region: Region, profile: BillingProfile) -> CustomerData:
    return CustomerData(
        region_code=region.code,
        legal_name=profile.legal_name,
        email=profile.contact_email,
        phone=profile.contact_phone,
        address=profile.address,
        npwp=profile.npwp,
    )


def _issue_on_provider(region: Region, profile: BillingProfile, invoice: Invoice) -> None:
    provider = get_provider()
    if provider is None:
        return
    try:
        customer_id = provider.ensure_customer(_customer_data(region, profile), profile.provider_customer_id)
        if customer_id != profile.provider_customer_id:
            profile.provider_customer_id = customer_id
            profile.save(update_fields=["provider_customer_id", "updated_at"])
        ref = ProviderRef.objects.select_for_update().filter(key=PPN_TAX_RATE_KEY).first()
        tax_rate_id = provider.ensure_tax_rate(ref.provider_id if ref else "")
        if ref is None:
            ProviderRef.objects.create(key=PPN_TAX_RATE_KEY, provider_id=tax_rate_id)
        issued = provider.issue_invoice(
            customer_id,
            [InvoiceLine(description=invoice.description, amount=invoice.net)],
            tax_rate_id=tax_rate_id,
            due_date=invoice.due_date,
            ikd_number=invoice.number,
            description=invoice.description,
        )
    except ProviderFailure as exc:
        raise ProviderError(
            _("The payment service could not issue the invoice; nothing was saved. Try again later.")
        ) from exc
    if issued.total != invoice.total:
        # Our figures are the invoice; a provider that computes another total is a configuration error.
        raise ProviderError(
            _("The payment service computed another total (Rp %(theirs)s); the invoice was not issued.")
            % {"theirs": f"{issued.total:,}".replace(",", ".")}
        )
    invoice.provider_invoice_id = issued.id
    invoice.provider_hosted_url = issued.hosted_url


def _invoiceable(region: Region, kinds: list[str]) -> tuple[Region, BillingProfile]:
    """The locked region and its profile, when it may be invoiced now; else a BillingError."""
    region = Region.objects.select_for_update().get(pk=region.pk)
    if not region.is_approved:
        raise BillingError(_("The region can be invoiced once the platform operator has approved it."))
    profile = BillingProfile.objects.filter(region=region).first()
    if profile is None or not profile.is_complete:
        missing = "npwp" if profile is not None and not profile.npwp else "legal_name"
        raise BillingError(
            _("Complete the billing profile first (name on the invoice, email, NPWP and address)."), missing
        )
    pending = Invoice.objects.filter(region=region, status=Invoice.Status.OPEN, kind__in=kinds).first()
    if pending is not None:
        raise BillingError(
            _(
                "Invoice %(number)s is still awaiting payment: pay it, or ask the operator to cancel it, "
                "first."
            )
            % {"number": pending.number}
        )
    return region, profile


def _issue(
    region: Region, profile: BillingProfile, q: Quote, *, day: date, actor: str, sub: Subscription | None
) -> Invoice:
    invoice = Invoice(
        region=region,
        subscription=sub,
        number=next_invoice_number(day.year),
        kind=q.kind,
        plan=q.plan,
        seats=q.seats,
        period_start=q.period_start,
        period_end=q.period_end,
        description=describe(q),
        subtotal=q.amounts.subtotal,
        discount=q.amounts.discount,
        net=q.amounts.net,
        tax_base=q.amounts.tax_base,
        ppn=q.amounts.ppn,
        total=q.amounts.total,
        status=Invoice.Status.OPEN,
        due_date=day + timedelta(days=settings.BILLING_DAYS_UNTIL_DUE),
    )
    _issue_on_provider(region, profile, invoice)
    invoice.save()
    audit_trail.record_platform(
        "billing.invoice_issued", actor=actor, subject=region, number=invoice.number, total=invoice.total
    )
    return invoice


@transaction.atomic
def request_upgrade(
    region: Region, plan_code: str, seats: int, *, actor: str, on: date | None = None
) -> Invoice:
    """Issue the invoice for a paid plan (trial) or more seats / a dearer plan (paid, prorated)."""
    day = _today(on)
    region, profile = _invoiceable(region, [Invoice.Kind.NEW, Invoice.Kind.UPGRADE])
    q = quote(region, plan_code, seats, on=day)
    sub = peek_current(region, on=day)
    return _issue(region, profile, q, day=day, actor=actor, sub=sub if q.prorated else None)


@transaction.atomic
def request_renewal(
    region: Region,
    *,
    actor: str,
    plan_code: str | None = None,
    seats: int | None = None,
    on: date | None = None,
) -> Invoice:
    """Issue the invoice for the next contract year (same plan and seats unless told otherwise). It takes
    effect when paid; until then the current year runs on, and an unpaid renewal is overdue like any
    invoice of a paying region."""
    day = _today(on)
    region, profile = _invoiceable(region, [Invoice.Kind.RENEWAL])
    sub = peek_current(region, on=day)
    if sub is None or sub.is_trial:
        raise BillingError(_("Only a paid contract is renewed; a trial region requests a paid plan."))
    plan = catalogue.get_plan(plan_code or sub.plan.code)
    if plan.is_trial:
        raise BillingError(_("Choose a paid plan."), "plan")
    count = seats if seats is not None else sub.seats
    price = catalogue.unit_price(plan, count)
    start = sub.period_end + timedelta(days=1)
    q = _full_year(plan, count, price, Invoice.Kind.RENEWAL, start, sub.discount_percent)
    return _issue(region, profile, q, day=day, actor=actor, sub=sub)


# --- Operator's grants ------------------------------------------------------------------------------


def _saved_current(region: Region) -> Subscription:
    sub = current(region)
    if sub.pk is None:
        sub.save()
    return Subscription.objects.select_for_update().get(pk=sub.pk)


@transaction.atomic
def grant_discount(region: Region, percent: int, *, actor: str, reason: str) -> Subscription:
    """A percentage off the invoices issued from now on (not those already issued)."""
    if not 0 <= percent <= 100:
        raise BillingError(_("A discount is between 0 and 100 percent."), "percent")
    if not reason.strip():
        raise BillingError(_("Give a reason for the discount."), "reason")
    sub = _saved_current(region)
    sub.discount_percent = percent
    sub.save(update_fields=["discount_percent", "updated_at"])
    audit_trail.record_platform(
        "billing.discount_granted", actor=actor, subject=region, percent=percent, reason=reason.strip()
    )
    return sub


@transaction.atomic
def grant_extension(region: Region, days: int, *, actor: str, reason: str) -> Subscription:
    """More days: the contract (or trial) ends later, and open invoices fall due later by as much."""
    if not 1 <= days <= 366:
        raise BillingError(_("An extension is between 1 and 366 days."), "days")
    if not reason.strip():
        raise BillingError(_("Give a reason for the extension."), "reason")
    sub = _saved_current(region)
    sub.period_end += timedelta(days=days)
    sub.save(update_fields=["period_end", "updated_at"])
    for invoice in Invoice.objects.select_for_update().filter(region=region, status=Invoice.Status.OPEN):
        invoice.due_date += timedelta(days=days)
        invoice.save(update_fields=["due_date"])
    audit_trail.record_platform(
        "billing.extension_granted", actor=actor, subject=region, days=days, reason=reason.strip()
    )
    return sub


@transaction.atomic
def seed_contract(
    region: Region, plan_code: str, seats: int, *, start: date, actor: str, status: str = "active"
) -> Subscription:
    """Record a contract agreed outside the app (an existing customer moved in, the demo's region),
    with no invoice: from ``start`` for a year. The region is active from then."""
    plan = catalogue.get_plan(plan_code)
    Subscription.objects.filter(region=region).exclude(status=Subscription.Status.ENDED).update(
        status=Subscription.Status.ENDED
    )
    sub = Subscription.objects.create(
        region=region, plan=plan, seats=seats, period_start=start, period_end=year_after(start), status=status
    )
    if region.status == Region.Status.TRIAL:
        from tenants.services import status as region_status

        region_status.change_status(region, Region.Status.ACTIVE, actor=actor)
    audit_trail.record_platform("billing.contract_recorded", actor=actor, subject=region, seats=seats)
    return sub
