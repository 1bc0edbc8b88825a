"""Taking the test: start, the taker's view of the form, saving answers, submitting; deadlines.

Every answer is committed to PostgreSQL inside the request that saves it. A save carries the taker's
own sequence number and an idempotency key: one SQL statement inserts the answer or updates it only
when the incoming sequence is newer, so a retried request changes nothing and an older write that
arrives late never overwrites a newer one. The answer key never leaves the server.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.instrument.assembly import Candidate, personalise
from assessment.instrument.models import Item
from assessment.rounds.models import Attempt, Participant, Round
from assessment.rounds.services.audit import record
from assessment.rounds.services.lifecycle import current_session

GRACE = timedelta(seconds=15)  # a save sent just before the deadline may arrive just after it


class TakingError(ValueError):
    """Refused with a message for the taker (Indonesian in the UI)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _form_items(round_: Round) -> dict[str, Item]:
    items = Item.objects.filter(bank_id=round_.bank_id, code__in=round_.form_items).select_related(
        "competence"
    )
    return {item.code: item for item in items}


@transaction.atomic
def start(participant: Participant, now: datetime | None = None) -> Attempt:
    """The participant's attempt, made on first start (idempotent: a second start resumes)."""
    now = now or timezone.now()
    existing = Attempt.objects.filter(participant=participant).first()
    if existing is not None:
        return finalise_if_overdue(existing, now)
    round_ = participant.round
    if round_.state != Round.State.OPEN:
        raise TakingError(_("This round is not open."), "closed")
    if current_session(round_, now) is None:
        raise TakingError(
            _("There is no test session now. Check the schedule with your coordinator."), "session"
        )
    items = _form_items(round_)
    form = [
        Candidate(
            code,
            items[code].competence.code,
            items[code].level,
            items[code].is_anchor,
            tuple(o["id"] for o in items[code].options),
        )
        for code in round_.form_items
    ]
    personal = personalise(form, str(round_.form_seed), str(participant.pk))
    return Attempt.objects.create(
        participant=participant,
        deadline_at=now + timedelta(minutes=round_.time_limit_minutes),
        item_order=personal.item_codes,
        option_order=personal.option_order,
    )


def finalise_if_overdue(attempt: Attempt, now: datetime | None = None) -> Attempt:
    now = now or timezone.now()
    if attempt.state == Attempt.State.IN_PROGRESS and now > attempt.deadline_at + GRACE:
        submit(attempt, automatic=True, now=now)
        attempt.refresh_from_db()
    return attempt


def taker_view(attempt: Attempt, now: datetime | None = None) -> dict[str, Any]:
    """What the browser gets: items in the taker's order with options in the taker's order; no keys."""
    now = now or timezone.now()
    attempt = finalise_if_overdue(attempt, now)
    round_ = attempt.participant.round
    items = _form_items(round_)
    answers = {a.item_code: a for a in attempt.answers.all()}
    payload_items = []
    for code in attempt.item_order:
        item = items[code]
        text = {o["id"]: o["text"] for o in item.options}
        payload_items.append(
            {
                "code": code,
                "type": item.type,
                "stem": item.stem,
                "stimulus": item.stimulus,
                "options": [{"id": oid, "text": text[oid]} for oid in attempt.option_order[code]],
            }
        )
    return {
        "attempt": attempt.pk,
        "state": attempt.state,
        "deadline": attempt.deadline_at.isoformat(),
        "server_now": now.isoformat(),
        "allow_back": round_.allow_back,
        "items": payload_items,
        "answers": {
            c: {"response": a.response, "flagged": a.flagged, "seq": a.seq} for c, a in answers.items()
        },
    }


@dataclass(frozen=True)
class SaveResult:
    outcome: str  # "saved", "duplicate" (same key again) or "stale" (a newer answer is stored)
    seq: int


def save_answer(
    attempt: Attempt,
    item_code: str,
    response: list[str],
    flagged: bool,
    seq: int,
    key: str,
    now: datetime | None = None,
) -> SaveResult:
    now = now or timezone.now()
    if attempt.state != Attempt.State.IN_PROGRESS:
        raise TakingError(_("This test has already been submitted; the answer was not saved."), "submitted")
    if now > attempt.deadline_at + GRACE:
        finalise_if_overdue(attempt, now)
        raise TakingError(_("Time is up: answers after the deadline are not accepted."), "deadline")
    if item_code not in attempt.option_order:
        raise TakingError(_("This item is not part of your test."), "item")
    valid = set(attempt.option_order[item_code])
    if not isinstance(response, list) or not all(isinstance(r, str) and r in valid for r in response):
        raise TakingError(_("The answer names options that this item does not have."), "response")
    if len(set(response)) != len(response):
        raise TakingError(_("An option appears twice in the answer."), "response")
    try:
        key_uuid = uuid.UUID(str(key))
    except ValueError:
        raise TakingError(_("The answer has no valid key."), "key") from None

    with connection.cursor() as cursor:
        # One statement: insert, or update only when this write is newer than the stored one.
        cursor.execute(
            """
            INSERT INTO rounds_answer (attempt_id, item_code, response, flagged, seq, key, saved_at)
            VALUES (%s, %s, %s::jsonb, %s, %s, %s, %s)
            ON CONFLICT (attempt_id, item_code) DO UPDATE
               SET response = EXCLUDED.response, flagged = EXCLUDED.flagged, seq = EXCLUDED.seq,
                   key = EXCLUDED.key, saved_at = EXCLUDED.saved_at
             WHERE rounds_answer.seq < EXCLUDED.seq
            RETURNING seq
            """,
            [attempt.pk, item_code, json.dumps(response), flagged, seq, key_uuid, now],
        )
        row = cursor.fetchone()
        if row is not None:
            return SaveResult("saved", seq)
        cursor.execute(
            "SELECT seq, key FROM rounds_answer WHERE attempt_id = %s AND item_code = %s",
            [attempt.pk, item_code],
        )
        stored_seq, stored_key = cursor.fetchone()
    return SaveResult("duplicate" if stored_key == key_uuid else "stale", stored_seq)


