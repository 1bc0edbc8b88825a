"""Billing records, all in the public schema: the plan catalogue, each region's contract and invoices.

IKD is the record of amounts, taxes and statuses; the payment provider's ids are kept alongside
(``provider_*`` fields) so that Stripe, or a local gateway later, is a detail of ``billing.providers``.
Money is integer rupiah everywhere (``billing.money``).
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing import npwp


class Plan(models.Model):
    """An offer of the catalogue: the trial, or a paid plan priced per employee per year in tiers."""

    class Kind(models.TextChoices):
        TRIAL = "trial", _("Trial")
        PAID = "paid", _("Paid")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PAID)
    description = models.TextField(_("description"), blank=True)
    # Limits of the trial; a paid plan is limited by the seats bought, not here.
    max_participants = models.PositiveIntegerField(_("most employees in rounds"), null=True, blank=True)
    max_rounds = models.PositiveIntegerField(_("most rounds"), null=True, blank=True)
    is_public = models.BooleanField(_("shown on the pricing page"), default=True)
    is_active = models.BooleanField(_("offered"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    provider_product_id = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return self.name

    @property
    def is_trial(self) -> bool:
        return self.kind == self.Kind.TRIAL


class PlanTier(models.Model):
    """A volume tier: from ``min_seats`` on, every seat of the contract costs ``unit_price`` a year."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tiers")
    min_seats = models.PositiveIntegerField(_("from seats"))
    unit_price = models.PositiveBigIntegerField(_("price per employee per year (Rp)"))

    class Meta:
        ordering = ["plan", "min_seats"]
        constraints = [models.UniqueConstraint(fields=["plan", "min_seats"], name="billing_tier_unique")]

    def __str__(self) -> str:
        return f"{self.plan.code} >= {self.min_seats}: {self.unit_price}"


class BillingProfile(models.Model):
    """Who receives and pays a region's invoices."""

    region = models.OneToOneField("tenants.Region", on_delete=models.CASCADE, related_name="billing_profile")
    legal_name = models.CharField(_("name on the invoice"), max_length=200, blank=True)
    contact_name = models.CharField(_("billing contact"), max_length=150, blank=True)
    contact_email = models.EmailField(_("billing email"), blank=True)
    contact_phone = models.CharField(_("phone"), max_length=40, blank=True)
    npwp = models.CharField(_("NPWP"), max_length=16, blank=True)  # digits only (billing.npwp)
    address = models.TextField(_("billing address"), blank=True)
    ekatalog_number = models.CharField(_("e-Katalog order or contract number"), max_length=100, blank=True)
    provider_customer_id = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.legal_name or str(self.region_id)

    @property
    def npwp_display(self) -> str:
        return npwp.display(self.npwp)

    @property
    def is_complete(self) -> bool:
        return bool(self.contact_email and self.npwp and self.legal_name and self.address)


class Subscription(models.Model):
    """A region's contract for one period: the plan, the seats bought and how many are used."""

    class Status(models.TextChoices):
        TRIAL = "trial", _("Trial")
        ACTIVE = "active", _("Active")
        OVERDUE = "overdue", _("Overdue")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")

    region = models.ForeignKey("tenants.Region", on_delete=models.CASCADE, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    seats = models.PositiveIntegerField(_("seats"))
    period_start = models.DateField(_("contract start"))
    period_end = models.DateField(_("contract end"))  # inclusive
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.TRIAL)
    discount_percent = models.PositiveSmallIntegerField(_("discount (%)"), default=0)
    # Set when billing (not an operator) suspended the region, so that payment lifts only that.
    suspended_for_nonpayment = models.BooleanField(default=False)
    seats_used = models.PositiveIntegerField(_("seats used"), default=0)
    rounds_used = models.PositiveIntegerField(_("rounds"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region", "-period_start", "-pk"]
        indexes = [models.Index(fields=["region", "-period_start"], name="billing_sub_region_idx")]

    def __str__(self) -> str:
        return f"{self.region_id}: {self.plan.code} {self.period_start}..{self.period_end}"

    @property
    def is_trial(self) -> bool:
        return self.status == self.Status.TRIAL

    @property
    def seats_left(self) -> int:
        return max(self.seats - self.seats_used, 0)

    def covers(self, day: date) -> bool:
        return self.period_start <= day <= self.period_end


class Invoice(models.Model):
    """An invoice as IKD keeps it: amounts in rupiah, PPN, status; the provider's ids beside them."""

    class Kind(models.TextChoices):
        NEW = "new", _("New contract")
        UPGRADE = "upgrade", _("Upgrade (prorated)")
        RENEWAL = "renewal", _("Renewal")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Awaiting payment")
        PAID = "paid", _("Paid")
        VOID = "void", _("Cancelled")
        UNCOLLECTIBLE = "uncollectible", _("Uncollectible")

    class Method(models.TextChoices):
        NONE = "", _("Not paid")
        OUT_OF_BAND = "out_of_band", _("Treasury transfer (recorded by the operator)")
        CARD = "card", _("Card")
        PROVIDER = "provider", _("Paid through the payment provider")

    # CASCADE: only approved regions are invoiced, and only rejected claims (never approved) are deleted.
    region = models.ForeignKey("tenants.Region", on_delete=models.CASCADE, related_name="billing_invoices")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="invoices"
    )
    number = models.CharField(_("number"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.NEW)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="invoices")
    seats = models.PositiveIntegerField(_("seats"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    description = models.CharField(_("description"), max_length=300)
    subtotal = models.PositiveBigIntegerField(_("price"))
    discount = models.PositiveBigIntegerField(_("discount"), default=0)
    net = models.PositiveBigIntegerField(_("price after discount"))
    tax_base = models.PositiveBigIntegerField(_("tax base (DPP)"))
    ppn = models.PositiveBigIntegerField(_("PPN"))
    total = models.PositiveBigIntegerField(_("total"))
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.OPEN)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    due_date = models.DateField(_("due"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    payment_method = models.CharField(max_length=12, choices=Method.choices, blank=True, default="")
    payment_reference = models.CharField(_("payment reference (SP2D)"), max_length=100, blank=True)
    payment_date = models.DateField(_("payment date"), null=True, blank=True)
    amount_received = models.PositiveBigIntegerField(_("amount received"), null=True, blank=True)
    provider_invoice_id = models.CharField(max_length=100, blank=True, db_index=True)
    provider_hosted_url = models.URLField(max_length=500, blank=True)
    # ``created`` (epoch seconds) of the provider event whose state we hold: older events are ignored.
    provider_state_at = models.BigIntegerField(default=0)
    checkout_session_id = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["status", "due_date"], name="billing_invoice_due_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_date < timezone.localdate()

    @property
    def prorated(self) -> bool:
        return self.kind == self.Kind.UPGRADE


class InvoiceNumber(models.Model):
    """The last invoice number of each year (numbers run without gaps, as tax invoices must)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class InvoiceReminder(models.Model):
    """A reminder that was sent, so that each is sent once."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invoice", "kind"], name="billing_reminder_once")]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.kind}"


class WebhookEvent(models.Model):
    """A provider event as received: stored by its id before anything is done with it."""

    event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, blank=True)
    created = models.BigIntegerField()  # the provider's epoch seconds
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class ProviderRef(models.Model):
    """Objects made once on the provider and reused, by our key (e.g. the PPN tax rate)."""

    key = models.CharField(max_length=100, unique=True)
    provider_id = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.key
