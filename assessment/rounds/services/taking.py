"""Taking the test: start, the taker's view of the form, saving answers, submitting; deadlines.

Every answer is committed to PostgreSQL inside the request that saves it. A save carries the taker's
own sequence number and an idempotency key: one SQL statement inserts the answer or updates it only
when the incoming sequence is newer, so a retried request changes nothing and an older write that
arrives late never overwrites a newer one. The answer key never leaves the server.

Answers are checked at the door: only a response of the item's shape is stored (single choice and
scenario: one option; multiple response: one or more distinct options; ordering: every option once;
an empty list clears the answer). A malformed answer stored once made the whole round's scoring fail.
The attempt carries its items' types (``Attempt.item_types``, copied at start), so the hot path checks
the shape inside its one statement instead of reading the bank on every save.

The same statement checks the session's access-code version against the participant's: revoking a
code ends every session opened with it, at no extra query.

The start page says, before the taker taps anything, whether they can start now: inside a session
window, or when the next one begins (``start_facts``); a taker who resumes an attempt already consented
and is shown the time left instead of the consent again.

The response process: the page reports which items it showed (``Attempt.seen_items``, in the order
first shown), batched and piggybacked on saves. The server keeps the union in one ``UPDATE``, only for
codes of the attempt's form and only while the attempt is in progress. Scoring reads it to tell an item
the taker never reached from one they saw and skipped.

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
import functools
import hashlib
import json
import re
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import psycopg
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.instrument.assembly import Candidate, personalise
from assessment.instrument.models import Item
from assessment.rounds.models import Attempt, Participant, Round, Session
from assessment.rounds.services import bank_items
from assessment.rounds.services.audit import record
from assessment.rounds.services.sessions import current_session, next_session
from assessment.scoring.responses import shape_problem

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
        "allow_back": round_.allow_back,
        "items": payload_items,
        "seen": attempt.seen_items,
        "answers": {
            c: {"response": a.response, "flagged": a.flagged, "seq": a.seq} for c, a in answers.items()
        },
    }


@dataclass(frozen=True)
class SaveResult:
    outcome: str  # "saved", "duplicate" (same key again) or "stale" (a newer answer is stored)
    seq: int


def check_shape(item_type: str, options: Sequence[str], response: object) -> list[str]:
    """``response`` if it is an answer of the item's shape, else :class:`TakingError` ("shape").

    The rule is the engine's (``scoring.responses.shape_problem``), so what is stored always scores;
    the hot path's single statement checks the same in SQL. An empty list is the taker clearing their
    answer (unanswered) and fits every type.
    """
    problem = shape_problem(item_type, options, response)
    if problem is None:
        return response  # type: ignore[return-value]  # a list of str, checked above
    if problem == "unknown_type":
        raise TakingError(_("This item is not part of your test."), "item")
    messages = {
        "not_text": _("The answer names options that this item does not have."),
        "unknown_option": _("The answer names options that this item does not have."),
        "repeated": _("An option appears twice in the answer."),
        "not_one": _("Choose exactly one option for this item."),
        "not_all": _("Put all of this item's options in order: an ordering answer lists each option once."),
    }
    raise TakingError(messages[problem], "shape")


def _item_type(attempt: Attempt, item_code: str) -> str:
    """The item's type from the attempt; an attempt from before types were kept gets them now, once."""
    if item_code not in attempt.item_types:
        round_ = attempt.participant.round
        own = _form_items(round_, list(attempt.option_order))  # the attempt's form only
        attempt.item_types = {code: item.type for code, item in own.items()}
        Attempt.objects.filter(pk=attempt.pk).update(item_types=attempt.item_types)
    return str(attempt.item_types.get(item_code, ""))


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
    check_shape(_item_type(attempt, item_code), attempt.option_order[item_code], response)
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


# The attempt a taker's request may write to: theirs, in progress, before its deadline (with grace),
# and opened with the participant's current access code (``version`` NULL: not checked, for callers
# that are not a taker's session).
_WRITABLE = """
       t.participant_id = %(participant)s AND p.id = t.participant_id
   AND (%(version)s::integer IS NULL OR p.code_version = %(version)s::integer)
   AND t.state = 'in_progress' AND t.deadline_at >= %(cutoff)s
"""

# Union of the reported codes into seen_items, in the order reported; codes of other forms and codes
# already recorded are left out, and a report with nothing new leaves the row alone (no rewrite).
_SEEN_UPDATE = f"""
UPDATE rounds_attempt t
   SET seen_items = t.seen_items || (
         SELECT jsonb_agg(s.code ORDER BY s.pos) FROM (
           SELECT x.code, min(x.pos) AS pos
             FROM jsonb_array_elements_text(%(seen)s::jsonb) WITH ORDINALITY AS x(code, pos)
            WHERE t.option_order ? x.code AND NOT t.seen_items ? x.code
            GROUP BY x.code) s)
  FROM rounds_participant p
 WHERE {_WRITABLE}
   AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(%(seen)s::jsonb) AS y(code)
                WHERE t.option_order ? y.code AND NOT t.seen_items ? y.code)
"""  # noqa: S608 - only constants are formatted in

