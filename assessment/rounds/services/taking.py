"""Taking the test: start, the taker's view of the form, submitting; deadlines and the time allowed.

Saving answers (the test-day hot path) is :mod:`assessment.rounds.services.saving`, which uses this
module's deadline rule (``GRACE``, :func:`finalise_if_overdue`) and errors (:class:`TakingError`).

The start page says, before the taker taps anything, whether they can start now: inside a session
window, or when the next one begins (``start_facts``); a taker who resumes an attempt already consented
and is shown the time left instead of the consent again. The attempt carries its items' types
(``Attempt.item_types``, copied at start), so the save path checks an answer's shape without the bank.

The response process: the page reports which items it showed (``Attempt.seen_items``, in the order
first shown); scoring reads it to tell an item the taker never reached from one they saw and skipped.

The round's "no going back" setting (``Round.allow_back``) is copied to the attempt at start
(``Attempt.allow_back``), like the item types: the page and the save path keep the rule the attempt
began with, even when the round's setting is changed while it is open. The save path enforces it
(:mod:`assessment.rounds.services.saving`).

Parallel forms (issue #17): a round may have two to four forms (``Round.forms``). A taker's form is
chosen when their attempt starts and stored on it (``Attempt.form``), so a reload or another device
keeps it, and their item order, option orders and item types hold that form's items only: the save
path's check that an item is in ``option_order`` refuses an answer to another form's item. The form is
the session's spiral: the session's counter (``Session.starts``) is raised by the statement that finds
the running session (no query more than with one form), and the n-th start of a session gets form
``(offset + n - 1) mod k``, the offset drawn from the round's seed and the session. Each session thus
gives every form to an equal share of its takers (within one), neighbours who start one after the other
get different forms, and concurrent starts take turns on the session's row instead of reading the same
count. A round with one form keeps the plain look-up and writes nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.instrument.assembly import Candidate, personalise
from assessment.instrument.models import Item
from assessment.rounds.models import Attempt, Participant, Round, Session
from assessment.rounds.services import bank_items
from assessment.rounds.services.audit import record
from assessment.rounds.services.sessions import current_session, next_session

GRACE = timedelta(seconds=15)  # a save sent just before the deadline may arrive just after it
MAX_SEEN_REPORT = 500  # codes in one report: a form is far shorter; anything longer is not our page


class TakingError(ValueError):
    """Refused with a message for the taker (Indonesian in the UI)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _form_items(round_: Round, codes: Sequence[str] | None = None) -> dict[str, Item]:
    """The round's items by code: those of ``codes``, or of every form of the round. A round loaded
    with its bank (the taker's queries) gives the bank's lock time, which spares a query."""
    locked_at: datetime | Literal["ask"] | None = (
        round_.bank.locked_at if Round.bank.is_cached(round_) else "ask"
    )
    return bank_items.form_items(round_.bank_id, round_.form_items if codes is None else codes, locked_at)


def attempt_of(participant: Participant) -> Attempt | None:
    """The participant's attempt: the one loaded with them (``select_related("attempt")``, as the
    taker's pages load them) or read now."""
    try:
        return participant.attempt
    except Attempt.DoesNotExist:
        return None


# The session running now takes the next start: its counter goes up by one and says which parallel
# form this taker gets. The same statement finds the session, so the start path costs no extra query;
# the row lock it takes (until the start commits) makes concurrent starts in one session take turns.
_NEXT_START = """
UPDATE rounds_session SET starts = starts + 1
 WHERE id = (SELECT id FROM rounds_session WHERE round_id = %s AND starts_at <= %s AND ends_at >= %s
              ORDER BY starts_at, id LIMIT 1)
RETURNING id, starts
"""


# Whether a session runs now (current_session's question, without building the ORM query per start).
_SESSION_NOW = (
    "SELECT 1 FROM rounds_session WHERE round_id = %s AND starts_at <= %s AND ends_at >= %s LIMIT 1"
)


def assigned_form(round_seed: str, session: object, ordinal: int, count: int) -> int:
    """The parallel form (0-based) of the ``ordinal``-th start (1-based) in a session: round the circle
    of forms from a starting form drawn from the round's seed and the session, so every session gives
    each form to every ``count``-th taker (shares equal within one) and sessions start on different
    forms. One form: always 0."""
    if count <= 1:
        return 0
    offset = int.from_bytes(hashlib.sha256(f"{round_seed}|{session}".encode()).digest()[:4], "big")
    return (offset + ordinal - 1) % count


def _next_form(round_: Round, now: datetime) -> int | None:
    """The form of a start now (None: no session runs). With one form this is the plain session look-up
    (no row is written); with several, the session's counter is taken in the same statement."""
    with connection.cursor() as cursor:
        if len(round_.forms) <= 1:
            cursor.execute(_SESSION_NOW, [round_.pk, now, now])
            return None if cursor.fetchone() is None else 0
        cursor.execute(_NEXT_START, [round_.pk, now, now])
        row = cursor.fetchone()
    if row is None:
        return None
    return assigned_form(str(round_.form_seed), row[0], int(row[1]), max(len(round_.forms), 1))


