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
    """

    bank = models.ForeignKey(ItemBank, on_delete=models.CASCADE, related_name="parameter_sets")
    label = models.CharField(max_length=20)  # becomes ItemBank.parameters, e.g. "kalibrasi-2026-11-28"
    source = models.TextField(blank=True)  # region schemas, rounds and number of persons
    params = models.JSONField(default=dict)  # item code -> {"a": .., "b": .., "steps": [..]}
    previous = models.JSONField(default=dict)  # item code -> the params it replaces
    fit = models.JSONField(default=dict)  # item code -> {"infit", "outfit", "rmsea", "displacement", "n"..}
    areas = models.JSONField(default=list)  # per area: persons, iterations, converged, population
    warnings = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.bank} {self.label}"