# The answer, written only for a writable attempt, an item of its form, options of that item and a
# response of the item's shape (containment and the count suffice: the ids were checked distinct),
# and only when this write is newer than the stored one. An attempt without the item's type (from
# before types were kept) writes nothing here: the slow path reads the bank. Every use of a parameter
# has the same type (``%(item)s::text`` throughout), as server-side binding needs (``_write``).
_ANSWER_INSERT = f"""
INSERT INTO rounds_answer (attempt_id, item_code, response, flagged, seq, key, saved_at)
SELECT t.id, %(item)s::text, %(response)s::jsonb, %(flagged)s, %(seq)s, %(key)s, %(now)s
  FROM rounds_attempt t, rounds_participant p
 WHERE {_WRITABLE}
   AND t.option_order ? %(item)s::text
   AND (t.option_order -> %(item)s::text) @> %(response)s::jsonb
   AND CASE t.item_types ->> %(item)s::text
         WHEN 'ordering' THEN %(n)s::integer IN (0, jsonb_array_length(t.option_order -> %(item)s::text))
         WHEN 'multiple_response' THEN TRUE
         WHEN 'single_choice' THEN %(n)s::integer <= 1
         WHEN 'scenario' THEN %(n)s::integer <= 1
         ELSE FALSE
       END
ON CONFLICT (attempt_id, item_code) DO UPDATE
   SET response = EXCLUDED.response, flagged = EXCLUDED.flagged, seq = EXCLUDED.seq,
       key = EXCLUDED.key, saved_at = EXCLUDED.saved_at
 WHERE rounds_answer.seq < EXCLUDED.seq
RETURNING seq
"""  # noqa: S608 - only constants are formatted in


def _seen_codes(seen: object) -> list[str]:
    """A report of shown items as a list of codes, or :class:`TakingError` ("seen")."""
    if (
        not isinstance(seen, list | tuple)  # a string is a sequence too, of one-letter "codes"
        or len(seen) > MAX_SEEN_REPORT
        or not all(isinstance(code, str) and len(code) <= 30 for code in seen)
    ):
        raise TakingError(_("The report of the items shown could not be read."), "seen")
    return list(seen)


def _signed_in_attempt(participant_id: int, code_version: int | None) -> Attempt:
    """The participant's attempt for the slow paths; a revoked code or no attempt ends the session."""
    attempt = Attempt.objects.filter(participant_id=participant_id).select_related("participant").first()
    if attempt is None or (code_version is not None and attempt.participant.code_version != code_version):
        raise TakingError(_("Your session has ended. Sign in again with your NIP and code."), "login")
    return attempt


_TABLES = re.compile(r"(?<![\w.])(rounds_(?:answer|attempt|participant))\b(?!\.)")


@functools.lru_cache(maxsize=4096)
def _in_schema(statement: str, schema: str) -> str:
    """``statement`` with its tables named in ``schema``, so it needs no ``SET search_path`` first."""
    return _TABLES.sub(lambda m: f"{connection.ops.quote_name(schema)}.{m.group(1)}", statement)


# A connection's psycopg threshold for preparing a statement by itself: never. Django's cursors bind
# client-side and cannot be prepared anyway; only ``_write`` asks (``prepare=True``).
_PREPARE_ONLY_WHEN_ASKED = 2**31


