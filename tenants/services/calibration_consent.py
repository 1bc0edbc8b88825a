"""A region's consent to contribute to the national calibration of the items.

The platform operator calibrates the national items on responses of several regions (issue #17). A
region's responses are used only when its admin has switched this on (``Region.contributes_to_calibration``,
off by default), and then only as anonymous response matrices (``WHAT_LEAVES`` says exactly what, on
the privacy settings page). Withdrawing stops any future use: calibrations that are already accepted
keep the parameters they produced (they hold no response of the region, only item parameters).

This module keeps the switch and when and by whom it was last changed; the caller records the change
in its audit trail (``tenants`` knows nothing of other apps).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenants.models import Region

WHAT_LEAVES = _(
    "If switched on, the platform operator may use the answers of this region's closed rounds to "
    "calibrate the national items, and only as anonymous response matrices: per test taker the item "
    "scores, sex, age band, education level and the kind of region, in shuffled order. No NIP, name, "
    "birth date or work unit leaves the region. Switching it off stops any future use; item parameters "
    "already accepted stay."
)


@transaction.atomic
def set_consent(region: Region, contributes: bool, by: str) -> bool:
    """Switch the region's consent; True when it changed (then when and by whom are recorded)."""
    locked = Region.objects.select_for_update().get(pk=region.pk)
    if locked.contributes_to_calibration == contributes:
        return False
    locked.contributes_to_calibration = contributes
    locked.calibration_consent_changed_at = timezone.now()
    locked.calibration_consent_changed_by = by.strip()[:254]
    locked.save(
        update_fields=[
            "contributes_to_calibration",
            "calibration_consent_changed_at",
            "calibration_consent_changed_by",
        ]
    )
    region.contributes_to_calibration = locked.contributes_to_calibration
    region.calibration_consent_changed_at = locked.calibration_consent_changed_at
    region.calibration_consent_changed_by = locked.calibration_consent_changed_by
    return True