def save_answer_for(
    participant_id: int,
    item_code: str,
    response: list[str],
    flagged: bool,
    seq: int,
    key: str,
    now: datetime | None = None,
) -> SaveResult:
    """The test-day hot path: check the attempt and write the answer in one statement.

    The statement writes only for an attempt in progress, before its deadline, with an item and
    options of the taker's form, and only when this write is newer than the stored one. When it
    writes nothing, :func:`save_answer` on the loaded attempt says why (or that it was a retry).
    """
    now = now or timezone.now()
    if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
        raise TakingError(_("The answer names options that this item does not have."), "response")
    try:
        key_uuid = uuid.UUID(str(key))
    except ValueError:
        raise TakingError(_("The answer has no valid key."), "key") from None
    if len(set(response)) == len(response):
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO rounds_answer (attempt_id, item_code, response, flagged, seq, key, saved_at)
                SELECT t.id, %(item)s, %(response)s::jsonb, %(flagged)s, %(seq)s, %(key)s, %(now)s
                  FROM rounds_attempt t
                 WHERE t.participant_id = %(participant)s AND t.state = 'in_progress'
                   AND t.deadline_at >= %(cutoff)s
                   AND t.option_order ? %(item)s::text
                   AND (t.option_order -> %(item)s::text) @> %(response)s::jsonb
                ON CONFLICT (attempt_id, item_code) DO UPDATE
                   SET response = EXCLUDED.response, flagged = EXCLUDED.flagged, seq = EXCLUDED.seq,
                       key = EXCLUDED.key, saved_at = EXCLUDED.saved_at
                 WHERE rounds_answer.seq < EXCLUDED.seq
                RETURNING seq
                """,
                {
                    "item": item_code,
                    "response": json.dumps(response),
                    "flagged": flagged,
                    "seq": seq,
                    "key": key_uuid,
                    "now": now,
                    "participant": participant_id,
                    "cutoff": now - GRACE,
                },
            )
            if cursor.fetchone() is not None:
                return SaveResult("saved", seq)
    attempt = Attempt.objects.filter(participant_id=participant_id).first()
    if attempt is None:
        raise TakingError(_("Your session has ended. Sign in again with your NIP and code."), "login")
    return save_answer(attempt, item_code, response, flagged, seq, key, now)


def submit(attempt: Attempt, automatic: bool = False, now: datetime | None = None) -> Attempt:
    now = now or timezone.now()
    updated = Attempt.objects.filter(pk=attempt.pk, state=Attempt.State.IN_PROGRESS).update(
        state=Attempt.State.SUBMITTED,
        submitted_at=min(now, attempt.deadline_at + GRACE) if automatic else now,
        submitted_automatically=automatic,
    )
    if updated:
        attempt.refresh_from_db()
    return attempt


def _audited(attempt: Attempt, actor: Any, action: str, minutes: int, reason: str) -> Attempt:
    record(
        attempt.participant.round,
        actor,
        action,
        nip=attempt.participant.employee.nip,
        minutes=minutes,
        reason=reason,
    )
    return attempt


@transaction.atomic
def extend_time(attempt: Attempt, minutes: int, actor: Any, reason: str = "") -> Attempt:
    if not 1 <= minutes <= 120:
        raise TakingError(_("Extend by 1 to 120 minutes."), "minutes")
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.state != Attempt.State.IN_PROGRESS:
        raise TakingError(_("A submitted attempt is reopened, not extended."), "submitted")
    attempt.deadline_at += timedelta(minutes=minutes)
    attempt.save(update_fields=["deadline_at"])
    return _audited(attempt, actor, "time_extended", minutes, reason)


@transaction.atomic
def reopen(attempt: Attempt, minutes: int, actor: Any, reason: str = "") -> Attempt:
    if not 1 <= minutes <= 120:
        raise TakingError(_("Reopen for 1 to 120 minutes."), "minutes")
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.participant.round.state != Round.State.OPEN:
        raise TakingError(_("Only attempts of an open round can be reopened."), "closed")
    attempt.state = Attempt.State.IN_PROGRESS
    attempt.submitted_at = None
    attempt.submitted_automatically = False
    attempt.deadline_at = timezone.now() + timedelta(minutes=minutes)
    attempt.save()
    return _audited(attempt, actor, "attempt_reopened", minutes, reason)
