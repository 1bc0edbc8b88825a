"""Seat limit at round opening: assessment counts, billing decides; over the limit a clear message with
the way to upgrade, and only the opening is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.instrument.models import ItemBank
from assessment.rounds.models import Round
from assessment.rounds.services import lifecycle
from billing.models import Plan, Subscription
from billing.services import seats, subscriptions
from tests.assessment.rounds.conftest import open_round, staffed  # noqa: F401 - the fixture
from tests.billing.contracts import as_trial
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Service messages are checked in English here (the pages' Indonesian is checked elsewhere)."""
    with translation.override("en"):
        yield


def _scheduled_round(region: Any, admin: Any, name: str) -> Round:
    """A round ready to open: one session today, every employee invited."""
    round_ = lifecycle.create_round(
        lifecycle.RoundSettings(
            name=name,
            bank=ItemBank.objects.filter(code="ikd-nasional").order_by("-version").first(),
            form_length=60,
            time_limit_minutes=60,
            allow_back=True,
            result_timing="after_publication",
        ),
        admin,
    )
    today = timezone.localtime(timezone.now(), region.tzinfo).date()
    lifecycle.add_session(round_, today, time(0, 0), time(23, 59, 59), region.tzinfo, admin)
    lifecycle.set_participants(round_, mode="all", actor=admin)
    return lifecycle.transition(round_, "scheduled", admin)


def test_trial_over_its_limits_cannot_open_a_round_and_nothing_else_is_blocked(staffed: Any) -> None:  # noqa: F811
    region = as_trial(staffed)
    Plan.objects.filter(code="uji-coba").update(max_participants=2)  # the catalogue is data
    with schema_context(region.schema_name):
        admin = make_user(region, Role.REGION_ADMIN)
        round_ = _scheduled_round(region, admin, "Ronde uji coba")
        with pytest.raises(lifecycle.RoundError) as refused:
            lifecycle.transition(round_, "open", admin)
        message = str(refused.value)
        assert "3" in message
        assert "2" in message
        assert "/tagihan/" in message
        round_.refresh_from_db()
        assert round_.state == Round.State.SCHEDULED  # still there, editable, nothing lost
        lifecycle.transition(round_, "draft", admin)  # other steps are not asked about seats
        lifecycle.transition(round_, "scheduled", admin)

    Plan.objects.filter(code="uji-coba").update(max_participants=100)
    with schema_context(region.schema_name):
        opened = lifecycle.transition(round_, "open", admin)
        assert opened.state == Round.State.OPEN
        second = _scheduled_round(region, admin, "Ronde kedua")
        with pytest.raises(lifecycle.RoundError, match="1 round"):
            lifecycle.transition(second, "open", admin)
    used = Subscription.objects.get(region=region)  # recorded at the opening
    assert (used.seats_used, used.rounds_used) == (3, 1)


def test_paid_contract_counts_distinct_employees_of_the_contract_year(staffed: Any) -> None:  # noqa: F811
    region = as_trial(staffed)
    subscriptions.seed_contract(
        region, "standar", 3, start=timezone.localdate() - timedelta(days=10), actor="ops@ikd.go.id"
    )
    with schema_context(region.schema_name):
        admin = make_user(region, Role.REGION_ADMIN)
        open_round(region, admin)
        # The same three employees again: still three seats, and any number of rounds on a paid plan.
        second = _scheduled_round(region, admin, "Ronde susulan")
        assert lifecycle.transition(second, "open", admin).state == Round.State.OPEN
    sub = subscriptions.current(region)
    assert (sub.seats_used, sub.rounds_used, sub.seats_left) == (3, 2, 0)
    Subscription.objects.filter(pk=sub.pk).update(seats=2)
    with schema_context(region.schema_name):
        third = _scheduled_round(region, admin, "Ronde ketiga")
        with pytest.raises(lifecycle.RoundError, match="allows 2"):
            lifecycle.transition(third, "open", admin)


def test_check_seats_answers_without_writing(region_a: Any) -> None:
    region = as_trial(region_a)
    ok = seats.check_seats(region, 100, rounds=1)
    assert ok.allowed
    assert (ok.limit, ok.left, ok.rounds_limit, ok.message) == (100, 0, 1, "")
    over = seats.check_seats(region, 101, rounds=1)
    assert not over.allowed
    assert over.left == 0
    assert over.upgrade_path in over.message
    assert not Subscription.objects.filter(region=region).exists()
    with translation.override("id"):
        shown = seats.check_seats(region, 12_500).message
    assert "12.500" in shown
    assert "halaman tagihan" in shown
    start, end = seats.contract_period(region)
    assert start <= timezone.localdate() <= end


def test_the_demo_region_is_a_paying_customer(region_a: Any) -> None:
    from billing import demo

    region = as_trial(region_a)
    demo.seed(region)
    demo.seed(region)  # a second run changes nothing
    sub = subscriptions.current(region)
    assert (sub.plan.code, sub.seats, sub.status) == ("standar", demo.SEATS, Subscription.Status.ACTIVE)
    assert Subscription.objects.filter(region=region).count() == 1
    assert seats.check_seats(region, 12_500, rounds=2).allowed
    assert not seats.check_seats(region, 12_501).allowed
    assert subscriptions.get_profile(region).is_complete
