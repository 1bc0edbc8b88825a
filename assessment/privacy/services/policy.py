"""The region's privacy settings, and the facts the privacy notice states from them.

Design: one settings row per region schema (pk 1). Until an admin saves, ``current()`` returns the
defaults without writing: the notice is read by thousands of takers on test day, and a suspended
(read-only) region must still show it. The notice's facts are gathered here, not in the template, so that
the start page, the standalone notice and the employee's own-data file say the same thing.

Defaults and why (docs/privacy/README.md, "Retention"): answers to single questions 24 months after the
round ends (long enough to re-score after the next year's recalibration of the national items and to
answer an objection to a result; nothing else needs them), personal results 5 years (a medium-term
competence-development cycle: the trend over several annual rounds is what the learning plan builds on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from assessment.privacy.models import PrivacySettings
from audit import services as audit_trail
from benchmark.disclosure import MIN_CELL

SETTINGS_PK = 1
# The national benchmark's small-group rule, as the notice states it: from the one place it lives.
MIN_GROUP = MIN_CELL


def current() -> PrivacySettings:
    """The region's settings, or the defaults (unsaved) when none were saved."""
    return PrivacySettings.objects.filter(pk=SETTINGS_PK).first() or PrivacySettings(pk=SETTINGS_PK)


@transaction.atomic
def save(
    *, responses_months: int, results_years: int, other_uses: str, contact: str, actor: Any = None
) -> PrivacySettings:
    """Store the settings; the change is audited (old and new periods: they decide what is deleted)."""
    before = current()
    settings, _created = PrivacySettings.objects.update_or_create(
        pk=SETTINGS_PK,
        defaults={
            "responses_months": responses_months,
            "results_years": results_years,
            "other_uses": other_uses.strip(),
            "contact": contact.strip(),
        },
    )
    changed: dict[str, Any] = {
        name: {"old": getattr(before, name), "new": getattr(settings, name)}
        for name in ("responses_months", "results_years", "other_uses", "contact")
        if getattr(before, name) != getattr(settings, name)
    }
    if changed:
        audit_trail.record("privacy.settings_changed", actor=actor, **changed)
    return settings


@dataclass(frozen=True)
class NoticeFacts:
    """What the privacy notice says that depends on the region."""

    region: str
    responses_months: int
    results_years: int
    other_uses: str
    contact: str
    min_group: int = MIN_GROUP


def notice_facts(region: Any) -> NoticeFacts:
    settings = current()
    return NoticeFacts(
        region=str(getattr(region, "name", "") or ""),
        responses_months=settings.responses_months,
        results_years=settings.results_years,
        other_uses=settings.other_uses,
        contact=settings.contact,
    )
