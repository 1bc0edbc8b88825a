"""Seats: whether a round's participants fit the region's contract. Billing knows seats, not tests.

A seat is an employee taking part in a round in the contract year. The caller (assessment's round
opening) counts the distinct employees of the contract period's rounds, the opening one included, and
the rounds; billing compares the counts with the plan and answers with a ``SeatDecision``. Only opening
a round is ever refused: registers, results and exports do not ask.

The check is two indexed reads of the public schema (the contract and its plan) whatever the number of
participants, since it receives a count, not a list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from billing.models import Subscription
from billing.services import subscriptions
from tenants.models import Region


@dataclass(frozen=True)
class SeatDecision:
    allowed: bool
    limit: int | None  # seats of the contract (the trial's participant limit)
    requested: int  # distinct employees in the period's rounds, the opening one included
    left: int | None  # seats left after this round (never negative)
    rounds_limit: int | None
    plan_name: str
    message: str  # empty when allowed
    upgrade_path: str  # the billing page where more seats are bought


def _upgrade_path() -> str:
    for name in ("billing_upgrade", "billing_region"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return ""


def contract_period(region: Region, on: date | None = None) -> tuple[date, date]:
    """First and last day of the contract year the region is in (the trial's year on a trial)."""
    sub = subscriptions.current(region, on=on)
    return sub.period_start, sub.period_end


def _decide(sub: Subscription, participants: int, rounds: int, path: str) -> SeatDecision:
    plan = sub.plan
    limit = plan.max_participants if plan.is_trial else sub.seats
    rounds_limit = plan.max_rounds if plan.is_trial else None
    problems: list[str] = []
    if limit is not None and participants > limit:
        problems.append(
            ngettext(
                "The round would bring this contract year to %(count)s employee taking part; %(plan)s "
                "allows %(limit)s.",
                "The round would bring this contract year to %(count)s employees taking part; %(plan)s "
                "allows %(limit)s.",
                participants,
            )
            % {"count": intcomma(participants), "plan": plan.name, "limit": intcomma(limit)}
        )
    if rounds_limit is not None and rounds > rounds_limit:
        problems.append(
            ngettext(
                "%(plan)s allows %(limit)d round in the contract year.",
                "%(plan)s allows %(limit)d rounds in the contract year.",
                rounds_limit,
            )
            % {"plan": plan.name, "limit": rounds_limit}
        )
    message = ""
    if problems:
        how = (
            _("Buy more seats or a paid plan on the billing page (%(path)s); nothing else is blocked.")
            % {"path": path}
            if path
            else _("Buy more seats or a paid plan on the billing page; nothing else is blocked.")
        )
        message = " ".join([*problems, how])
    return SeatDecision(
        allowed=not problems,
        limit=limit,
        requested=participants,
        left=None if limit is None else max(limit - participants, 0),
        rounds_limit=rounds_limit,
        plan_name=plan.name,
        message=message,
        upgrade_path=path,
    )


def check_seats(
    region: Region, participants: int, *, rounds: int = 1, on: date | None = None
) -> SeatDecision:
    """May a round open whose opening brings the contract year to ``participants`` seats and ``rounds``
    rounds? Never writes."""
    sub = subscriptions.current(region, on=on or timezone.localdate())
    return _decide(sub, participants, rounds, _upgrade_path())


def check_opening(region: Region, count_usage: Callable[[date, date], tuple[int, int]]) -> SeatDecision:
    """The check at a round's opening, in one read of the contract: ``count_usage(start, end)`` is the
    caller's count of (distinct employees, rounds) in the contract period with the opening round; the
    usage is recorded on the contract when the round may open."""
    sub = subscriptions.current(region)
    participants, rounds = count_usage(sub.period_start, sub.period_end)
    decision = _decide(sub, participants, rounds, _upgrade_path())
    if decision.allowed:
        with transaction.atomic():
            if sub.pk is None:
                sub.save()
            Subscription.objects.filter(pk=sub.pk).update(seats_used=participants, rounds_used=rounds)
    return decision


def record_usage(region: Region, participants: int, rounds: int, *, on: date | None = None) -> None:
    """Keep the seats and rounds used on the contract, for the billing pages (after a round opened)."""
    with transaction.atomic():
        sub = subscriptions.current(region, on=on)
        if sub.pk is None:
            sub.save()
        Subscription.objects.filter(pk=sub.pk).update(seats_used=participants, rounds_used=rounds)
