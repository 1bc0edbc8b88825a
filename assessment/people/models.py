"""A region's work units and its employee register (in the region's own schema)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
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
        """The ASN categories (UU 20/2023 and the 2025 part-time PPPK). Codes fit four characters, the
        width results keep a person's status in (``results.Score.status``)."""

        PNS = "PNS", _("Civil servant (PNS)")
        CPNS = "CPNS", _("Civil servant candidate (CPNS)")
        PPPK = "PPPK", _("Contract civil servant (PPPK)")
        PPPK_PARUH_WAKTU = "PPPW", _("Part-time contract civil servant (PPPK Paruh Waktu)")

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

    @property
    def status_name(self) -> str:
        """The status as registers write it: PNS, CPNS, PPPK, PPPK Paruh Waktu."""
        return STATUS_NAMES.get(self.employment_status, self.employment_status)


# The names used in files (import, export) and tables; the same in every language.
STATUS_NAMES: dict[str, str] = {
    Employee.Status.PNS: "PNS",
    Employee.Status.CPNS: "CPNS",
    Employee.Status.PPPK: "PPPK",
    Employee.Status.PPPK_PARUH_WAKTU: "PPPK Paruh Waktu",
}


class ImportJob(models.Model):
    """One upload of the staff register: checked (dry run) first, then committed; both by Celery tasks."""

    class State(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked")
        STALE = "stale", _("Register changed since the check")
        REJECTED = "rejected", _("Has errors")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    filename = models.CharField(max_length=255)
    content = models.BinaryField()  # the upload, until its check is over (the save reads staged rows)
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
    # The register as the check saw it (services/staging.py): the save applies the staged rows only if the
    # register still has this fingerprint.
    fingerprint = models.CharField(max_length=64, blank=True)
    check_started_at = models.DateTimeField(default=timezone.now)  # the upload's check, or a re-check's
    # What the check says of the file besides its rows: {"kept": fields the file lacks, whose stored
    # values stay; "ignored": its headers that match no field}. A re-check keeps the same fields.
    notes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display()})"


class StagedRow(models.Model):
    """One checked row of an import job, normalised, with what saving it does (services/staging.py).

    The check writes these; the save applies them in SQL without reading the file again. ``action`` is
    "new", "changed" (``employee_id`` the row it updates), "unchanged", or "deactivate" (an employee
    missing from a complete register; only ``employee_id`` is set)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="staged_rows")
    row = models.PositiveIntegerField()  # the row number in the file (0 for "deactivate")
    action = models.CharField(max_length=10)
    employee_id = models.BigIntegerField(null=True)
    unit_id = models.BigIntegerField(null=True)  # null: a unit the save creates (``unit``)
    unit = models.CharField(max_length=200, blank=True)  # as written in the file
    nip = models.CharField(max_length=18, blank=True)
    full_name = models.CharField(max_length=200, blank=True)
    position_title = models.CharField(max_length=200, blank=True)
    position_type = models.CharField(max_length=12, blank=True)
    employment_status = models.CharField(max_length=4, blank=True)
    rank = models.CharField(max_length=10, blank=True)
    education = models.CharField(max_length=10, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    birth_date = models.DateField(null=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)  # the file's "Aktif" column (active without it)

    class Meta:
        indexes = [models.Index(fields=["job", "action"])]

    def __str__(self) -> str:
        return f"{self.job_id} row {self.row}: {self.action}"
