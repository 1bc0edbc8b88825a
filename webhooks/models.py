"""A region's webhook endpoints and the log of what was sent to them (tables in the region's schema).

The secret signs each request (``services.signing``). It is kept in plain text in the region's schema:
signing needs the secret itself (a hash would not do) and the project has no field-encryption helper;
the schema is the region's own and its backups are encrypted (``tenants.services.backup``). The pages
show it once, when the endpoint is made.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class Endpoint(models.Model):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = ArrayField(models.CharField(max_length=40), verbose_name=_("events"), default=list)
    secret = models.CharField(max_length=80, default=new_secret, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every save that writes the URL checks it, whichever path wrote it (the form checks it too, for
        # a message). Saving other fields only (disabling) must work even when the host is gone.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "url" in update_fields:
            from webhooks.services.addresses import check_url

            check_url(self.url)
        super().save(*args, **kwargs)


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Gave up")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    #: The event's id, the same for every endpoint and every attempt: receivers drop repeats by it.
    event_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    #: One entry per attempt: {"at", "code", "error", "ms"}.
    history = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-created_at"], name="webhooks_delivery_latest")]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"

    @property
    def can_resend(self) -> bool:
        return self.status != self.Status.SUCCEEDED
