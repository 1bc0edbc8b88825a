"""Every kind of round event reads as a sentence (#15, point 9); no database needed."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from assessment.rounds.models import RoundEvent
from assessment.rounds.services.audit import describe

WITA = ZoneInfo("Asia/Makassar")


@pytest.mark.parametrize(
    ("action", "details", "expected"),
    [
        (
            "settings_changed",
            {"name": "X", "time_limit_minutes": "90"},
            "Rina, S.Pd. changed the settings: name, time limit (minutes).",
        ),
        (
            "code_revoked",
            {"nip": "198503122010012003", "employee": 7, "version": 2},
            "Rina, S.Pd. made a new access code for Budi Santoso, S.Kom.; the printed one no longer works.",
        ),
        (
            "time_extended",
            {"employee": 7, "minutes": 1, "reason": "listrik padam"},
            "Rina, S.Pd. gave Budi Santoso, S.Kom. 1 more minute. Reason: listrik padam.",
        ),
        (
            "attempt_reopened",
            {"employee": 8, "minutes": 15, "reason": ""},
            "Rina, S.Pd. reopened the test of an employee for 15 minutes.",
        ),
        (
            "participants_set",
            {"mode": "all", "added": 12500, "removed": 1},
            "Rina, S.Pd. set the participants: 12,500 added, 1 removed.",
        ),
        (
            "state_changed",
            {"old": "open", "new": "closed"},
            "Rina, S.Pd. changed the round from open to closed.",
        ),
        ("benchmark_sent", {}, "Rina, S.Pd.: benchmark sent."),
    ],
)
def test_each_event_is_a_sentence(action: str, details: dict[str, object], expected: str) -> None:
    event = RoundEvent(action=action, details=details)
    with translation.override("en"):
        text = describe(event, "Rina, S.Pd.", {7: "Budi Santoso, S.Kom."}, WITA, "WITA")
    assert text == expected
    assert "198503122010012003" not in text  # never the NIP


def test_the_system_acts_when_nobody_did() -> None:
    with translation.override("en"):
        text = describe(RoundEvent(action="created", details={}), "", {}, WITA, "WITA")
    assert text == "The system created the round."
