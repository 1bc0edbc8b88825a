"""The plan catalogue: data the operator edits, read by the pricing page, quotes and the seat check.

Volume tiers, not graduated ones: the tier a contract's seat count falls in prices every seat, which is
how a per-employee price list for government buyers reads ("Rp 50.000 per pegawai per tahun for 1.000 to
4.999 pegawai"). Prices are whole hundreds of rupiah, so that PPN at 11 % is whole rupiah and the
provider's computed tax equals ours (billing.money).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from audit import services as audit_trail
from billing.models import Plan, PlanTier
from billing.services.errors import BillingError, PlanNotFound


@dataclass(frozen=True)
class TierOffer:
    min_seats: int
    max_seats: int | None  # None: no upper bound
    unit_price: int


@dataclass(frozen=True)
class PlanOffer:
    code: str
    name: str
    kind: str
    description: str
    max_participants: int | None
    max_rounds: int | None
    tiers: tuple[TierOffer, ...]

    @property
    def is_trial(self) -> bool:
        return self.kind == Plan.Kind.TRIAL


def _tiers_of(plan: Plan) -> tuple[TierOffer, ...]:
    tiers = sorted(plan.tiers.all(), key=lambda t: t.min_seats)
    return tuple(
        TierOffer(
            min_seats=t.min_seats,
            max_seats=tiers[i + 1].min_seats - 1 if i + 1 < len(tiers) else None,
            unit_price=t.unit_price,
        )
        for i, t in enumerate(tiers)
    )


def public_plans() -> list[PlanOffer]:
    """The offers of the pricing page, in their order."""
    plans = Plan.objects.filter(is_public=True, is_active=True).prefetch_related("tiers")
    return [
        PlanOffer(
            code=p.code,
            name=p.name,
            kind=p.kind,
            description=p.description,
            max_participants=p.max_participants,
            max_rounds=p.max_rounds,
            tiers=_tiers_of(p),
        )
        for p in plans
    ]


def paid_plans() -> list[Plan]:
    return list(Plan.objects.filter(kind=Plan.Kind.PAID, is_active=True).prefetch_related("tiers"))


def trial_plan() -> Plan:
    plan = Plan.objects.filter(kind=Plan.Kind.TRIAL, is_active=True).first()
    if plan is None:
        raise PlanNotFound(_("The catalogue has no trial plan."))
    return plan


def get_plan(code: str) -> Plan:
    try:
        return Plan.objects.prefetch_related("tiers").get(code=code, is_active=True)
    except Plan.DoesNotExist:
        raise PlanNotFound(_("There is no plan %(code)s.") % {"code": code}, "plan") from None


def unit_price(plan: Plan, seats: int) -> int:
    """The yearly price of one seat for a contract of ``seats`` seats (volume tiers)."""
    if seats < 1:
        raise BillingError(_("Buy at least one seat."), "seats")
    applicable = [t for t in plan.tiers.all() if t.min_seats <= seats]
    if not applicable:
        raise BillingError(
            _("Plan %(plan)s has no price for %(seats)d seats.") % {"plan": plan.name, "seats": seats},
            "seats",
        )
    return max(applicable, key=lambda t: t.min_seats).unit_price


def annual_price(plan: Plan, seats: int) -> int:
    return unit_price(plan, seats) * seats


@transaction.atomic
def save_plan(
    code: str,
    *,
    name: str,
    description: str = "",
    tiers: list[tuple[int, int]],
    is_public: bool = True,
    is_active: bool = True,
    actor: str,
) -> Plan:
    """Create or change a paid plan and replace its tiers (contracts already invoiced keep their prices)."""
    if not name.strip():
        raise BillingError(_("Give the plan a name."), "name")
    if not tiers:
        raise BillingError(_("Give at least one price tier."), "tiers")
    seen: set[int] = set()
    for row, (low, price) in enumerate(sorted(tiers), start=1):
        if low < 1 or low in seen:
            raise BillingError(
                _("Tier %(row)d: the first seat count must be 1 or more and differ from the others.")
                % {"row": row},
                "tiers",
            )
        if price < 100 or price % 100:
            raise BillingError(
                _("Tier %(row)d: the price must be whole hundreds of rupiah (e.g. 50000).") % {"row": row},
                "tiers",
            )
        seen.add(low)
    if min(seen) != 1:
        raise BillingError(_("The first tier must start at 1 seat."), "tiers")
    plan, _created = Plan.objects.update_or_create(
        code=code,
        defaults={
            "name": name.strip(),
            "description": description.strip(),
            "kind": Plan.Kind.PAID,
            "is_public": is_public,
            "is_active": is_active,
        },
    )
    plan.tiers.all().delete()
    PlanTier.objects.bulk_create(PlanTier(plan=plan, min_seats=low, unit_price=price) for low, price in tiers)
    audit_trail.record_platform("billing.plan_saved", actor=actor, subject=plan, tiers=sorted(tiers))
    return plan
