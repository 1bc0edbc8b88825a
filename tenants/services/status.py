"""Suspending and reactivating a region: recorded, reversible, never deleting anything."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from audit import services as audit_trail
from tenants.models import Region, RegionStatusChange

# Which status an operator may move a region to from each status.
TRANSITIONS: dict[str, set[str]] = {
    Region.Status.TRIAL: {Region.Status.ACTIVE, Region.Status.SUSPENDED, Region.Status.CLOSED},
    Region.Status.ACTIVE: {Region.Status.SUSPENDED, Region.Status.CLOSED},
    Region.Status.SUSPENDED: {Region.Status.ACTIVE, Region.Status.TRIAL, Region.Status.CLOSED},
    Region.Status.CLOSED: {Region.Status.ACTIVE},
}


class StatusChangeError(ValueError):
    pass


@transaction.atomic
def change_status(region: Region, new_status: str, *, actor: str, reason: str = "") -> RegionStatusChange:
    region = Region.objects.select_for_update().get(pk=region.pk)
    if new_status not in TRANSITIONS.get(region.status, set()):
        raise StatusChangeError(
            _("A region that is %(old)s cannot become %(new)s.")
            % {"old": region.get_status_display(), "new": Region.Status(new_status).label}
        )
    if new_status in {Region.Status.SUSPENDED, Region.Status.CLOSED} and not reason.strip():
        raise StatusChangeError(_("Give a reason: the region's users will see it."))
    change = RegionStatusChange.objects.create(
        region=region, old_status=region.status, new_status=new_status, reason=reason.strip(), actor=actor
    )
    region.status = new_status
    region.status_reason = (
        reason.strip() if new_status in {Region.Status.SUSPENDED, Region.Status.CLOSED} else ""
    )
    region.save(update_fields=["status", "status_reason"])
    audit_trail.record_platform(
        "region.status_changed",
        actor=actor,
        subject=region,
        old=change.old_status,
        new=new_status,
        reason=reason,
    )
    return change


def suspend(region: Region, *, actor: str, reason: str) -> RegionStatusChange:
    return change_status(region, Region.Status.SUSPENDED, actor=actor, reason=reason)


def reactivate(region: Region, *, actor: str) -> RegionStatusChange:
    return change_status(region, Region.Status.ACTIVE, actor=actor)
