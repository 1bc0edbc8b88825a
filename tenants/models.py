"""Regions (tenants), their host names, and the pool of schemas prepared ahead of signups."""

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
