"""Forms of the billing pages: they check what people type and hand plain values to billing.services.

The NPWP is checked and reduced to digits here (billing.npwp), so the services get the stored form; every
other rule (prices, proration, which plan a region may move to) is the services'.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing import npwp

_DATE = {"type": "date"}


class BillingProfileForm(forms.Form):
    """Who receives and pays the invoices: the region's billing contact, tax number and address."""

    field_order = [
        "legal_name",
        "npwp",
        "address",
        "contact_name",
        "contact_email",
        "contact_phone",
        "ekatalog_number",
    ]

    contact_name = forms.CharField(label=_("Billing contact"), max_length=150)
    contact_email = forms.EmailField(label=_("Billing email"), max_length=254)
    contact_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    legal_name = forms.CharField(
        label=_("Name on the invoice"),
        max_length=200,
        help_text=_("As registered for tax, e.g. Pemerintah Kabupaten Kutai Kartanegara."),
    )
    npwp = forms.CharField(
        label=_("NPWP"),
        max_length=30,
        help_text=_("15 or 16 digits; dots and dashes may be typed."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Billing address"), widget=forms.Textarea(attrs={"rows": 3}))
    ekatalog_number = forms.CharField(
        label=_("e-Katalog order or contract number"),
        max_length=100,
        required=False,
        help_text=_("The INAPROC order or the contract (SPK/surat pesanan) number, printed on the invoices."),
    )

    def clean_npwp(self) -> str:
        try:
            return npwp.normalise(self.cleaned_data["npwp"])
        except npwp.NpwpError as exc:
            raise forms.ValidationError(str(exc), code="npwp") from exc


class UpgradeForm(forms.Form):
    """The plan a region asks for, for how many employees, and how it will pay."""

    INVOICE = "invoice"
    CARD = "card"

    plan = forms.ChoiceField(label=pgettext_lazy("billing", "Plan"), widget=forms.RadioSelect)
    employees = forms.IntegerField(
        label=_("Employees taking part in the contract year"),
        min_value=1,
        max_value=1_000_000,
        help_text=_("The seats to buy: each employee who takes part in a round of the contract year."),
    )
    method = forms.ChoiceField(
        label=_("Payment"),
        widget=forms.RadioSelect,
        initial=INVOICE,
        choices=[
            (INVOICE, _("Invoice, paid by bank transfer from the regional treasury (SP2D)")),
            (CARD, _("Card, paid now online")),
        ],
    )

    def __init__(self, *args: Any, plans: list[tuple[str, str]], card: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = plans  # type: ignore[attr-defined]
        if len(plans) == 1:
            self.fields["plan"].initial = plans[0][0]
        if not card:  # no payment provider: the treasury's transfer is the only way
            self.fields["method"].choices = self.fields["method"].choices[:1]  # type: ignore[attr-defined]


class OutOfBandPaymentForm(forms.Form):
    """A payment the operator saw arrive outside Stripe: the treasury's transfer (SP2D)."""

    reference = forms.CharField(
        label=_("SP2D number or transfer reference"),
        max_length=100,
        help_text=_("As written on the treasury's payment order or the bank statement."),
    )
    paid_on = forms.DateField(label=_("Date received"), widget=forms.DateInput(attrs=_DATE))
    amount_received = forms.IntegerField(
        label=_("Amount received (Rp)"),
        min_value=0,
        required=False,
        help_text=_("Leave empty when the full total arrived; a treasury may pay net of withheld tax."),
    )


class DiscountForm(forms.Form):
    percent = forms.IntegerField(
        label=_("Discount (%)"),
        min_value=0,
        max_value=100,
        help_text=_("Taken off the invoices issued from now on; 0 ends a discount."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ExtensionForm(forms.Form):
    days = forms.IntegerField(
        label=_("Extra days"),
        min_value=1,
        max_value=366,
        help_text=_("Added to the contract period (or the trial) and to the invoice's due date."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)


_TIER_SPLIT = re.compile(r"\s*[:;=\t]\s*")
_MONEY_NOISE = re.compile(r"(?i)rp|[\s.]")


def tiers_text(tiers: list[tuple[int, int]]) -> str:
    """Tiers as the plan form shows them: one ``from employees: price`` line each."""
    return "\n".join(f"{low}: {price}" for low, price in tiers)


class PlanForm(forms.Form):
    """A paid plan of the catalogue as the operator edits it; the tiers are typed one per line."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Short, lowercase, without spaces (e.g. standar); it cannot be changed later."),
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    tiers = forms.CharField(
        label=_("Price tiers"),
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=_(
            "One line per tier: the number of employees the tier starts at, a colon, and the price per "
            "employee per year in rupiah, e.g. 1000: 50000. The first tier starts at 1."
        ),
    )
    is_public = forms.BooleanField(label=_("Shown on the pricing page"), required=False, initial=True)
    is_active = forms.BooleanField(label=_("Offered to regions"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True

    def clean_tiers(self) -> list[tuple[int, int]]:
        tiers: list[tuple[int, int]] = []
        for row, line in enumerate(self.cleaned_data["tiers"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = _TIER_SPLIT.split(line.strip())
            numbers = [_MONEY_NOISE.sub("", part) for part in parts]
            if len(numbers) != 2 or not all(number.isdigit() for number in numbers):
                raise forms.ValidationError(
                    _("Line %(row)s: write the number of employees, a colon and the price, e.g. 1000: 50000.")
                    % {"row": row},
                    code="tiers",
                )
            tiers.append((int(numbers[0]), int(numbers[1])))
        if not tiers:
            raise forms.ValidationError(_("Give at least one price tier."), code="tiers")
        return tiers