def start(participant: Participant, now: datetime | None = None) -> Attempt:
    """The participant's attempt, made on first start (idempotent: a second start resumes).

    With one form the only write is the attempt's INSERT, atomic by itself: no transaction around it
    (two round trips of a start storm's every start). Two starts of one taker at once: the unique
    participant refuses the second INSERT, which then resumes the first one's attempt. With parallel
    forms the session's counter and the INSERT commit together (``_start_form``)."""
    now = now or timezone.now()
    existing = attempt_of(participant)
    if existing is not None:
        return finalise_if_overdue(existing, now)
    round_ = participant.round
    if round_.state != Round.State.OPEN:
        raise TakingError(_("This round is not open."), "closed")
    # Parallel forms: the session's counter and the INSERT commit together. Inside a caller's
    # transaction: a savepoint, so that a refused INSERT leaves it usable. Otherwise the INSERT alone.
    together = len(round_.forms) > 1 or connection.in_atomic_block
    try:
        with transaction.atomic() if together else contextlib.nullcontext():
            return _start_form(participant, round_, now)
    except IntegrityError:
        made = Attempt.objects.filter(participant=participant).first()  # by a start at the same moment
        if made is None:
            raise
        return finalise_if_overdue(made, now)


def _start_form(participant: Participant, round_: Round, now: datetime) -> Attempt:
    # With parallel forms every form's items are read first, so that the session's row, locked by the
    # counter until this start commits, is held only for the shuffle and the insert.
    items = _form_items(round_) if len(round_.forms) > 1 else None
    form_index = _next_form(round_, now)
    if form_index is None:
        raise TakingError(
            _("There is no test session now. Check the schedule with your coordinator."), "session"
        )
    codes = round_.form_codes(form_index)
    items = items if items is not None else _form_items(round_, codes)
    form = [
        Candidate(
            code,
            items[code].competence.code,
            items[code].level,
            items[code].is_anchor,
            tuple(o["id"] for o in items[code].options),
            # The ordering key keeps a person's shuffle away from an order that would score if confirmed.
            key_order=tuple(items[code].key) if items[code].type == Item.Type.ORDERING else (),
        )
        for code in codes
    ]
    personal = personalise(form, str(round_.form_seed), str(participant.pk))
    return Attempt.objects.create(
        participant=participant,
        deadline_at=now + timedelta(minutes=round_.time_limit_minutes),
        form=form_index,
        item_order=personal.item_codes,
        option_order=personal.option_order,
        item_types={code: items[code].type for code in codes},
        allow_back=round_.allow_back,  # the rule the attempt keeps (the save path enforces it)
    )


@dataclass(frozen=True)
class StartFacts:
    """What the start page tells a taker before they tap anything."""

    attempt: Attempt | None  # their attempt, if they started (never a submitted one: that page is another)
    resuming: bool  # an attempt in progress: no consent again, the time left instead
    seconds_left: int  # of an attempt in progress
    can_start: bool  # a tap starts or resumes the test now
    session: Session | None  # the session running now
    next_session: Session | None  # when no session runs and no attempt is in progress: the next one


def start_facts(participant: Participant, now: datetime | None = None) -> StartFacts:
    """Whether the taker can start now, and if not when they can; an attempt in progress resumes at any
    time (its deadline, not the session's end, limits it)."""
    now = now or timezone.now()
    attempt = Attempt.objects.filter(participant=participant).first()
    if attempt is not None:
        attempt = finalise_if_overdue(attempt, now)
    if attempt is not None and attempt.state == Attempt.State.IN_PROGRESS:
        left = max(0, int((attempt.deadline_at - now).total_seconds()))
        return StartFacts(attempt, True, left, True, None, None)
    round_ = participant.round
    session = current_session(round_, now) if round_.state == Round.State.OPEN else None
    upcoming = None if session is not None else next_session(round_, now)
    return StartFacts(attempt, False, 0, session is not None and attempt is None, session, upcoming)


def finalise_if_overdue(attempt: Attempt, now: datetime | None = None) -> Attempt:
    now = now or timezone.now()
    if attempt.state == Attempt.State.IN_PROGRESS and now > attempt.deadline_at + GRACE:
        submit(attempt, automatic=True, now=now)
        attempt.refresh_from_db()
    return attempt


def allows_back(attempt: Attempt) -> bool:
    """Whether the taker may go back to earlier items: the round's setting as the attempt started (an
    attempt from before that was kept follows the round's setting now)."""
    if attempt.allow_back is not None:
        return attempt.allow_back
    return attempt.participant.round.allow_back


def taker_view(attempt: Attempt, now: datetime | None = None) -> dict[str, Any]:
    """What the browser gets: items in the taker's order with options in the taker's order; no keys."""
    now = now or timezone.now()
    attempt = finalise_if_overdue(attempt, now)
    round_ = attempt.participant.round
    items = _form_items(round_, attempt.item_order)
    # An attempt loaded with ``has_answers`` (the test API's query) spares the read when it has none:
    # every first load of a start storm.
    has_answers = getattr(attempt, "has_answers", True)
    answers = {a.item_code: a for a in attempt.answers.all()} if has_answers else {}
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
        "allow_back": allows_back(attempt),
        "items": payload_items,
        "seen": attempt.seen_items,
        # Without going back, the page starts no earlier than the furthest item the server knows of.
        "reached": attempt.reached_item,
        "answers": {
            c: {"response": a.response, "flagged": a.flagged, "seq": a.seq} for c, a in answers.items()
        },
    }


def reached(attempt: Attempt, answered: Iterable[str] | None = None) -> int:
    """How far the taker got: the position (1-based) in their own item order of the last item shown or
    answered; 0 when nothing was. ``answered`` (item codes with a non-empty answer) is read when not
    given."""
    if answered is None:
        answered = attempt.answers.exclude(response=[]).values_list("item_code", flat=True)
    touched = set(attempt.seen_items) | set(answered)
    positions = [n for n, code in enumerate(attempt.item_order, start=1) if code in touched]
    return max(positions, default=0)


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
        employee=attempt.participant.employee_id,  # what the audit trail keeps instead of the NIP
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
