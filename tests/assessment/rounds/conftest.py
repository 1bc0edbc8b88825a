"""A loaded instrument, a few units and employees in region A, and helpers to make rounds."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.instrument.models import ItemBank
from assessment.people.services import staging, units
from assessment.rounds.models import Round
from assessment.rounds.services import lifecycle
from tests.assessment.people.test_import import ROW_1, ROW_2, ROW_3, csv
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Service messages are checked in English here (the pages' Indonesian is checked elsewhere)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def staffed(region_a: Any) -> Iterator[Any]:
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
        staging.import_file(csv(ROW_1, ROW_2, ROW_3), "p.csv")
        yield region_a


def settings_for(name: str = "Pengukuran IKD 2026", **overrides: Any) -> lifecycle.RoundSettings:
    values: dict[str, Any] = {
        "name": name,
        "bank": ItemBank.objects.filter(code="ikd-nasional").order_by("-version").first(),
        "form_length": 60,
        "time_limit_minutes": 60,
        "allow_back": True,
        "result_timing": "after_publication",
    }
    values.update(overrides)
    return lifecycle.RoundSettings(**values)


FORM_SEED = uuid.UUID(int=2026)


def open_round(region: Any, admin: Any = None, **overrides: Any) -> Round:
    """A round with a session around now, every employee invited, opened."""
    admin = admin or make_user(region, Role.REGION_ADMIN)
    round_ = lifecycle.create_round(settings_for(**overrides), admin)
    # A fixed form seed: the form (checked to hold items of all four types) is the same in every run,
    # so a test never meets the rare random form without, say, a multiple-response item.
    Round.objects.filter(pk=round_.pk).update(form_seed=FORM_SEED)
    round_.refresh_from_db()
    now = timezone.localtime(timezone.now(), region.tzinfo)
    start = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    lifecycle.add_session(
        # Until the last second of the day: a test run at 23:59 would otherwise find no session.
        round_,
        now.date(),
        start if start < now.time() else time(0, 0),
        time(23, 59, 59),
        region.tzinfo,
        admin,
    )
    if now.time() > time(23, 58):  # a run just before midnight needs tomorrow's session too
        lifecycle.add_session(
            round_, now.date() + timedelta(days=1), time(0, 0), time(23, 59), region.tzinfo, admin
        )
    lifecycle.set_participants(round_, mode="all", actor=admin)
    lifecycle.transition(round_, "scheduled", admin)
    return lifecycle.transition(round_, "open", admin)


__all__ = ["date", "open_round", "settings_for"]
