"""Completed training per employee, toward the 20 JP every ASN is owed a year.

A record is what a learning platform, a BKPSDM spreadsheet or an API client says an employee completed.
``title_key`` is the course title normalised (:func:`assessment.training.services.matching.normalise`);
the unique constraint on (employee, title_key, completed_on, certificate_number) makes a re-import or a
repeated API call harmless: the same training is never counted twice. ``course`` is the region's catalogue
course (``results.TrainingCourse``, what learning plans and the roadmap take) it was matched to, if any.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessment.people.models import Employee
from assessment.results.models import TrainingCourse

MIN_JP = Decimal("0.5")  # half a lesson hour: the smallest share a certificate states
MAX_JP = Decimal("500")  # the longest programmes (PKN, Latsar) stay well under this


class Source(models.TextChoices):
    IMPORT = "import", _("Import")
    API = "api", _("API")
    MANUAL = "manual", _("Manual")


class TrainingBatch(models.Model):
    """One import file or one API bulk call: the records it added, who sent it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    source = models.CharField(max_length=8, choices=Source.choices)
    filename = models.CharField(max_length=255, blank=True)
    added = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)  # already recorded before
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename or f"{self.source} {self.created_at:%Y-%m-%d %H:%M}"


class TrainingRecord(models.Model):
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="training_records"
    )
    course_title = models.CharField(_("course"), max_length=255)
    title_key = models.CharField(max_length=255, editable=False)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    completed_on = models.DateField(_("completed"))
    jp = models.DecimalField(
        _("JP"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(MIN_JP), MaxValueValidator(MAX_JP)],
    )
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    course = models.ForeignKey(
        TrainingCourse,
        verbose_name=_("catalogue course"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_records",
    )
    batch = models.ForeignKey(
        TrainingBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="records"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-completed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "title_key", "completed_on", "certificate_number"],
                name="training_record_once",
            ),
            models.CheckConstraint(
                condition=models.Q(jp__gte=MIN_JP) & models.Q(jp__lte=MAX_JP), name="training_jp_range"
            ),
        ]
        indexes = [models.Index(fields=["completed_on", "employee"])]

    def __str__(self) -> str:
        return f"{self.course_title} ({self.completed_on})"
