"""The region admin's switch for the national calibration, on the privacy settings page, audited.

The switch itself lives on the region (``tenants.services.calibration_consent``, which knows nothing
of other apps); this records the change in the region's audit trail with the privacy settings'
other changes (``privacy.settings_changed``), old and new value.
"""

from __future__ import annotations

from typing import Any

from audit import services as audit_trail
from tenants.models import Region
from tenants.services import calibration_consent

WHAT_LEAVES = calibration_consent.WHAT_LEAVES


def set_consent(region: Region, contributes: bool, actor: Any) -> bool:
    """Switch the region's consent; True when it changed (and was recorded)."""
    by = actor if isinstance(actor, str) else (actor.get_username() if actor is not None else "")
    before = region.contributes_to_calibration
    changed = calibration_consent.set_consent(region, contributes, by)
    if changed:
        audit_trail.record(
            "privacy.settings_changed",
            actor=actor,
            contributes_to_calibration={"old": before, "new": contributes},
        )
    return changed
