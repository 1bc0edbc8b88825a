"""Money: rupiah <-> Stripe's hundredths exact, PPN within Rp 1 of 11 % for any price."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing import money

# Up to Rp 100 billion: far above any region's yearly contract (100.000 employees x Rp 90.000).
PRICES = st.integers(min_value=0, max_value=100_000_000_000)
# No example database in the working tree (.hypothesis/); many more examples than the default 100.
PROPERTY = settings(database=None, max_examples=2000, deadline=None)


@PROPERTY
@given(PRICES)
def test_rupiah_to_stripe_and_back_is_exact(rupiah: int) -> None:
    amount = money.to_provider_amount(rupiah)
    assert amount == rupiah * 100
    assert money.from_provider_amount(amount) == rupiah


@PROPERTY
@given(PRICES)
def test_ppn_is_within_one_rupiah_of_eleven_percent(price: int) -> None:
    ppn = money.ppn(price)
    assert isinstance(ppn, int)
    assert abs(Fraction(ppn) - Fraction(price * 11, 100)) <= 1
    # 12 % of a base of 11/12 of the price, each rounded to the rupiah.
    assert abs(Fraction(money.tax_base(price)) - Fraction(price * 11, 12)) <= Fraction(1, 2)


@PROPERTY
@given(PRICES, st.integers(min_value=0, max_value=100))
def test_invoice_amounts_add_up_in_whole_rupiah(hundreds: int, discount: int) -> None:
    subtotal = hundreds // 100 * 100  # catalogue prices are whole hundreds
    a = money.amounts(subtotal, discount)
    assert a.subtotal == subtotal
    assert a.net + a.discount == subtotal
    assert 0 <= a.net <= subtotal
    assert a.net % 100 == 0
    assert a.total == a.net + a.ppn
    # Stripe's tax on the net at 11 %, in hundredths, is then whole rupiah and equal to ours.
    assert (money.to_provider_amount(a.net) * 11) % (100 * 100) == 0
    assert money.to_provider_amount(a.net) * 11 // 100 == money.to_provider_amount(a.ppn)


def test_fractions_of_a_rupiah_from_the_provider_are_refused() -> None:
    with pytest.raises(ValueError, match="whole number of rupiah"):
        money.from_provider_amount(150)
    with pytest.raises(TypeError):
        money.to_provider_amount(1.5)  # type: ignore[arg-type]


def test_known_figures() -> None:
    # Rp 7.500.000: DPP 6.875.000, PPN 825.000 (11 %), total 8.325.000.
    assert money.tax_base(7_500_000) == 6_875_000
    assert money.ppn(7_500_000) == 825_000
    assert money.amounts(7_500_000, 10) == money.Amounts(
        subtotal=7_500_000, discount=750_000, net=6_750_000, tax_base=6_187_500, ppn=742_500, total=7_492_500
    )
