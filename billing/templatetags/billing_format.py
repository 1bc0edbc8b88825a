"""``{% load billing_format %}``: money and tax numbers as the billing pages show them.

Rupiah are written the Indonesian way whatever the page language (``Rp 7.500.000``): the amounts are the
ones on the invoice, which is Indonesian. The NPWP is stored as digits and shown in its usual grouping
(``billing.npwp``).
"""

from __future__ import annotations

from django import template

from billing import npwp as npwp_format

register = template.Library()


def rupiah_text(value: int | None) -> str:
    """``Rp 7.500.000``; ``-Rp 500.000`` for a credit; ``–`` for no amount."""
    if value is None or value == "":
        return "–"
    amount = int(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp {abs(amount):,}".replace(",", ".")


@register.filter
def rupiah(value: int | None) -> str:
    return rupiah_text(value)


@register.filter
def npwp(value: str | None) -> str:
    return npwp_format.display(value or "") or "–"
