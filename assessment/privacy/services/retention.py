"""Retention: what a region keeps, for how long, and the removal when the time is up (UU PDP art. 43-44:
personal data is deleted once the retention period is over).

Two periods per region (``PrivacySettings``), both counted from the **end of the round** (the later of
its last close and the end of its last session; a round reopened and closed again counts from the new
close):

- **Item responses**, default 24 months: the round's ``rounds_answer`` rows are deleted, and the attempts'
  item-level process data with them (the items and options in the order shown, the items reported as
  shown). The attempt's times stay with the result. The round is marked (``RoundRetention``), and
  from then on it cannot be scored again or reopened (``assessment.results.services.closing`` and
  ``assessment.rounds.services.lifecycle`` ask ``responses_removed``): a re-scoring without answers
  would turn everyone into an incomplete attempt. Deleted, not anonymised: an anonymous copy would still
  be one row per person per item, detached from the scores it produced, and no use of it is planned
  (calibration reads the rounds of the current instrument, a few months old).
- **Personal results**, default 5 years (never shorter than the responses' period): the round's scores,
  attempts and participations are deleted. Its aggregates (``results_aggregate``) stay, and so does what
  was published to the national benchmark: they describe groups, not people.

Also: register files uploaded but never imported (rejected, failed, or checked and left) are emptied 30
days after the upload; a checked one is cancelled.

How it runs: ``tasks.apply_retention_everywhere`` (Celery beat, nightly) queues ``tasks.apply_retention``
once per region that is not read-only; that task runs in the region's schema through
``tenants.task_base.RegionTask``, which reads the region's status afresh and does not run for a
suspended or closed region (the retention catches up once it is active again; nothing is lost by the
wait). Deletions go in batches, each its own transaction, so no lock is held for long and a task cut
short resumes where it stopped on the next run. A round being scored is skipped until its scoring ends.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.people.models import ImportJob, StagedRow
from assessment.privacy.models import RoundRetention
from assessment.privacy.services import policy
from assessment.results.models import Score, ScoringRun
from assessment.rounds.models import Answer, Attempt, Participant, Round, RoundEvent, Session
from audit import services as audit_trail

ATTEMPTS_PER_DELETE = 80  # attempts whose answers one DELETE removes: up to ~5,000 answers, tens of ms
UPLOADS_KEPT = timedelta(days=30)
ENDED = (Round.State.CLOSED, Round.State.PUBLISHED)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months (the 31st becomes the month's last day)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def ended_at(round_: Round) -> datetime | None:
    """When the round ended: the later of its last close and its last session's end (None: not ended)."""
    if round_.state not in ENDED:
        return None
    closes = [
        event.at
        for event in RoundEvent.objects.filter(round=round_, action="state_changed").only("at", "details")
        if event.details.get("new") == Round.State.CLOSED
    ]
    last_session = Session.objects.filter(round=round_).aggregate(end=Max("ends_at"))["end"]
    moments = [m for m in (max(closes, default=None), last_session) if m is not None]
    return max(moments, default=None)


def responses_removed(round_: Round) -> bool:
    return RoundRetention.objects.filter(round=round_, responses_removed_at__isnull=False).exists()


def _being_scored(round_: Round) -> bool:
    return ScoringRun.objects.filter(
        round=round_, state__in=[ScoringRun.State.QUEUED, ScoringRun.State.RUNNING]
    ).exists()


def remove_responses(round_: Round, now: datetime) -> int:
    """Delete the round's answers and its attempts' item-level data; the number of answers deleted."""
    with transaction.atomic():
        # The mark first: from its commit on, the round is not scored again while the answers go.
        retention, _created = RoundRetention.objects.select_for_update().get_or_create(round=round_)
        if retention.responses_removed_at is None:
            retention.responses_removed_at = now
            retention.save(update_fields=["responses_removed_at"])
    # By attempts, a batch at a time, each DELETE on the unique (attempt, item) index, which leads with
    # the attempt. A DELETE of "the next 5,000 answers of the round" (a join under a LIMIT) was planned
    # by the tables' statistics and, with statistics that said the tables were empty while they were not
    # (fresh schema, rows not analysed yet), ran as a nested loop for many minutes.
    attempt_ids = list(
        Attempt.objects.filter(participant__round=round_).order_by("pk").values_list("pk", flat=True)
    )
    removed = 0
    for start in range(0, len(attempt_ids), ATTEMPTS_PER_DELETE):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {Answer._meta.db_table} WHERE attempt_id = ANY(%s)",  # noqa: S608 (the table)
                [attempt_ids[start : start + ATTEMPTS_PER_DELETE]],
            )
            removed += cursor.rowcount
    Attempt.objects.filter(participant__round=round_).exclude(
        item_order=[], option_order={}, seen_items=[]
    ).update(item_order=[], option_order={}, seen_items=[])
    if removed:
        RoundRetention.objects.filter(round=round_).update(answers_removed=F("answers_removed") + removed)
    return removed


