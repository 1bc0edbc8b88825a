"""Rounds, their sessions and participants, attempts and answers (in the region's schema)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessment.instrument.assembly import MAX_FORMS
from assessment.people.models import Employee, WorkUnit


class Round(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        PUBLISHED = "published", _("Published")

    class ResultTiming(models.TextChoices):
        IMMEDIATE = "immediate", _("At once, after submitting")
        AFTER_PUBLICATION = "after_publication", _("After the round is published")

    name = models.CharField(_("name"), max_length=200)
    bank = models.ForeignKey("instrument.ItemBank", verbose_name=_("item bank"), on_delete=models.PROTECT)
    form_length = models.PositiveSmallIntegerField(_("items per test"), default=60)
    time_limit_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), default=60)
    allow_back = models.BooleanField(_("takers may go back to earlier items"), default=True)
    result_timing = models.CharField(
        _("show the result"),
        max_length=20,
        choices=ResultTiming.choices,
        default=ResultTiming.AFTER_PUBLICATION,
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    form_seed = models.UUIDField(default=uuid.uuid4, editable=False)
    # Parallel forms (issue #17): takers of one session do not all get the same items. ``forms`` holds
    # each form's item codes, ``form_items`` their union in bank order (what scoring reads); both are
    # fixed when the round is scheduled (assessment.instrument.assembly.assemble_forms).
    form_count = models.PositiveSmallIntegerField(
        _("parallel forms"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_FORMS)],
        help_text=_("Several parallel forms: the takers of one session do not all get the same items."),
    )
    forms = models.JSONField(default=list, editable=False)  # [[codes of form 1], [codes of form 2], ...]
    form_items = models.JSONField(default=list, editable=False)  # item codes, fixed when scheduled
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    def form_codes(self, form: int) -> list[str]:
        """The item codes of one form (0-based); a round from before parallel forms has only its one."""
        if self.forms and 0 <= form < len(self.forms):
            return list(self.forms[form])
        return list(self.form_items)


class Session(models.Model):
    """A sitting of the round (several a day spread units out); times are stored aware, shown in the
    region's time zone."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # Attempts started in this session: the next one gets the next parallel form round the circle.
    starts = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class Participant(models.Model):
    """An employee invited to a round. The access code is derived (HMAC) from the round, the employee
    and ``code_version``; revoking bumps the version, which invalidates the printed code."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="participants")
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="participations")
    unit = models.ForeignKey(WorkUnit, on_delete=models.PROTECT, related_name="participations")
    code_version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "employee"], name="participant_once")]
        indexes = [models.Index(fields=["round", "unit"])]

    def __str__(self) -> str:
        return f"{self.employee} in {self.round}"


class Attempt(models.Model):
    """One participant's sitting of the form: their item and option order, the deadline, what they saw."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    participant = models.OneToOneField(Participant, on_delete=models.CASCADE, related_name="attempt")
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    started_at = models.DateTimeField(auto_now_add=True)
    deadline_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_automatically = models.BooleanField(default=False)
    form = models.PositiveSmallIntegerField(default=0)  # which of the round's parallel forms (0-based)
    item_order = models.JSONField(default=list)
    option_order = models.JSONField(default=dict)
    # Item code -> item type, copied from the bank at start (the form is fixed by then): the save path
    # checks an answer's shape in its one statement without reading the bank.
    item_types = models.JSONField(default=dict)
    # Item codes in the order the test page first showed them (the response process: an item never
    # shown was not administered). Empty: not recorded (attempts from before the page reported it).
    seen_items = models.JSONField(default=list)
    # Whether the taker may go back to earlier items: the round's setting copied at start, so that the
    # page and the save path keep the rule the attempt began with. None: an attempt from before it was
    # copied, which follows the round's setting.
    allow_back = models.BooleanField(null=True, default=None)
    # Without going back: the items the taker has left, item code -> [after, upto], the sequence
    # numbers a change of the item can carry (above ``after``, up to ``upto``; ``after`` null when not
    # known), as first reported (the rule: assessment.rounds.services.saving). Empty when going back is
    # allowed.
    item_windows = models.JSONField(default=dict)
    # Without going back: the item the page says it is at, or the furthest one answered by a client that
    # reports no windows ("": none yet).
    reached_item = models.CharField(max_length=30, default="", blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "deadline_at"])]

    def __str__(self) -> str:
        return f"attempt {self.pk}"


class Answer(models.Model):
    """The latest response to one item. ``seq`` is the taker's own counter: a write with a lower or
    equal ``seq`` never overwrites a newer one; ``key`` makes a retried write a no-op."""

    # No index of its own: the unique (attempt, item_code) index leads with it and serves every look-up
    # by attempt; a second one only cost each of test day's inserts an index write (and vacuum a scan).
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers", db_index=False)
    item_code = models.CharField(max_length=30)
    response = models.JSONField()  # list of option ids, in order for ordering items
    flagged = models.BooleanField(default=False)
    seq = models.PositiveIntegerField()
    key = models.UUIDField()
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "item_code"], name="answer_once")]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.item_code}"


class RoundEvent(models.Model):
    """The audit trail: who changed what in a round, and when."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=40)
    details = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.round_id} {self.action}"
