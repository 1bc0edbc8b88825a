"""Local items: written by a region for itself. They live in the region's schema only, so the national
index (built from the national bank in the public schema) and the benchmark never see them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LocalItem(models.Model):
    class Type(models.TextChoices):
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_RESPONSE = "multiple_response", _("Multiple response")

    code = models.CharField(_("code"), max_length=30, unique=True)
    competence = models.CharField(_("competence"), max_length=10, help_text=_("Competence code, e.g. 2.1"))
    level = models.PositiveSmallIntegerField(_("level"))
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    stem = models.TextField(_("question"))
    options = models.JSONField(default=list)  # [{"id": "a", "text": ...}]
    key = models.JSONField(default=list)  # option ids
    explanation = models.TextField(_("explanation"))
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["competence", "level", "code"]
        verbose_name = _("local item")
        verbose_name_plural = _("local items")

    def __str__(self) -> str:
        return self.code
