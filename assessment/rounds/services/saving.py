"""Saving answers on test day: the hot path and the slow path that says why a write did not happen.

Every answer is committed to PostgreSQL inside the request that saves it. A save carries the taker's
own sequence number and an idempotency key: one SQL statement inserts the answer or updates it only
when the incoming sequence is newer, so a retried request changes nothing and an older write that
arrives late never overwrites a newer one.

Answers are checked at the door: only a response of the item's shape is stored (single choice and
scenario: one option; multiple response: one or more distinct options; ordering: every option once;
an empty list clears the answer). A malformed answer stored once made the whole round's scoring fail.
The attempt carries its items' types (``Attempt.item_types``, copied at start), so the hot path checks
the shape inside its one statement instead of reading the bank on every save.

The same statement checks the session's access-code version against the participant's: revoking a
code ends every session opened with it, at no extra query. Items the page reports as shown
(``Attempt.seen_items``) are added by the same statement when piggybacked on a save, or by
:func:`~assessment.rounds.services.page_reports.record_seen` alone.

No going back and the values a save may carry are :mod:`assessment.rounds.services.page_reports`'s: the
rule's pieces of SQL are part of the save's one statement.

The hot path (:func:`save_answer_for`) writes in one statement and, only when it wrote nothing, loads
the attempt for :func:`save_answer`, which checks step by step and says why (submitted, deadline,
item, shape, key, locked) or that it was a retry. Its cost is in docs/testday-performance.md.
"""

from __future__ import annotations

import functools
import json
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.rounds.models import Attempt
from assessment.rounds.services.page_reports import (
    IN_WINDOW,
    MAX_CODE,
    MAX_OPTION_ID,
    MAX_RESPONSE,
    NOT_AHEAD,
    TRACK,
    WRITABLE,
    UnreadableValue,
    close_before,
    in_seq_range,
    read_report,
    signed_in_attempt,
    storable,
    track,
)
from assessment.rounds.services.taking import (
    GRACE,
    TakingError,
    _form_items,
    finalise_if_overdue,
)
from assessment.scoring.responses import shape_problem


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
    if not in_seq_range(seq):
        raise UnreadableValue("seq")
    params: dict[str, Any] = {
        "attempt": attempt.pk,
        "item": item_code,
        "response": json.dumps(response),
        "flagged": flagged,
        "seq": seq,
        "key": key_uuid,
        "now": now,
    }
    with connection.cursor() as cursor:
        # One statement: insert, or update only when this write is newer than the stored one, and only
        # within the item's window (no going back: the module docstring).
        cursor.execute(
            f"""
            INSERT INTO rounds_answer (attempt_id, item_code, response, flagged, seq, key, saved_at)
            SELECT t.id, %(item)s, %(response)s::jsonb, %(flagged)s, %(seq)s, %(key)s, %(now)s
              FROM rounds_attempt t
             WHERE t.id = %(attempt)s AND {IN_WINDOW}
            ON CONFLICT (attempt_id, item_code) DO UPDATE
               SET response = EXCLUDED.response, flagged = EXCLUDED.flagged, seq = EXCLUDED.seq,
                   key = EXCLUDED.key, saved_at = EXCLUDED.saved_at
             WHERE rounds_answer.seq < EXCLUDED.seq
            RETURNING seq
            """,  # noqa: S608 - only constants are formatted in
            params,
        )
        row = cursor.fetchone()
        if row is not None:
            return SaveResult("saved", seq)
        cursor.execute(
            """
            SELECT a.seq, a.key, (t.item_windows -> %(item)s ->> 0)::bigint,
                   (t.item_windows -> %(item)s ->> 1)::bigint
              FROM rounds_attempt t
              LEFT JOIN rounds_answer a ON a.attempt_id = t.id AND a.item_code = %(item)s
             WHERE t.id = %(attempt)s
            """,
            params,
        )
        stored_seq, stored_key, after, upto = cursor.fetchone()
    # A retry first: the answer stored with this key is a duplicate whatever is known since.
    if stored_key == key_uuid:
        return SaveResult("duplicate", stored_seq)
    if stored_seq is not None and stored_seq >= seq:
        return SaveResult("stale", stored_seq)
    if (after is not None and seq <= after) or (upto is not None and seq > upto):
        raise TakingError(
            _(
                "This item is closed: this test does not allow going back to earlier items, so the "
                "answer was not changed."
            ),
            "locked",
        )
    return SaveResult("stale", seq if stored_seq is None else stored_seq)  # not reached: written meanwhile


