"""Regions (tenants), their host names, the pool of schemas prepared ahead of signups, and the record of
what platform operators decided about regions.

A region signs up by itself, so a signup is only a *claim*: the region stays ``pending`` (it may prepare
units, staff and a trial round) until its admin has verified the email address and a platform operator
has approved it; only then does it publish to the national benchmark (see tenants.services.approval).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from tenants import wilayah


class Region(TenantMixin):
    """A regional government (provinsi, kabupaten or kota) with its own PostgreSQL schema."""

    class Kind(models.TextChoices):
        PROVINSI = wilayah.Kind.PROVINSI, _("Province")
        KABUPATEN = wilayah.Kind.KABUPATEN, _("Regency")
        KOTA = wilayah.Kind.KOTA, _("City")

    class TimeZone(models.TextChoices):
        WIB = wilayah.TimeZone.WIB, _("WIB (UTC+7)")
        WITA = wilayah.TimeZone.WITA, _("WITA (UTC+8)")
        WIT = wilayah.TimeZone.WIT, _("WIT (UTC+9)")

    class Status(models.TextChoices):
        TRIAL = "trial", _("Trial")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    class Approval(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")

    code = models.CharField(_("Kemendagri code"), max_length=5, unique=True)
    name = models.CharField(_("official name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    province_code = models.CharField(_("province code"), max_length=2, db_index=True)
    province_name = models.CharField(_("province"), max_length=80)
    slug = models.SlugField(_("address"), max_length=40, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=4, choices=TimeZone.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.TRIAL)
    status_reason = models.CharField(_("reason for the status"), max_length=300, blank=True)
    require_admin_mfa = models.BooleanField(_("require two-factor authentication for admins"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The claim: who signed up (the first admin; the platform's contact, kept here so the operator can
    # judge the claim and write to them), whether their address is verified, and the operator's decision.
    # A rejected claim is deleted with its schema, which frees the code; AuditEvent keeps the record.
    approval = models.CharField(
        _("approval"), max_length=10, choices=Approval.choices, default=Approval.PENDING, db_index=True
    )
    signup_name = models.CharField(_("signed up by"), max_length=150, blank=True)
    signup_email = models.EmailField(_("email of the person who signed up"), blank=True)
    signup_position = models.CharField(_("position and office"), max_length=200, blank=True)
    signup_email_verified_at = models.DateTimeField(_("email verified"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.CharField(_("approved by"), max_length=254, blank=True)
    # Whether the region lets anonymous response matrices of its closed rounds into the national
    # calibration (tenants.services.calibration_consent); off until its admin switches it on.
    contributes_to_calibration = models.BooleanField(
        _("contributes to the national calibration"), default=False
    )
    calibration_consent_changed_at = models.DateTimeField(
        _("calibration consent changed"), null=True, blank=True
    )
    calibration_consent_changed_by = models.CharField(
        _("calibration consent changed by"), max_length=254, blank=True
    )

    # Provisioning is ours (tenants.services.provisioning): atomic, from the pool or a template clone.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(wilayah.IANA_ZONES[self.time_zone])

    @property
    def is_read_only(self) -> bool:
        return self.status in {self.Status.SUSPENDED, self.Status.CLOSED}

    # Read by every page of a region (the pending banner): fields only, no query.
    @property
    def is_approved(self) -> bool:
        return self.approval == self.Approval.APPROVED

    @property
    def awaits_email_verification(self) -> bool:
        return not self.is_approved and self.signup_email_verified_at is None


class Domain(DomainMixin):
    """A host name that routes to a region, e.g. ``kukar.ikd.go.id``."""

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class SpareSchema(models.Model):
    """An empty, fully migrated schema waiting to become a region's (claimed by renaming it)."""

    schema_name = models.CharField(max_length=63, unique=True)
    migration_state = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.schema_name


class RegionStatusChange(models.Model):
    """Who suspended or reactivated a region, when and why."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(max_length=10, choices=Region.Status.choices)
    new_status = models.CharField(max_length=10, choices=Region.Status.choices)
    reason = models.CharField(max_length=300, blank=True)
    actor = models.CharField(max_length=254, help_text="Email of the platform operator who made the change.")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.region}: {self.old_status} -> {self.new_status}"


class AuditEvent(models.Model):
    """What a platform operator decided about a region, kept after the region itself is gone.

    Approvals and rejections (status changes keep their own RegionStatusChange rows). A rejected region is
    deleted, so the event names it by code and name, not only by key; ``details`` holds what the operator
    saw (who signed up, with which address) so that the decision can be reviewed later.
    """

    class Action(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.CharField(
        max_length=254, help_text="Email of the platform operator (or the seeding command)."
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    region_code = models.CharField(max_length=5, db_index=True)
    region_name = models.CharField(max_length=120)
    reason = models.CharField(max_length=500, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.action} by {self.actor}"
