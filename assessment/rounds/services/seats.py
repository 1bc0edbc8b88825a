"""Asking billing whether a round's participants fit the region's contract, when the round opens.

Billing knows seats, not tests (``billing.services.seats``): this side counts. A seat is an employee
taking part in a round in the contract year, so the count is the distinct employees of the rounds of
the contract period that have opened (a session starting in the period), the opening round included,
and the number of such rounds. One COUNT(DISTINCT) on the participants' (round, employee) index.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from assessment.rounds.models import Participant, Round
from billing.services import seats as billing_seats
from tenants.models import Region
from tenants.schemas import current_schema

OPENED = [Round.State.OPEN, Round.State.CLOSED, Round.State.PUBLISHED]


def usage_with(round_: Round, region: Region, start: date, end: date) -> tuple[int, int]:
    """(distinct employees, rounds) of the contract period ``start``..``end`` once ``round_`` opens."""
    tz = region.tzinfo
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    round_ids = set(
        Round.objects.filter(state__in=OPENED, sessions__starts_at__gte=since, sessions__starts_at__lt=until)
        .order_by()
        .values_list("pk", flat=True)
        .distinct()
    )
    round_ids.add(round_.pk)
    employees = Participant.objects.filter(round_id__in=round_ids).values("employee_id").distinct().count()
    return employees, len(round_ids)


def check_opening(round_: Round) -> billing_seats.SeatDecision:
    """Billing's answer for opening ``round_`` in the current region (recorded when allowed)."""
    region = Region.objects.get(schema_name=current_schema())
    return billing_seats.check_opening(region, lambda start, end: usage_with(round_, region, start, end))
