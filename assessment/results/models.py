"""Scores, aggregates and the scoring run of a round (in the region's schema)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from assessment.people.models import Employee, WorkUnit
from assessment.rounds.models import Attempt, Round


class ScoringRun(models.Model):
    """The latest scoring of a round: progress while it runs, the quality report when it is done."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    round = models.OneToOneField(Round, on_delete=models.CASCADE, related_name="scoring")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    bank_parameters = models.CharField(max_length=20, blank=True)  # the parameter set scored with
    # What the figures rest on: {"status": "provisional"|"calibrated", "label", "calibrated_on", "sample"}
    parameters = models.JSONField(default=dict)
    malformed_answers = models.PositiveIntegerField(default=0)  # stored answers that did not fit their item
    incomplete_attempts = models.PositiveIntegerField(default=0)  # fewer than half the items answered
    population = models.JSONField(default=dict)  # the population model behind the group figures
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    quality = models.JSONField(default=dict)
    failure = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"scoring of {self.round_id}: {self.state}"


class Score(models.Model):
    """One attempt's result. Segment fields are copied from the register when the attempt is first
    scored (at the latest when the round closes) and kept by every later re-scoring, so that a change
    to the register never moves a person between the cells of a published round.

    An *incomplete* attempt (fewer than half of its items answered) has no index, no level and no
    area scores: it is counted apart and enters no group figure. ``plausible`` holds the person's
    plausible values (draws under the round's population model), from which every group figure is
    computed; the person's own report uses the EAP ``index`` and ``areas``."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="scores")
    attempt = models.OneToOneField(Attempt, on_delete=models.CASCADE, related_name="score")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="scores")
    unit = models.ForeignKey(WorkUnit, on_delete=models.PROTECT, related_name="scores")
    complete = models.BooleanField(default=True)
    answered = models.PositiveSmallIntegerField(default=0)  # national items answered
    reached = models.PositiveSmallIntegerField(default=0)  # items reached (answered, skipped or malformed)
    index = models.FloatField(null=True)
    index_se = models.FloatField(null=True)
    index_low = models.FloatField(null=True)
    index_high = models.FloatField(null=True)
    level = models.PositiveSmallIntegerField()  # 0 for an incomplete attempt
    # [{"area": 1, "score": 2.4, "se": .., "low": .., "high": .., "level": 2, "n": 12}, ...]
    areas = models.JSONField()
    competences = models.JSONField()  # competence code -> indicative level on the 1-4 scale
    local_raw = models.PositiveSmallIntegerField(default=0)
    local_max = models.PositiveSmallIntegerField(default=0)
    # {"index": [M draws], "areas": [[five area scores] x M]} on the 1-4 scale; empty when incomplete
    plausible = models.JSONField(default=dict)
    status = models.CharField(max_length=4)
    position_type = models.CharField(max_length=12)
    rank_group = models.CharField(max_length=10)
    age_band = models.CharField(max_length=10)
    sex = models.CharField(max_length=1)
    education = models.CharField(max_length=10)

    class Meta:
        indexes = [models.Index(fields=["round", "unit"])]

    def __str__(self) -> str:
        return f"{self.employee_id}: {self.index:.2f}" if self.index is not None else f"{self.employee_id}: -"


class Aggregate(models.Model):
    """A group's figures for a round: the region, a unit, or a segment (dimension, key)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="aggregates")
    dimension = models.CharField(max_length=20)  # region, unit, status, position_type, rank_group, ...
    key = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    eligible = models.PositiveIntegerField(default=0)
    n = models.PositiveIntegerField()  # complete attempts: the people the figures describe
    incomplete = models.PositiveIntegerField(default=0)  # incomplete attempts, counted apart
    mean = models.FloatField(null=True)
    mean_se = models.FloatField(null=True)  # sampling and imputation error of the mean (Rubin's rules)
    sd = models.FloatField(null=True)
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    area_means = models.JSONField(default=list)  # five means, area order
    competence_means = models.JSONField(default=dict)
    level_shares = models.JSONField(default=list)  # four fractions, levels 1-4
    area_level_shares = models.JSONField(default=list)  # five lists of four fractions
    histogram = models.JSONField(default=list)  # expected counts over HISTOGRAM_EDGES (mean over draws)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "dimension", "key"], name="aggregate_once"),
        ]
        ordering = ["dimension", "key"]

    def __str__(self) -> str:
        return f"{self.round_id} {self.dimension}={self.key}"

    @property
    def small(self) -> bool:
        return self.n < 30


class TrainingCourse(models.Model):
    """The region's training catalogue: a copy of the default one, which the region can edit."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200, blank=True)
    mode = models.CharField(_("mode"), max_length=20, blank=True)
    jp = models.PositiveSmallIntegerField(_("hours (JP)"))
    cost_idr = models.PositiveIntegerField(_("cost per person (Rp)"), default=0)
    level_from = models.PositiveSmallIntegerField(_("from level"), default=1)
    level_to = models.PositiveSmallIntegerField(_("to level"), default=2)
    competences = models.JSONField(_("competences"), default=list)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ReportSettings(models.Model):
    """How the region's printed reports look: one row (pk 1), absent until an admin sets a logo.

    The logo lives in the region's schema, as a checked and re-encoded PNG in the row itself: web
    processes are stateless behind a load balancer (no shared media folder), the image is small
    (``assessment.results.logo``), and it is gone with the region. The platform's ``tenants`` app
    knows nothing of reports, so the setting is not a field of ``Region``."""

    logo_png = models.BinaryField(_("logo"), blank=True, default=b"")
    logo_name = models.CharField(max_length=200, blank=True)  # the uploaded file's name, to show
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")

    def __str__(self) -> str:
        return self.logo_name or "-"
