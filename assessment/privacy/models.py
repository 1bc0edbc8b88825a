"""What the region's schema keeps about personal-data protection (UU 27/2022): its settings, the employees'
correction requests, the erasures done and the retention applied to each round.

All four live in the region's own schema, next to the data they are about: a correction request names an
employee, an erasure record must be where the pseudonymised row is, and a region's retention must not
depend on a platform table. None of them holds the values that were erased.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessment.people.models import Employee
from assessment.rounds.models import Round

# Defaults and bounds of the retention periods; the reasons are in docs/privacy/README.md.
RESPONSES_MONTHS_DEFAULT = 24
RESPONSES_MONTHS_MIN, RESPONSES_MONTHS_MAX = 6, 60
RESULTS_YEARS_DEFAULT = 5
RESULTS_YEARS_MIN, RESULTS_YEARS_MAX = 1, 10


class PrivacySettings(models.Model):
    """The region's choices that the privacy notice states and the retention task applies: one row
    (pk 1); until an admin saves, the defaults apply without a row (``services.policy.current``)."""

    responses_months = models.PositiveSmallIntegerField(
        _("keep answers to individual questions for (months)"),
        default=RESPONSES_MONTHS_DEFAULT,
        validators=[MinValueValidator(RESPONSES_MONTHS_MIN), MaxValueValidator(RESPONSES_MONTHS_MAX)],
    )
    results_years = models.PositiveSmallIntegerField(
        _("keep personal results for (years)"),
        default=RESULTS_YEARS_DEFAULT,
        validators=[MinValueValidator(RESULTS_YEARS_MIN), MaxValueValidator(RESULTS_YEARS_MAX)],
    )
    other_uses = models.TextField(_("other uses of the results"), max_length=500, blank=True)
    contact = models.CharField(_("contact for privacy requests"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("privacy settings")
        verbose_name_plural = _("privacy settings")

    def __str__(self) -> str:
        return f"{self.responses_months} months / {self.results_years} years"


class CorrectionRequest(models.Model):
    """An employee's request to correct their entry in the register (UU PDP art. 6 and 30)."""

    class Field(models.TextChoices):
        FULL_NAME = "full_name", _("Full name")
        BIRTH_DATE = "birth_date", _("Birth date")
        SEX = "sex", _("Sex")
        UNIT = "unit", _("Work unit")
        POSITION = "position_title", _("Position")
        RANK = "rank", _("Rank (golongan) or grade")
        EDUCATION = "education", _("Education")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Mobile number")
        OTHER = "other", _("Something else")

    class State(models.TextChoices):
        OPEN = "open", _("Waiting")
        RESOLVED = "resolved", _("Corrected")
        REJECTED = "rejected", _("Not changed")

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="correction_requests")
    field = models.CharField(_("what is wrong"), max_length=20, choices=Field.choices)
    current_value = models.CharField(max_length=300, blank=True)  # the register's value when asked
    requested_value = models.CharField(_("the correct value"), max_length=300)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    response = models.CharField(_("answer to the employee"), max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")

    def __str__(self) -> str:
        return f"{self.employee_id}: {self.field} ({self.state})"


class Erasure(models.Model):
    """That an employee's identity was erased, by whom, when and why; the row it is about stays as a
    pseudonym so that scores and aggregates keep their people. Holds no erased value."""

    class Reason(models.TextChoices):
        REQUEST = "request", _("The employee asked for erasure")
        LEFT = "left", _("The employee has left the region's service")
        MISTAKE = "mistake", _("The employee was registered by mistake")
        OTHER = "other", _("Another lawful reason")

    employee = models.OneToOneField(Employee, on_delete=models.PROTECT, related_name="erasure")
    erased_at = models.DateTimeField(default=timezone.now)
    erased_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(max_length=10, choices=Reason.choices)
    summary = models.JSONField(default=dict)  # counts of what was removed and kept

    class Meta:
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")

    def __str__(self) -> str:
        return f"employee {self.employee_id} erased {self.erased_at:%Y-%m-%d}"


class RoundRetention(models.Model):
    """What the retention task removed from a round, and when. ``responses_removed_at`` also tells the
    scoring that the round cannot be scored again (its answers are gone)."""

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="retention")
    responses_removed_at = models.DateTimeField(null=True, blank=True)
    answers_removed = models.PositiveBigIntegerField(default=0)
    results_removed_at = models.DateTimeField(null=True, blank=True)
    people_removed = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"retention of round {self.round_id}"
