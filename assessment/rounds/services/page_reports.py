"""What the test page reports besides an answer, and the rule it enforces: no going back.

The page reports the items it showed (``seen``, kept in ``Attempt.seen_items`` for the response
process) and, without going back, the windows of the items it left and the item it is at. These reports
ride along with a save (their SQL, :data:`TRACK`, is the ``WITH`` of the save's one statement in
:mod:`assessment.rounds.services.saving`) or come alone (:func:`record_seen`).

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
the answer's ``INSERT``; a report is merged by the same statement, in its ``WITH`` (:data:`TRACK`: a
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
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from assessment.rounds.models import Attempt
from assessment.rounds.services.taking import (
    GRACE,
    MAX_SEEN_REPORT,
    TakingError,
    allows_back,
    finalise_if_overdue,
)

MAX_CODE = 30  # an item code: Answer.item_code's length, as in a report of items shown
MAX_OPTION_ID = 100  # an option id (the banks' are one letter)
MAX_RESPONSE = 100  # option ids in one answer (an item has a handful)
MAX_SEQ = 2**31 - 1  # rounds_answer.seq: a PostgreSQL integer, checked >= 0 (PositiveIntegerField)


class UnreadableValue(ValueError):
    """A value PostgreSQL cannot take (NUL, a lone surrogate, too long, out of range): the API's 400."""


def storable(value: object, limit: int) -> bool:
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


def in_seq_range(number: object) -> bool:
    """An integer (not a bool, not a float) that fits ``rounds_answer.seq``."""
    return type(number) is int and 0 <= number <= MAX_SEQ


# The attempt a taker's request may write to: theirs, in progress, before its deadline (with grace),
# and opened with the participant's current access code (``version`` NULL: not checked, for callers
# that are not a taker's session).
WRITABLE = """
       t.participant_id = %(participant)s AND p.id = t.participant_id
   AND (%(version)s::integer IS NULL OR p.code_version = %(version)s::integer)
   AND t.state = 'in_progress' AND t.deadline_at >= %(cutoff)s
"""

# Whether the page may still change ``%(item)s`` with ``%(seq)s``: within the item's window (the module
# docstring); an item without one (going back allowed, or not left) takes any.
IN_WINDOW = """
       COALESCE(%(seq)s > (t.item_windows -> %(item)s::text ->> 0)::bigint, TRUE)
   AND COALESCE(%(seq)s <= (t.item_windows -> %(item)s::text ->> 1)::bigint, TRUE)
"""

# The guard, without going back (or not known yet): an answer to an item that has no window and is not
# the item the page is at (``reached_item``), unless the request itself reports where the page is
# (``%(vouched)s``), is further on than known: the slow path writes it after closing the items before it
# (``close_before``; it also copies the round's setting to an attempt from before the copy).
NOT_AHEAD = """
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
TRACK = f"""
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
 WHERE {WRITABLE}
   AND ({_SEEN_NEW}
        OR ({_LEFT_TAKEN} AND NOT t.item_windows ?& %(left_codes)s::text[])
        OR ({_AT_TAKEN} AND t.reached_item <> %(at)s::text))
"""  # noqa: S608 - only constants are formatted in


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


def seen_codes(seen: object) -> list[str]:
    """A report of shown items as a list of codes, or :class:`TakingError` ("seen"); a code PostgreSQL
    cannot store (NUL, a lone surrogate) is :class:`UnreadableValue`."""
    if (
        not isinstance(seen, list | tuple)  # a string is a sequence too, of one-letter "codes"
        or len(seen) > MAX_SEEN_REPORT
        or not all(isinstance(code, str) and len(code) <= MAX_CODE for code in seen)
    ):
        raise TakingError(_("The report of the items shown could not be read."), "seen")
    if not all(storable(code, MAX_CODE) for code in seen):
        raise UnreadableValue("seen")
    return list(seen)


def read_report(seen: object, left: object = None, at: object = None) -> Report:
    """The page's report, checked: :class:`TakingError` ("seen") for one that is not a report, and
    :class:`UnreadableValue` for a value PostgreSQL cannot take."""
    codes = seen_codes(seen)
    left = {} if left is None else left
    at = "" if at is None else at
    if (
        not isinstance(left, dict)
        or len(left) > MAX_SEEN_REPORT
        or not all(
            isinstance(window, list) and len(window) == 2 and all(in_seq_range(n) for n in window)
            for window in left.values()
        )
        or not isinstance(at, str)
    ):
        raise TakingError(_("The report of the items shown could not be read."), "seen")
    if not all(storable(code, MAX_CODE) for code in left) or not storable(at, MAX_CODE):
        raise UnreadableValue("left or at")
    return Report(codes, left, at)


def signed_in_attempt(participant_id: int, code_version: int | None) -> Attempt:
    """The participant's attempt for the slow paths; a revoked code or no attempt ends the session."""
    attempt = Attempt.objects.filter(participant_id=participant_id).select_related("participant").first()
    if attempt is None or (code_version is not None and attempt.participant.code_version != code_version):
        raise TakingError(_("Your session has ended. Sign in again with your NIP and code."), "login")
    return attempt


def track(params: dict[str, Any], returning: str = "t.id") -> tuple[Any, ...] | None:
    """``TRACK`` alone: a report without an answer to write."""
    with connection.cursor() as cursor:
        cursor.execute(f"{TRACK} RETURNING {returning}", params)
        row = cursor.fetchone()
    return None if row is None else tuple(row)


def close_before(attempt: Attempt, item_code: str, seq: int, now: datetime) -> None:
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
    report = read_report(seen, left, at)
    if report:
        params = {
            "participant": participant_id,
            "version": code_version,
            "cutoff": now - GRACE,
            **report.params(),
        }
        row = track(params, returning="jsonb_array_length(t.seen_items)")
        if row is not None:
            return int(row[0])
    # Nothing written: nothing new (a retry, or foreign codes), or the attempt may not be written.
    attempt = signed_in_attempt(participant_id, code_version)
    if attempt.state != Attempt.State.IN_PROGRESS:
        raise TakingError(_("This test has already been submitted."), "submitted")
    if now > attempt.deadline_at + GRACE:
        finalise_if_overdue(attempt, now)
        raise TakingError(_("Time is up: answers after the deadline are not accepted."), "deadline")
    return len(attempt.seen_items)
