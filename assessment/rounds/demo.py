"""Demo: an open round in the demo region, sessions all week, every employee invited."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from assessment.instrument.models import ItemBank
from assessment.rounds.models import Participant, Round
from assessment.rounds.services import codes, lifecycle, sessions

NAME = "Pengukuran Indeks Kompetensi Digital ASN 2026"


def _add_week(round_: Round, region: Any) -> None:
    today = timezone.localtime(timezone.now(), region.tzinfo).date()
    for offset in range(7):
        lifecycle.add_session(
            round_, today + timedelta(days=offset), time(0, 0), time(23, 59), region.tzinfo, None
        )


def seed(region: Any, stdout: Any = None) -> None:
    round_ = Round.objects.filter(name=NAME).first()
    if round_ is None:
        bank = ItemBank.objects.filter(code="ikd-nasional").order_by("-version").first()
        if bank is None:
            return
        round_ = lifecycle.create_round(
            lifecycle.RoundSettings(NAME, bank, 60, 60, True, "after_publication"), None
        )
        _add_week(round_, region)
        lifecycle.set_participants(round_, mode="all")
        lifecycle.transition(round_, Round.State.SCHEDULED, None)
        lifecycle.transition(round_, Round.State.OPEN, None)
    elif round_.state == Round.State.OPEN and sessions.current_session(round_) is None:
        _add_week(round_, region)  # a demo started again weeks later still has a session today
    participant = (
        Participant.objects.filter(round=round_).select_related("employee").order_by("employee__nip").first()
    )
    if stdout is not None and participant is not None:
        stdout.write(
            f"  Test taker:    (Kukar site)/tes/  NIP {participant.employee.nip}, "
            f"code {codes.code_for(participant)} ({participant.employee.full_name})"
        )
