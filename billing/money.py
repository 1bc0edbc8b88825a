"""Money: integer rupiah, Stripe's hundredths, PPN on 11/12 of the price.

Design:

- Every amount IKD keeps or computes is an ``int`` of whole rupiah. Indonesian gateways refuse fractions
  of a rupiah, and a float would make them; Decimal would let them through silently.
- Stripe counts IDR in hundredths (``amount=100`` is Rp 1), so crossing to the provider multiplies by 100
  and coming back divides exactly: an amount from the provider that is not whole rupiah is an error,
  not something to round away.
- PPN (PMK 131/2024): 12 % on a tax base (DPP, "nilai lain") of 11/12 of the price, i.e. 11 % in effect.
  Both steps round half up to a whole rupiah, so PPN is always within Rp 1 of 11 % of the price.
- Stripe computes tax from a TaxRate itself; it is given an 11 % exclusive rate and prices that are
  whole hundreds of rupiah (``round_to_hundreds``: prorated and discounted prices are rounded so), on
  which 11 % is whole rupiah, so Stripe's PPN equals ours to the rupiah.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

HUNDREDTHS_PER_RUPIAH = 100
PPN_RATE_PERCENT = 12
TAX_BASE_FRACTION = Fraction(11, 12)
EFFECTIVE_PPN_PERCENT = 11  # 12 % x 11/12: the rate given to the provider


def _round_half_up(value: Fraction) -> int:
    if value < 0:
        raise ValueError("negative amount")
    return int(value + Fraction(1, 2))


def to_provider_amount(rupiah: int) -> int:
    """Rupiah to Stripe's IDR amount (hundredths)."""
    if not isinstance(rupiah, int) or isinstance(rupiah, bool):
        raise TypeError("rupiah must be an int")
    return rupiah * HUNDREDTHS_PER_RUPIAH


def from_provider_amount(amount: int) -> int:
    """Stripe's IDR amount back to rupiah; a fraction of a rupiah is refused, never rounded."""
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise TypeError("amount must be an int")
    rupiah, rest = divmod(amount, HUNDREDTHS_PER_RUPIAH)
    if rest:
        raise ValueError(f"{amount} is not a whole number of rupiah")
    return rupiah


def tax_base(net: int) -> int:
    """DPP: 11/12 of the price, rounded half up to the rupiah."""
    return _round_half_up(Fraction(net) * TAX_BASE_FRACTION)


def ppn(net: int) -> int:
    """PPN of a price: 12 % of its tax base, rounded half up."""
    return _round_half_up(Fraction(tax_base(net) * PPN_RATE_PERCENT, 100))


def round_to_hundreds(value: Fraction | int) -> int:
    """A computed price (prorated, discounted) as whole hundreds of rupiah, half up."""
    return _round_half_up(Fraction(value) / 100) * 100


@dataclass(frozen=True)
class Amounts:
    subtotal: int  # list price
    discount: int
    net: int  # what PPN is charged on
    tax_base: int
    ppn: int
    total: int


def amounts(subtotal: int, discount_percent: int = 0) -> Amounts:
    """An invoice's figures from its list price and a percentage discount (0-100)."""
    if not 0 <= discount_percent <= 100:
        raise ValueError("discount_percent must be between 0 and 100")
    net = (
        round_to_hundreds(Fraction(subtotal * (100 - discount_percent), 100))
        if discount_percent
        else subtotal
    )
    net = min(net, subtotal)
    return Amounts(
        subtotal=subtotal,
        discount=subtotal - net,
        net=net,
        tax_base=tax_base(net),
        ppn=ppn(net),
        total=net + ppn(net),
    )