def _write(statement: str, params: dict[str, Any]) -> bool:
    """Run the hot path's one statement; True when it returned a row (the answer was written).

    On a region's open connection, in autocommit and not read-only, the statement goes straight to the
    driver with its tables named in the region's schema: no ``SET search_path`` and no health-check
    ``SELECT 1`` before it, two round trips of the four a save cost (docs/testday-performance.md).
    There it is prepared, once per connection and region (``psycopg.Cursor``, ``prepare=True``), and
    afterwards only bound and run: measured, PostgreSQL's CPU per save fell from about 0.8 to 0.4 ms
    (parsing and planning the statement each time was most of it) and psycopg's from quoting the
    parameters into the text as Django's cursors do (docs/testday-performance.md). Django leaves
    psycopg's ``prepare_threshold`` unset, which turns preparing off altogether; it is set here to a
    count never reached, so nothing else is prepared by itself (Django's client-side cursors cannot be
    prepared at all). Prepared statements need a server session per client connection: PgBouncer in
    session mode, as deployed.
    Outside a transaction (a request) autocommit commits it before this returns; inside one it is part
    of it, as through Django's cursor. A connection found broken (PostgreSQL restarted) is closed and
    the statement runs again the ordinary way, which reconnects: it is idempotent (a write that did
    commit makes the second run write nothing, and the slow path calls it a duplicate). A read-only
    region's connection, or none yet, takes the ordinary way (which syncs the read-only mode).
    """
    db = connections[DEFAULT_DB_ALIAS]  # once: every ``connection.x`` is a thread-local look-up
    schema = str(getattr(db, "schema_name", "public"))
    raw = db.connection
    if (
        raw is not None
        and schema != "public"
        and not getattr(db, "read_only_wanted", False)
        and not getattr(db, "_read_only_applied", False)
        and not db.execute_wrappers  # someone watches every statement: the ordinary way
    ):
        sql = _in_schema(statement, schema)
        if raw.prepare_threshold is None:  # Django's: psycopg then prepares nothing, even when asked
            raw.prepare_threshold = _PREPARE_ONLY_WHEN_ASKED
        try:
            started = time.monotonic()
            with db.wrap_database_errors, psycopg.Cursor(raw) as cursor:
                cursor.execute(sql, params, prepare=True)
                wrote = cursor.fetchone() is not None
            if db.queries_logged:  # DEBUG or a test's query capture still sees it
                db.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
            return wrote
        except (OperationalError, InterfaceError):
            if db.in_atomic_block:
                raise  # the caller's transaction is lost with the connection
            db.close()  # broken: the ordinary way below connects anew
    with db.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone() is not None


def save_answer_for(
    participant_id: int,
    item_code: str,
    response: list[str],
    flagged: bool,
    seq: int,
    key: str,
    now: datetime | None = None,
    *,
    code_version: int | None = None,
    seen: Sequence[str] = (),
) -> SaveResult:
    """The test-day hot path: check the attempt and write the answer in one statement.

    The statement writes only for an attempt in progress, before its deadline, opened with the
    participant's current access code (``code_version``, from the session), with an item and options
    of the taker's form in the item's shape, and only when this write is newer than the stored one.
    Codes in ``seen`` (items the page showed since its last report) are added to the attempt's
    ``seen_items`` by the same statement. When it writes no answer, :func:`save_answer` on the loaded
    attempt says why (or that it was a retry).
    """
    now = now or timezone.now()
    if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
        raise TakingError(_("The answer names options that this item does not have."), "shape")
    seen = _seen_codes(seen)
    try:
        key_uuid = uuid.UUID(str(key))
    except ValueError:
        raise TakingError(_("The answer has no valid key."), "key") from None
    params: dict[str, Any] = {
        "item": item_code,
        "response": json.dumps(response),
        "n": len(response),
        "flagged": flagged,
        "seq": seq,
        "key": key_uuid,
        "now": now,
        "participant": participant_id,
        "version": code_version,
        "cutoff": now - GRACE,
        "seen": json.dumps(seen),
    }
    # Duplicated ids would pass the containment test: those go to the slow path, which says why.
    if len(set(response)) == len(response):
        # A data-modifying WITH runs to completion whatever the INSERT does: still one statement.
        statement = (
            f"WITH seen AS ({_SEEN_UPDATE} RETURNING t.id) {_ANSWER_INSERT}" if seen else _ANSWER_INSERT
        )
        if _write(statement, params):
            return SaveResult("saved", seq)
    elif seen:
        record_seen(participant_id, seen, now, code_version=code_version)
    attempt = _signed_in_attempt(participant_id, code_version)
    return save_answer(attempt, item_code, response, flagged, seq, key, now)


def record_seen(
    participant_id: int,
    seen: Sequence[str],
    now: datetime | None = None,
    *,
    code_version: int | None = None,
) -> int:
    """Add the items the page reports as shown to the attempt's ``seen_items``; the number now recorded.

    Idempotent (a union, in the order first reported); codes not of the attempt's form are ignored. One
    ``UPDATE`` when something is new; a report after submission or the deadline is refused and changes
    nothing.
    """
    now = now or timezone.now()
    codes = _seen_codes(seen)
    if codes:
        with connection.cursor() as cursor:
            cursor.execute(
                f"{_SEEN_UPDATE} RETURNING jsonb_array_length(t.seen_items)",
                {
                    "participant": participant_id,
                    "version": code_version,
                    "cutoff": now - GRACE,
                    "seen": json.dumps(codes),
                },
            )
            row = cursor.fetchone()
            if row is not None:
                return int(row[0])
    # Nothing written: nothing new (a retry, or foreign codes), or the attempt may not be written.
    attempt = _signed_in_attempt(participant_id, code_version)
    if attempt.state != Attempt.State.IN_PROGRESS:
        raise TakingError(_("This test has already been submitted."), "submitted")
    if now > attempt.deadline_at + GRACE:
        finalise_if_overdue(attempt, now)
        raise TakingError(_("Time is up: answers after the deadline are not accepted."), "deadline")
    return len(attempt.seen_items)


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
