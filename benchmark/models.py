"""The national benchmark (public schema): protected aggregates of published rounds, nothing personal.

Rows are written only by ``benchmark.services.publishing``, from figures that already passed the disclosure
rule (``benchmark.disclosure``); a region's own schema is never read from here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Publication(models.Model):
    """One round of one region as published to the benchmark: the protected figures of the round.

    ``round_key`` names the source round (``<schema>:<round id>``, or ``simulasi:<n>`` for demo data), so
    that publishing the same round again replaces this row instead of adding to it.
    """

    region_code = models.CharField(_("Kemendagri code"), max_length=5)
    region_name = models.CharField(_("region"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12)
    province_code = models.CharField(_("province code"), max_length=2)
    province_name = models.CharField(_("province"), max_length=80)
    round_key = models.CharField(max_length=80)
    round_name = models.CharField(_("round"), max_length=200)
    period = models.PositiveSmallIntegerField(_("year"))
    held_on = models.DateField(_("held on"))
    instrument = models.CharField(_("instrument version"), max_length=64)
    # The scale the figures are compared on: the instrument version's own, or the scale of an older
    # version it is linked to through common items where that link holds in every area (issue #17).
    scale = models.CharField(_("scale"), max_length=64, default="")
    scale_note = models.TextField(blank=True)  # how the link was made, or why there is none
    simulated = models.BooleanField(_("simulated"), default=False)
    # What the figures rest on: {"status": "provisional"|"calibrated", "label", "calibrated_on", "sample"}
    parameters = models.JSONField(default=dict)
    published_at = models.DateTimeField(_("published"))
    suppressed = models.BooleanField(default=False)  # fewer than MIN_CELL took part: nothing else shown
    participants = models.PositiveIntegerField(null=True)
    eligible = models.PositiveIntegerField(null=True)
    mean = models.FloatField(null=True)
    sd = models.FloatField(null=True)
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    area_means = models.JSONField(default=list)
    figures = models.JSONField(default=dict)  # disclosure.public_view, means rounded

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region_code", "round_key"], name="publication_once"),
        ]
        indexes = [models.Index(fields=["scale", "period", "region_code"])]
        ordering = ["region_code", "-held_on"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.round_name}"


class PublishedCell(models.Model):
    """A published (not suppressed, not empty) group of a publication, flat for national sums by SQL."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="cells")
    dimension = models.CharField(max_length=20)  # region, status, position_type, rank_group, age_band, ...
    key = models.CharField(max_length=20)
    n = models.PositiveIntegerField()
    mean = models.FloatField()
    area_means = models.JSONField(default=list)
    levels = models.JSONField(default=list)  # published level groups: [start, stop, count], levels 0-3

    class Meta:
        indexes = [models.Index(fields=["dimension", "key"])]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.dimension}={self.key}"


class Naming(models.Model):
    """A region's choice to be shown by name to other regions (national viewers always see names)."""

    region_code = models.CharField(max_length=5, unique=True)
    named = models.BooleanField(_("show our name to other regions"), default=False)
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.region_code}: {'named' if self.named else 'anonymous'}"


class Event(models.Model):
    """What happened to the benchmark and when: publishing, replacing, withdrawing (no person named)."""

    class Action(models.TextChoices):
        PUBLISHED = "published", _("Published")
        REPLACED = "replaced", _("Replaced")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    region_code = models.CharField(max_length=5)
    round_key = models.CharField(max_length=80)
    action = models.CharField(max_length=10, choices=Action.choices)
    participants = models.PositiveIntegerField(null=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.round_key} {self.action}"


class Generation(models.Model):
    """A token renewed by every change to the benchmark, so cached national figures know they are stale."""

    value = models.PositiveBigIntegerField(default=0)
    # The newest token whose pages the warm-up finished building, and when that run read it (time.time()):
    # requests serve it while ``value`` is still being built, until ``warming_until`` (services.generation).
    served = models.PositiveBigIntegerField(null=True, blank=True)
    served_started = models.FloatField(null=True, blank=True)
    warming_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.value)


class Version(models.Model):
    """Every version of a round's figures ever published, kept for good: the disclosure audit treats each
    as known (a national viewer may have seen, downloaded or cached any of them), so a new version of the
    round is protected against all of them (``disclosure.audit_versions``; docs/disclosure.md).

    Replacing or withdrawing a round's ``Publication`` never deletes these rows. They hold exactly what was
    published, the public view of the protected figures with its rounded means, and the scale facts the
    audit needs (``value_range``, ``nestings``): no more than any reader saw, and never a person.
    """

    region_code = models.CharField(max_length=5)
    round_key = models.CharField(max_length=80)
    number = models.PositiveIntegerField()  # 1, 2, ... per region and round
    published_at = models.DateTimeField()
    rescored = models.BooleanField(default=False)  # sent as a full re-score of the version before
    figures = models.JSONField(default=dict)  # disclosure.public_view, means rounded: as published
    value_range = models.JSONField(default=list)  # [low, high] of the score scale
    nestings = models.JSONField(default=list)  # [[child, parent, [starts...]], ...]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region_code", "round_key", "number"], name="version_once"),
        ]
        ordering = ["region_code", "round_key", "number"]

    def __str__(self) -> str:
        return f"{self.region_code} {self.round_key} v{self.number}"
