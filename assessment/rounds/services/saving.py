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
:func:`record_seen` alone.

No going back (``Round.allow_back`` false, copied to ``Attempt.allow_back`` at start). What the page
does: it never shows an item before the current one again ("previous" is off, the overview opens only
the current item or a later one), so an item left, answered or skipped unanswered, is never returned to,
and every change it makes is to the item shown at that moment. It numbers its changes with one counter
per attempt, across items (``seq``, kept in the device's storage, never below the highest stored), and
sends them from a queue in the order made, one at a time, each retried with the same ``seq`` and key
until acknowledged; its reports (items shown, items left) travel on their own or ride along with a save,
and may overtake answers still queued.

The rule: every change to an item lies in the item's *window* ``(after, upto]``: above the counter when
the page first showed the item, at most the counter when the taker left it. When the taker moves on
(next, or a jump from the overview) the page reports each item left with its window (an item jumped over
and never shown gets an empty one, ``after = upto``) and the item it is now at (``left`` and ``at`` in a
report). The attempt keeps the first window reported for each item (``Attempt.item_windows``: a later
report never widens it) and the item the page is at (``Attempt.reached_item``). A change outside its
item's window is one the page never sends: it is refused (409 ``locked``) and changes nothing. Whether
a change lies in its window depends only on the ``seq`` it was given, not on when it arrives: an answer
given while its item was current and sent late (the offline queue, a retry after a lost reply) is inside
it whatever arrived meanwhile, and a retry of a stored answer is still a ``duplicate`` (the slow path
looks for the stored key before it speaks of the window). Once an answered item's last change is stored
no number is left between it and the window's end; an item left unanswered has none at all.

A client that reports no windows (a page from before them still open on test day, a hand-made request)
is held by its answers: the first answer to an item further on than ``reached_item`` closes every earlier
item without a window at that answer's ``seq`` minus one (a change to an earlier item was made before
it, and answers leave the queue in order). The fast statement leaves such an answer to the slow path
(the *guard*), which knows the taker's item order, once per item; the page's reports name the item it is
at (``at``), so its own saves never take that way. The check costs two look-ups in the attempt's row by
the answer's ``INSERT``; a report is merged by the same statement, in its ``WITH`` (:data:`_TRACK`: a
jsonb concatenation, only when a report rides along, as before): no extra statement. Measured
in-process against the statement before (PostgreSQL's backend CPU per save): a save without a report
the same (about 0.15 ms); an item's first save carrying its report the same where going back is allowed,
about 0.07 ms more without going back (the attempt's row, rewritten for ``seen_items`` already, now
carries the windows too).

Limits: what the page has not reported, the server does not refuse (a client that reports nothing and
answers no later item), and two devices answering one attempt at the same time count on separate
counters (the stale rule already orders their answers by ``seq`` alone), which this rule does not tell
apart; a device that takes over starts at the furthest item known.

Values that PostgreSQL cannot take (text with NUL or a lone surrogate, a code longer than its column,
a ``seq`` outside the column's integer range or below 0) are refused before any SQL
(:class:`UnreadableValue`; the API answers 400): cheap checks of the few short strings of a save.

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
from assessment.rounds.services.taking import (
    GRACE,
    MAX_SEEN_REPORT,
    TakingError,
    _form_items,
    allows_back,
    finalise_if_overdue,
)
from assessment.scoring.responses import shape_problem

MAX_CODE = 30  # an item code: Answer.item_code's length, as in a report of items shown
MAX_OPTION_ID = 100  # an option id (the banks' are one letter)
MAX_RESPONSE = 100  # option ids in one answer (an item has a handful)
MAX_SEQ = 2**31 - 1  # rounds_answer.seq: a PostgreSQL integer, checked >= 0 (PositiveIntegerField)


class UnreadableValue(ValueError):
    """A value PostgreSQL cannot take (NUL, a lone surrogate, too long, out of range): the API's 400."""


def _storable(value: object, limit: int) -> bool:
    """Whether ``value`` is text PostgreSQL can store, of at most ``limit`` characters: no NUL, and
    UTF-8 (JSON may carry a lone surrogate, which Python keeps and PostgreSQL refuses)."""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def _in_range(number: object) -> bool:
    """An integer (not a bool, not a float) that fits ``rounds_answer.seq``."""
    return type(number) is int and 0 <= number <= MAX_SEQ


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
    if not _in_range(seq):
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
             WHERE t.id = %(attempt)s AND {_IN_WINDOW}
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


# The attempt a taker's request may write to: theirs, in progress, before its deadline (with grace),
# and opened with the participant's current access code (``version`` NULL: not checked, for callers
# that are not a taker's session).
_WRITABLE = """
       t.participant_id = %(participant)s AND p.id = t.participant_id
   AND (%(version)s::integer IS NULL OR p.code_version = %(version)s::integer)
   AND t.state = 'in_progress' AND t.deadline_at >= %(cutoff)s
"""

# Whether the page may still change ``%(item)s`` with ``%(seq)s``: within the item's window (the module
# docstring); an item without one (going back allowed, or not left) takes any.
_IN_WINDOW = """
       COALESCE(%(seq)s > (t.item_windows -> %(item)s::text ->> 0)::bigint, TRUE)
   AND COALESCE(%(seq)s <= (t.item_windows -> %(item)s::text ->> 1)::bigint, TRUE)
"""

# The guard, without going back (or not known yet): an answer to an item that has no window and is not
# the item the page is at (``reached_item``), unless the request itself reports where the page is
# (``%(vouched)s``), is further on than known: the slow path writes it after closing the items before it
# (``_close_before``; it also copies the round's setting to an attempt from before the copy).
_NOT_AHEAD = """
       NOT (t.allow_back IS NOT TRUE AND NOT %(vouched)s AND t.reached_item <> %(item)s::text
            AND NOT t.item_windows ? %(item)s::text)
"""

# Reported codes new to seen_items (of the attempt's form, not yet recorded).
_SEEN_NEW = """
EXISTS (SELECT 1 FROM jsonb_array_elements_text(%(seen)s::jsonb) AS y(code)
         WHERE t.option_order ? y.code AND NOT t.seen_items ? y.code)
"""

# Without going back (or not known yet: an attempt from before the copy), the windows of items left
# (``%(left)s``, code -> [after, upto]) are taken when every code is of the attempt's form; a window
# already kept stays (the right operand of ``||`` wins). And the item the page is at, of the form.
_LEFT_TAKEN = "t.allow_back IS NOT TRUE AND t.option_order ?& %(left_codes)s::text[]"
_AT_TAKEN = "t.allow_back IS NOT TRUE AND t.option_order ? %(at)s::text"

# What a report tells, recorded: the union of the codes shown into seen_items, in the order reported
# (codes of other forms and codes already recorded left out), the windows of items left and the item the
# page is at. A report with nothing new leaves the row alone (no rewrite).
_TRACK = f"""
UPDATE rounds_attempt t
   SET seen_items = CASE WHEN {_SEEN_NEW} THEN t.seen_items || (
         SELECT jsonb_agg(s.code ORDER BY s.pos) FROM (
           SELECT x.code, min(x.pos) AS pos
             FROM jsonb_array_elements_text(%(seen)s::jsonb) WITH ORDINALITY AS x(code, pos)
            WHERE t.option_order ? x.code AND NOT t.seen_items ? x.code
            GROUP BY x.code) s) ELSE t.seen_items END,
       item_windows = CASE WHEN {_LEFT_TAKEN} THEN %(left)s::jsonb || t.item_windows ELSE t.item_windows END,
       reached_item = CASE WHEN {_AT_TAKEN} THEN %(at)s::text ELSE t.reached_item END
  FROM rounds_participant p
 WHERE {_WRITABLE}
   AND ({_SEEN_NEW}
        OR ({_LEFT_TAKEN} AND NOT t.item_windows ?& %(left_codes)s::text[])
        OR ({_AT_TAKEN} AND t.reached_item <> %(at)s::text))
"""  # noqa: S608 - only constants are formatted in

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
   AND {_IN_WINDOW}
   AND {_NOT_AHEAD}
ON CONFLICT (attempt_id, item_code) DO UPDATE
   SET response = EXCLUDED.response, flagged = EXCLUDED.flagged, seq = EXCLUDED.seq,
       key = EXCLUDED.key, saved_at = EXCLUDED.saved_at
 WHERE rounds_answer.seq < EXCLUDED.seq
RETURNING seq
"""  # noqa: S608 - only constants are formatted in

# A save that carries a report: the report first, in the same statement (a data-modifying WITH runs to
# completion whatever the INSERT does; the INSERT sees the attempt as it was before the statement).
_REPORT_AND_ANSWER = f"WITH tracked AS ({_TRACK} RETURNING t.id) {_ANSWER_INSERT}"


@dataclass(frozen=True)
class Report:
    """What the page reports besides an answer: the items it showed since its last report (``seen``),
    without going back the windows of the items it left (``left``: code -> [after, upto]) and the item
    it is at (``at``, "" when not said)."""

    seen: list[str]
    left: dict[str, list[int]]
    at: str

    def __bool__(self) -> bool:
        return bool(self.seen or self.left or self.at)

    def params(self) -> dict[str, Any]:
        # The codes as an array literal: one parameter type whatever the count (prepared statements).
        quoted = ('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in self.left)
        return {
            "seen": json.dumps(self.seen),
            "left": json.dumps(self.left),
            "left_codes": "{" + ",".join(quoted) + "}",
            "at": self.at,
        }


def _seen_codes(seen: object) -> list[str]:
    """A report of shown items as a list of codes, or :class:`TakingError` ("seen"); a code PostgreSQL
    cannot store (NUL, a lone surrogate) is :class:`UnreadableValue`."""
    if (
        not isinstance(seen, list | tuple)  # a string is a sequence too, of one-letter "codes"
        or len(seen) > MAX_SEEN_REPORT
        or not all(isinstance(code, str) and len(code) <= MAX_CODE for code in seen)
    ):
        raise TakingError(_("The report of the items shown could not be read."), "seen")
    if not all(_storable(code, MAX_CODE) for code in seen):
        raise UnreadableValue("seen")
    return list(seen)


def _report(seen: object, left: object = None, at: object = None) -> Report:
    """The page's report, checked: :class:`TakingError` ("seen") for one that is not a report, and
    :class:`UnreadableValue` for a value PostgreSQL cannot take."""
    codes = _seen_codes(seen)
    left = {} if left is None else left
    at = "" if at is None else at
    if (
        not isinstance(left, dict)
        or len(left) > MAX_SEEN_REPORT
        or not all(
            isinstance(window, list) and len(window) == 2 and all(_in_range(n) for n in window)
            for window in left.values()
        )
        or not isinstance(at, str)
    ):
        raise TakingError(_("The report of the items shown could not be read."), "seen")
    if not all(_storable(code, MAX_CODE) for code in left) or not _storable(at, MAX_CODE):
        raise UnreadableValue("left or at")
    return Report(codes, left, at)


def _signed_in_attempt(participant_id: int, code_version: int | None) -> Attempt:
    """The participant's attempt for the slow paths; a revoked code or no attempt ends the session."""
    attempt = Attempt.objects.filter(participant_id=participant_id).select_related("participant").first()
    if attempt is None or (code_version is not None and attempt.participant.code_version != code_version):
        raise TakingError(_("Your session has ended. Sign in again with your NIP and code."), "login")
    return attempt


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
    if not _storable(item_code, MAX_CODE) or not _in_range(seq):
        raise UnreadableValue("item or seq")
    if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
        raise TakingError(_("The answer names options that this item does not have."), "shape")
    if len(response) > MAX_RESPONSE or not all(_storable(r, MAX_OPTION_ID) for r in response):
        raise UnreadableValue("response")
    report = _report(seen, left, at)
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
        _track(params)
    attempt = _signed_in_attempt(participant_id, code_version)
    _close_before(attempt, item_code, seq, now)
    return save_answer(attempt, item_code, response, flagged, seq, key, now)


def _track(params: dict[str, Any], returning: str = "t.id") -> tuple[Any, ...] | None:
    """``_TRACK`` alone: a report without an answer to write."""
    with connection.cursor() as cursor:
        cursor.execute(f"{_TRACK} RETURNING {returning}", params)
        row = cursor.fetchone()
    return None if row is None else tuple(row)


def _close_before(attempt: Attempt, item_code: str, seq: int, now: datetime) -> None:
    """Without going back, an answer to an item further on than known (from a client that reports no
    windows; the guard sent it here) closes every earlier item that has no window yet at ``seq - 1``:
    a change to an earlier item was made before this answer. The answer's item becomes the item known
    reached. Nothing for an item already left or reached, an attempt that may go back or not be written.
    An attempt from before the round's setting was copied gets it now, once (the guard asks for it)."""
    if attempt.allow_back is None and attempt.state == Attempt.State.IN_PROGRESS:
        attempt.allow_back = allows_back(attempt)
        Attempt.objects.filter(pk=attempt.pk, allow_back=None).update(allow_back=attempt.allow_back)
    if (
        attempt.allow_back
        or item_code in attempt.item_windows
        or item_code == attempt.reached_item
        or item_code not in attempt.item_order
        or attempt.state != Attempt.State.IN_PROGRESS
        or now > attempt.deadline_at + GRACE
    ):
        return
    order = list(attempt.item_order)
    position = order.index(item_code)
    closed = {code: [None, seq - 1] for code in order[:position] if code not in attempt.item_windows}
    reached = attempt.reached_item
    if reached not in order or order.index(reached) < position:
        reached = item_code
    with connection.cursor() as cursor:
        # The windows already kept stay as they are (the right operand of || wins).
        cursor.execute(
            "UPDATE rounds_attempt SET item_windows = %s::jsonb || item_windows, reached_item = %s"
            " WHERE id = %s AND state = 'in_progress'",
            [json.dumps(closed), reached, attempt.pk],
        )
    attempt.item_windows = {**closed, **attempt.item_windows}
    attempt.reached_item = reached


def record_seen(
    participant_id: int,
    seen: Sequence[str],
    now: datetime | None = None,
    *,
    code_version: int | None = None,
    left: object = None,
    at: object = None,
) -> int:
    """Record the page's report (the items it showed, added to ``seen_items``; without going back the
    windows of the items it left and the item it is at); the number of items now recorded as seen.

    Idempotent (a union, in the order first reported; a window kept is never replaced); codes not of the
    attempt's form are ignored. One ``UPDATE`` when something is new; a report after submission or the
    deadline is refused and changes nothing.
    """
    now = now or timezone.now()
    report = _report(seen, left, at)
    if report:
        params = {
            "participant": participant_id,
            "version": code_version,
            "cutoff": now - GRACE,
            **report.params(),
        }
        row = _track(params, returning="jsonb_array_length(t.seen_items)")
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
