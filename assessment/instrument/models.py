"""Competence frameworks and item banks as data (public schema): a new framework is a new version."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Framework(models.Model):
    code = models.CharField(max_length=40)
    version = models.CharField(max_length=20)
    name_id = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    source = models.TextField(blank=True)
    licence = models.TextField(blank=True)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="framework_code_version")]
        ordering = ["code", "version"]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"


class ProficiencyLevel(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="levels")
    number = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=40)
    name_id = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)
    description_id = models.TextField(blank=True)
    description_en = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["framework", "number"], name="level_number")]
        ordering = ["framework", "number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name_id}"


class Area(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(max_length=10)
    name_id = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    description_id = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="area_code")]
        ordering = ["framework", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_id}"


class Competence(models.Model):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="competences")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="competences")
    code = models.CharField(max_length=10)
    name_id = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    description_id = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    level_descriptors = models.JSONField(default=dict)  # level number -> {"id": ..., "en": ...}
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="competence_code")]
        ordering = ["framework", "order"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_id}"


class ItemBank(models.Model):
    """A versioned bank. Once a round uses it (``locked_at``), its items can no longer change."""

    code = models.CharField(max_length=40)
    version = models.CharField(max_length=20)
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="banks")
    title_id = models.CharField(max_length=200)
    title_en = models.CharField(max_length=200)
    parameters = models.CharField(max_length=20, default="provisional")
    loaded_at = models.DateTimeField(auto_now=True)
    locked_at = models.DateTimeField(_("in use since"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="bank_code_version")]
        ordering = ["code", "version"]

    def __str__(self) -> str:
        return f"{self.code} {self.version}"


class Item(models.Model):
    class Type(models.TextChoices):
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_RESPONSE = "multiple_response", _("Multiple response")
        ORDERING = "ordering", _("Ordering")
        SCENARIO = "scenario", _("Scenario")

    bank = models.ForeignKey(ItemBank, on_delete=models.CASCADE, related_name="items")
    code = models.CharField(max_length=30)
    competence = models.ForeignKey(Competence, on_delete=models.PROTECT, related_name="items")
    level = models.PositiveSmallIntegerField()
    type = models.CharField(max_length=20, choices=Type.choices)
    stem = models.TextField()
    stimulus = models.JSONField(null=True, blank=True)
    options = models.JSONField(default=list)  # [{"id": "a", "text": "..."}]
    key = models.JSONField(default=list)  # option ids; never sent to a browser
    explanation = models.TextField()
    params = models.JSONField(default=dict)  # {"a": .., "b": .., "steps": [..]}; provisional until calibrated
    is_anchor = models.BooleanField(default=False)
    tags = models.JSONField(default=list)
    fingerprint = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bank", "code"], name="item_code")]
        ordering = ["bank", "code"]

    def __str__(self) -> str:
        return self.code


class ParameterSet(models.Model):
    """Item parameters proposed by a calibration run; the bank's items change only once it is accepted.

    ``params`` holds the estimated (non-anchor) items, ``previous`` what those items held when the set
    was proposed (accepting is refused if the bank has changed since), ``fit`` every calibrated item's
    fit (anchors too, with their displacement) and ``areas`` each area's run summary.

    Versions (``assessment.instrument.calibration.versions``): accepting gives the set the bank's next
    ``version`` number and keeps ``snapshot``, the parameters of *every* item of the bank under this
    set, so a round scored under it can be scored again with the same figures after later versions.
    The ``baseline`` set (version 0) keeps what the bank held before its first accepted version (the
    item files' provisional parameters); it is made at that first acceptance. ``excluded`` names the
    items left out of scoring under this version (DIF category C or misfit, the operator's choice).
    The national run adds its standard errors, model choice per area, anchor drift, DIF and the link
    to the bank's previous version; ``sources`` says which regions and rounds it rests on (counts only).
    """

    class Kind(models.TextChoices):
        REGIONAL = "regional", _("One region")
        NATIONAL = "national", _("Several regions")
        BASELINE = "baseline", _("Before the first calibration")

    bank = models.ForeignKey(ItemBank, on_delete=models.CASCADE, related_name="parameter_sets")
    label = models.CharField(max_length=20)  # becomes ItemBank.parameters, e.g. "kalibrasi-2026-11-28"
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REGIONAL)
    version = models.PositiveIntegerField(null=True, blank=True)  # per bank, given when accepted
    source = models.TextField(blank=True)  # region schemas, rounds and number of persons
    # [{"region", "region_name", "region_kind", "round", "round_name", "bank", "persons"}]: no personal data
    sources = models.JSONField(default=list)
    params = models.JSONField(default=dict)  # item code -> {"a": .., "b": .., "steps": [..], "c"?}
    previous = models.JSONField(default=dict)  # item code -> the params it replaces
    snapshot = models.JSONField(default=dict)  # item code -> params, every item of the bank under this set
    standard_errors = models.JSONField(default=dict)  # item code -> {"a", "b", "c", "steps"}
    fit = models.JSONField(default=dict)  # item code -> {"infit", "outfit", "rmsea", "displacement", "n"..}
    areas = models.JSONField(default=list)  # per area: persons, iterations, converged, population
    area_models = models.JSONField(default=dict)  # area -> {"model", "fit": [..], "groups": [..]}
    drift = models.JSONField(default=dict)  # anchors calibrated freely, linked to their reference values
    dif = models.JSONField(default=dict)  # Mantel-Haenszel by sex, age band, education, region kind
    version_link = models.JSONField(default=dict)  # link to the bank's previous version (common items)
    review = models.JSONField(default=list)  # [{"code", "reasons"}]: items proposed for leaving out
    excluded = models.JSONField(default=list)  # item codes left out of scoring under this version
    warnings = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "version"],
                condition=models.Q(version__isnull=False),
                name="parameter_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bank} {self.label}"

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def persons(self) -> int:
        """Persons the set rests on: the sources' total, else the largest area's."""
        total = sum(int(s.get("persons", 0) or 0) for s in self.sources or [])
        return total or max((int(a.get("persons", 0) or 0) for a in self.areas or []), default=0)


class CalibrationJob(models.Model):
    """A national calibration the operator asked for: its choices, where it is, and how it ended.

    The work runs in a Celery task (``instrument.national_calibration``); the operator's page polls this
    row. ``choices`` are ``[{"region": code, "round": id}]``; the outcome is ``parameter_set``."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    bank = models.ForeignKey(ItemBank, on_delete=models.CASCADE, related_name="calibration_jobs")
    choices = models.JSONField(default=list)
    min_persons = models.PositiveIntegerField(default=200)
    requested_by = models.CharField(max_length=254, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    step = models.CharField(max_length=200, blank=True)  # what it is doing now, for the page
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    failure = models.TextField(blank=True)
    parameter_set = models.ForeignKey(
        ParameterSet, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"calibration {self.pk} of {self.bank_id}: {self.state}"