# The answer, written only for a writable attempt, an item of its form, options of that item and a
# response of the item's shape (containment and the count suffice: the ids were checked distinct),
# within the item's window and not further on than known without going back (the guard), and only when
# this write is newer than the stored one. An attempt without the item's type (from before types were
# kept) writes nothing here: the slow path reads the bank. Every use of a parameter has the same type
# (``%(item)s::text`` throughout), as server-side binding needs (``_write``).
_ANSWER_INSERT = f"""
INSERT INTO rounds_answer (attempt_id, item_code, response, flagged, seq, key, saved_at)
SELECT t.id, %(item)s::text, %(response)s::jsonb, %(flagged)s, %(seq)s, %(key)s, %(now)s
  FROM rounds_attempt t, rounds_participant p
 WHERE {WRITABLE}
   AND t.option_order ? %(item)s::text
   AND (t.option_order -> %(item)s::text) @> %(response)s::jsonb
   AND CASE t.item_types ->> %(item)s::text
         WHEN 'ordering' THEN %(n)s::integer IN (0, jsonb_array_length(t.option_order -> %(item)s::text))
         WHEN 'multiple_response' THEN TRUE
         WHEN 'single_choice' THEN %(n)s::integer <= 1
         WHEN 'scenario' THEN %(n)s::integer <= 1
         ELSE FALSE
       END
   AND {IN_WINDOW}
   AND {NOT_AHEAD}
ON CONFLICT (attempt_id, item_code) DO UPDATE
   SET response = EXCLUDED.response, flagged = EXCLUDED.flagged, seq = EXCLUDED.seq,
       key = EXCLUDED.key, saved_at = EXCLUDED.saved_at
 WHERE rounds_answer.seq < EXCLUDED.seq
RETURNING seq
"""  # noqa: S608 - only constants are formatted in

# A save that carries a report: the report first, in the same statement (a data-modifying WITH runs to
# completion whatever the INSERT does; the INSERT sees the attempt as it was before the statement).
_REPORT_AND_ANSWER = f"WITH tracked AS ({TRACK} RETURNING t.id) {_ANSWER_INSERT}"


_TABLES = re.compile(r"(?<![\w.])(rounds_(?:answer|attempt|participant|round))\b(?!\.)")


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
    left: object = None,
    at: object = None,
) -> SaveResult:
    """The test-day hot path: check the attempt and write the answer in one statement.

    The statement writes only for an attempt in progress, before its deadline, opened with the
    participant's current access code (``code_version``, from the session), with an item and options
    of the taker's form in the item's shape, within the item's window (no going back), and only when
    this write is newer than the stored one. A report riding along (``seen``: items the page showed
    since its last report; without going back ``left``, the windows of the items it left, and ``at``,
    the item it is at) is recorded by the same statement. When it writes no answer, :func:`save_answer`
    on the loaded attempt says why (or that it was a retry). Values PostgreSQL cannot take are
    :class:`UnreadableValue`.
    """
    now = now or timezone.now()
    if not storable(item_code, MAX_CODE) or not in_seq_range(seq):
        raise UnreadableValue("item or seq")
    if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
        raise TakingError(_("The answer names options that this item does not have."), "shape")
    if len(response) > MAX_RESPONSE or not all(storable(r, MAX_OPTION_ID) for r in response):
        raise UnreadableValue("response")
    report = read_report(seen, left, at)
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
        # The request says where the page is: the guard is not needed (the module docstring).
        "vouched": item_code == report.at or item_code in report.left,
    }
    if report:
        params.update(report.params())
    # Duplicated ids would pass the containment test: those go to the slow path, which says why.
    if len(set(response)) == len(response):
        if _write(_REPORT_AND_ANSWER if report else _ANSWER_INSERT, params):
            return SaveResult("saved", seq)
    elif report:
        track(params)
    attempt = signed_in_attempt(participant_id, code_version)
    close_before(attempt, item_code, seq, now)
    return save_answer(attempt, item_code, response, flagged, seq, key, now)
