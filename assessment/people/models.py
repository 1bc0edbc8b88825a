"""A region's work units and its employee register (in the region's own schema)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class WorkUnit(models.Model):
    """An OPD (organisasi perangkat daerah) or a sub-unit of one. Retired, never deleted, once used."""

    class Kind(models.TextChoices):
        BADAN = "badan", _("Agency (badan)")
        DINAS = "dinas", _("Office (dinas)")
        KECAMATAN = "kecamatan", _("District (kecamatan)")
        PUSKESMAS = "puskesmas", _("Community health centre (puskesmas)")
        RSUD = "rsud", _("Regional hospital (RSUD)")
        UPT = "upt", _("Technical unit (UPT)")
        SEKRETARIAT = "sekretariat", _("Secretariat")
        OTHER = "other", _("Other")

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # Case- and space-folded name: the import matches "Dinas  kesehatan " to "Dinas Kesehatan".
    name_key = models.CharField(max_length=200, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("coordinators"), blank=True, related_name="coordinated_units"
    )
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("work unit")
        verbose_name_plural = _("work units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class Employee(models.Model):
    class PositionType(models.TextChoices):
        STRUKTURAL = "struktural", _("Structural")
        FUNGSIONAL = "fungsional", _("Functional")
        PELAKSANA = "pelaksana", _("Executive (pelaksana)")

    class Status(models.TextChoices):
        PNS = "PNS", _("Civil servant (PNS)")
        PPPK = "PPPK", _("Contract civil servant (PPPK)")

    class Sex(models.TextChoices):
        MALE = "L", _("Male")
        FEMALE = "P", _("Female")

    nip = models.CharField(_("NIP"), max_length=18, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    unit = models.ForeignKey(
        WorkUnit, verbose_name=_("work unit"), on_delete=models.PROTECT, related_name="employees"
    )
    position_title = models.CharField(_("position"), max_length=200, blank=True)
    position_type = models.CharField(_("position type"), max_length=12, choices=PositionType.choices)
    employment_status = models.CharField(_("employment status"), max_length=4, choices=Status.choices)
    rank = models.CharField(_("rank or grade"), max_length=10, blank=True)
    education = models.CharField(_("education"), max_length=10, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("mobile number"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="employee"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["full_name"]
        indexes = [
            models.Index(fields=["unit", "is_active"]),
            models.Index(Lower("full_name"), name="people_employee_name_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.nip})"


class ImportJob(models.Model):
    """One upload of the staff register: checked (dry run) first, then committed; both by Celery tasks."""

    class State(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        REJECTED = "rejected", _("Has errors")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    filename = models.CharField(max_length=255)
    content = models.BinaryField()  # kept until committed, so the worker reads exactly what was checked
    create_units = models.BooleanField(default=False)
    deactivate_missing = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=State.choices)
    summary = models.JSONField(default=dict)  # counts per outcome
    errors = models.JSONField(default=list)  # [{"row", "column", "message"}]
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"