@transaction.atomic
def remove_results(round_: Round, now: datetime) -> int:
    """Delete the round's personal results (scores, attempts, participations); aggregates stay. The
    number of participations deleted."""
    retention, _created = RoundRetention.objects.select_for_update().get_or_create(round=round_)
    Score.objects.filter(round=round_)._raw_delete(Score.objects.db)
    Answer.objects.filter(attempt__participant__round=round_)._raw_delete(Answer.objects.db)  # none, normally
    Attempt.objects.filter(participant__round=round_)._raw_delete(Attempt.objects.db)
    people = Participant.objects.filter(round=round_)._raw_delete(Participant.objects.db)
    # The round's timeline named people by NIP (revoked codes, reopened attempts): no longer needed.
    for event in RoundEvent.objects.filter(round=round_, details__has_key="nip"):
        event.details = {k: v for k, v in event.details.items() if k != "nip"}
        event.save(update_fields=["details"])
    retention.results_removed_at = retention.results_removed_at or now
    retention.people_removed += people
    retention.save(update_fields=["results_removed_at", "people_removed"])
    return people


def empty_stale_uploads(now: datetime) -> int:
    """Register imports never saved, older than ``UPLOADS_KEPT``: the file and the checked rows staged
    for saving (both personal data) removed; a checked one cancelled."""
    stale = (
        ImportJob.objects.filter(
            state__in=[ImportJob.State.CHECKED, ImportJob.State.REJECTED, ImportJob.State.FAILED],
            created_at__lt=now - UPLOADS_KEPT,
        )
        .annotate(size=Length("content"), staged=Exists(StagedRow.objects.filter(job=OuterRef("pk"))))
        .filter(Q(size__gt=0) | Q(staged=True))
    )
    emptied = 0
    for job in stale.defer("content"):
        changes: dict[str, object] = {"content": b""}
        if job.state == ImportJob.State.CHECKED:
            changes["state"] = ImportJob.State.FAILED
            changes["failure"] = _(
                "The file was not imported within %(days)s days and was deleted. Upload it again."
            ) % {"days": UPLOADS_KEPT.days}
        with transaction.atomic():
            updated = ImportJob.objects.filter(pk=job.pk, state=job.state).update(**changes)
            if updated:  # not saved meanwhile: its staged rows go with the file
                StagedRow.objects.filter(job=job).delete()
        emptied += updated
    return emptied


@dataclass
class RetentionReport:
    responses_rounds: list[int] = field(default_factory=list)
    answers_removed: int = 0
    results_rounds: list[int] = field(default_factory=list)
    people_removed: int = 0
    uploads_emptied: int = 0
    skipped_being_scored: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.answers_removed or self.responses_rounds or self.people_removed or self.uploads_emptied
        )


def apply_retention(now: datetime | None = None) -> RetentionReport:
    """Apply the region's retention periods to every ended round (in the connection's schema)."""
    now = now or timezone.now()
    settings = policy.current()
    report = RetentionReport()
    done = {r.round_id: r for r in RoundRetention.objects.all()}
    for round_ in Round.objects.filter(state__in=ENDED).order_by("pk"):
        end = ended_at(round_)
        if end is None or add_months(end, settings.responses_months) > now:
            continue
        # Results go no earlier than the responses (their period is at least as long, see the form).
        results_due = add_months(end, 12 * settings.results_years) <= now
        mark = done.get(round_.pk)
        first_time = mark is None or mark.responses_removed_at is None
        # A run cut short left answers behind: the next one finishes the job.
        responses_pending = first_time or _has_answers(round_)
        results_pending = results_due and (mark is None or mark.results_removed_at is None)
        if not (responses_pending or results_pending):
            continue
        if _being_scored(round_):
            report.skipped_being_scored.append(round_.pk)
            continue
        report.answers_removed += remove_responses(round_, now)
        if first_time:
            report.responses_rounds.append(round_.pk)
        if results_pending:
            report.people_removed += remove_results(round_, now)
            report.results_rounds.append(round_.pk)
    report.uploads_emptied = empty_stale_uploads(now)
    if report.changed:
        audit_trail.record(
            "privacy.retention_applied",
            actor=None,
            responses_rounds=report.responses_rounds,
            answers_removed=report.answers_removed,
            results_rounds=report.results_rounds,
            people_removed=report.people_removed,
            uploads_emptied=report.uploads_emptied,
            responses_months=settings.responses_months,
            results_years=settings.results_years,
        )
    return report


def _has_answers(round_: Round) -> bool:
    return Answer.objects.filter(attempt__participant__round=round_).exists()
