"""A round without going back (``Round.allow_back`` false) is held by the server too, not only the page.

The page never shows an earlier item again, numbers its changes with one counter per attempt and sends
them in order from its offline queue; when the taker moves on it reports the items left with the numbers
their changes could carry (``left``: code -> [after, upto]) and the item it is at (``at``). A change the
page could not have made (to an item the taker had left) is refused with 409 ``locked``; an answer given
while its item was current and arriving late is saved, and a retry is still a ``duplicate`` (the rule:
the module docstring of ``assessment.rounds.services.saving``). A client that reports no windows (a page
from before them) is held by its answers.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessment.rounds.models import Answer, Attempt, Participant, Round
from assessment.rounds.services import codes, page_reports
from tests.assessment.rounds.conftest import open_round
from tests.assessment.rounds.test_answer_shapes import BUDI


def start(region: Any, *, allow_back: bool = False) -> tuple[Client, Attempt]:
    """A taker signed in through the pages, test started, in a round with or without going back."""
    round_ = open_round(region, allow_back=allow_back)
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    client = Client(HTTP_HOST="samarinda.localhost")
    assert client.post("/tes/", {"nip": BUDI, "code": codes.code_for(participant)}).status_code == 302
    assert client.post("/tes/mulai/", {"consent": "1"})["Location"] == "/tes/kerjakan/"
    return client, Attempt.objects.get(participant=participant)


def fits(attempt: Attempt, code: str, pick: int = 0) -> list[str]:
    """An answer of the item's shape: one option (the ``pick``-th), or all of them in an order."""
    options = list(attempt.option_order[code])
    if attempt.item_types[code] in ("ordering", "multiple_response"):
        return options[pick:] + options[:pick]
    return [options[pick % len(options)]]


def send(client: Client, item: str, response: list[str], seq: int, key: str = "", **extra: Any) -> Any:
    body = {"item": item, "response": response, "seq": seq, "key": key or str(uuid.uuid4()), **extra}
    return client.post("/tes/api/jawab", body, content_type="application/json")


def report(client: Client, seen: list[str], **extra: Any) -> Any:
    return client.post("/tes/api/lihat", {"seen": seen, **extra}, content_type="application/json")


def stored(attempt: Attempt, code: str) -> tuple[list[str], int] | None:
    answer = Answer.objects.filter(attempt=attempt, item_code=code).first()
    return None if answer is None else (answer.response, answer.seq)


def assert_locked(response: Any) -> None:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "locked"
    assert "kembali ke soal sebelumnya" in body["error"]  # the taker's language, Indonesian


def test_the_attempt_keeps_the_rounds_setting_from_its_start(staffed: Any) -> None:
    client, attempt = start(staffed)
    assert attempt.allow_back is False
    Round.objects.filter(pk=attempt.participant.round_id).update(allow_back=True)  # changed while open
    assert client.get("/tes/api/state").json()["allow_back"] is False
    _, other = start(staffed, allow_back=True)
    assert other.allow_back is True


def test_changing_an_answer_after_moving_on_is_refused(staffed: Any) -> None:
    """The review's case, from a client that reports no windows: item 1 answered, items 2-5 answered
    after it, then item 1 again. Its answers alone close the items before them."""
    client, attempt = start(staffed)
    order = attempt.item_order
    for seq, code in enumerate(order[:5], start=1):
        assert send(client, code, fits(attempt, code), seq, seen=[code]).json()["outcome"] == "saved"
    first = stored(attempt, order[0])
    for seq in (6, 2, 1_000_000):  # a newer number, the next after it, any
        assert_locked(send(client, order[0], fits(attempt, order[0], 1), seq))
    assert_locked(send(client, order[3], fits(attempt, order[3], 1), 6))
    assert_locked(send(client, order[1], [], 6))  # clearing is a change too
    assert stored(attempt, order[0]) == first
    # The item being answered still takes changes, and the next one its first answer.
    assert send(client, order[4], fits(attempt, order[4], 1), 6).json()["outcome"] == "saved"
    assert send(client, order[5], fits(attempt, order[5]), 7).json()["outcome"] == "saved"
    attempt.refresh_from_db()
    assert attempt.reached_item == order[5]


def test_the_page_closes_items_left_seen_or_jumped_over(staffed: Any) -> None:
    """What the page reports when the taker moves on closes the items left, answered or not, and the
    items jumped over from the overview, never shown."""
    client, attempt = start(staffed)
    order = attempt.item_order
    # Item 1 shown at counter 0 and answered (1); next: item 2 shown at 1; next: item 3 shown at 1;
    # from the overview on to item 6 (items 4 and 5 never shown).
    assert send(client, order[0], fits(attempt, order[0]), 1, seen=[order[0]], at=order[0]).status_code == 200
    assert report(client, [order[1]], left={order[0]: [0, 1]}, at=order[1]).status_code == 200
    assert report(client, [order[2]], left={order[1]: [1, 1]}, at=order[2]).status_code == 200
    jumped = {order[2]: [1, 1], order[3]: [1, 1], order[4]: [1, 1]}
    assert report(client, [order[5]], left=jumped, at=order[5]).json() == {"seen": 4}
    for code in order[:5]:
        for seq in (1, 2, 50) if code != order[0] else (2, 50):  # (item 1 with 1: stale, it is stored)
            assert_locked(send(client, code, fits(attempt, code, 1), seq))
    assert stored(attempt, order[0]) == (fits(attempt, order[0]), 1)
    assert Answer.objects.filter(attempt=attempt).count() == 1
    assert send(client, order[5], fits(attempt, order[5]), 2).json()["outcome"] == "saved"
    state = client.get("/tes/api/state").json()
    assert (state["reached"], state["seen"]) == (order[5], [order[0], order[1], order[2], order[5]])


def test_a_report_never_widens_a_window(staffed: Any) -> None:
    client, attempt = start(staffed)
    order = attempt.item_order
    assert send(client, order[0], fits(attempt, order[0]), 1, seen=[order[0]], at=order[0]).status_code == 200
    assert report(client, [order[1]], left={order[0]: [0, 1]}, at=order[1]).status_code == 200
    assert report(client, [], left={order[0]: [0, 100]}, at=order[0]).status_code == 200
    assert_locked(send(client, order[0], fits(attempt, order[0], 1), 5))
    # A report naming an item of another form is not taken at all.
    assert report(client, [], left={order[1]: [0, 0], "IKD-9.9-99": [0, 0]}).status_code == 200
    assert send(client, order[1], fits(attempt, order[1]), 2).json()["outcome"] == "saved"
    attempt.refresh_from_db()
    assert attempt.item_windows == {order[0]: [0, 1]}


def test_answers_given_offline_arrive_late_and_are_saved(staffed: Any) -> None:
    """Offline: item 1 changed (2), on to item 2 (shown at 2) answered (3), on to item 3 (shown at 3).
    Back online, the report overtakes the queue; the queue's answers, in order, are still saved, and a
    change the page could not have made is not."""
    client, attempt = start(staffed)
    order = attempt.item_order
    one, two, three = order[:3]
    assert send(client, one, fits(attempt, one), 1, seen=[one], at=one).status_code == 200
    told = {"left": {one: [0, 2], two: [2, 3]}, "at": three}
    assert report(client, [two, three], **told).json() == {"seen": 3}
    assert send(client, one, fits(attempt, one, 1), 2).json() == {"outcome": "saved", "seq": 2}
    assert send(client, two, fits(attempt, two), 3).json() == {"outcome": "saved", "seq": 3}
    assert stored(attempt, one) == (fits(attempt, one, 1), 2)
    assert_locked(send(client, one, fits(attempt, one), 4))
    assert_locked(send(client, two, fits(attempt, two, 1), 4))
    assert send(client, three, fits(attempt, three), 4).json()["outcome"] == "saved"


def test_a_late_answer_carrying_the_report_is_saved_and_so_is_the_next(staffed: Any) -> None:
    """The queue's first answer carries the report made since (piggybacked): the next answers in the
    queue, for items left in between, are still in their windows, each in one statement."""
    client, attempt = start(staffed)
    order = attempt.item_order
    assert report(client, order[:1], at=order[0]).status_code == 200
    told = {"seen": order[1:3], "left": {order[0]: [0, 1], order[1]: [1, 2]}, "at": order[2]}
    assert send(client, order[0], fits(attempt, order[0]), 1, **told).json()["outcome"] == "saved"
    for seq, code in ((2, order[1]), (3, order[2])):
        with CaptureQueriesContext(connection) as queries:
            assert send(client, code, fits(attempt, code), seq).json()["outcome"] == "saved"
        assert len(queries) == 1, [q["sql"] for q in queries]


def test_late_answers_of_a_client_that_reports_no_windows_are_saved(staffed: Any) -> None:
    """A page from before the windows (still open on test day): its queue's answers, in order and late
    after its reports of items shown, are saved; so is an answer that arrives after a later one with
    the lower number it was given. Its answers alone hold the items left."""
    client, attempt = start(staffed)
    order = attempt.item_order
    assert report(client, order[:5]).json() == {"seen": 5}
    for seq, code in enumerate(order[:3], start=1):
        assert send(client, code, fits(attempt, code), seq, seen=order[:5]).json()["outcome"] == "saved"
    assert send(client, order[4], fits(attempt, order[4]), 5).json()["outcome"] == "saved"
    assert send(client, order[3], fits(attempt, order[3]), 4).json()["outcome"] == "saved"
    assert_locked(send(client, order[0], fits(attempt, order[0], 1), 6))
    assert_locked(send(client, order[3], fits(attempt, order[3], 1), 6))


def test_a_retry_is_a_duplicate_whatever_came_since(staffed: Any) -> None:
    client, attempt = start(staffed)
    order = attempt.item_order
    key = str(uuid.uuid4())
    answer = fits(attempt, order[0])
    assert send(client, order[0], answer, 1, key, seen=[order[0]], at=order[0]).json()["outcome"] == "saved"
    told = {"seen": [order[1]], "left": {order[0]: [0, 1]}, "at": order[1]}
    assert send(client, order[1], fits(attempt, order[1]), 2, **told).json()["outcome"] == "saved"
    assert report(client, [order[2]], left={order[1]: [1, 2]}, at=order[2]).status_code == 200
    # The reply was lost: the page sends the same answer again, with its number and key.
    assert send(client, order[0], answer, 1, key).json() == {"outcome": "duplicate", "seq": 1}
    # Even when the window kept is below the stored answer (another device's counter), a retry of the
    # stored answer is a duplicate, and an older one is stale.
    Attempt.objects.filter(pk=attempt.pk).update(item_windows={order[0]: [None, 0]})
    assert send(client, order[0], answer, 1, key).json() == {"outcome": "duplicate", "seq": 1}
    assert send(client, order[0], fits(attempt, order[0], 1), 1).json() == {"outcome": "stale", "seq": 1}
    assert stored(attempt, order[0]) == (answer, 1)


def test_a_first_answer_retried_from_a_client_without_windows_is_a_duplicate(staffed: Any) -> None:
    client, attempt = start(staffed)
    order = attempt.item_order
    key = str(uuid.uuid4())
    assert send(client, order[0], fits(attempt, order[0]), 1).json()["outcome"] == "saved"
    assert send(client, order[1], fits(attempt, order[1]), 2, key).json()["outcome"] == "saved"
    again = send(client, order[1], fits(attempt, order[1]), 2, key).json()
    assert again == {"outcome": "duplicate", "seq": 2}


def test_going_back_allowed_is_unchanged(staffed: Any) -> None:
    client, attempt = start(staffed, allow_back=True)
    order = attempt.item_order
    for seq, code in enumerate(order[:5], start=1):
        assert send(client, code, fits(attempt, code), seq, seen=[code]).json()["outcome"] == "saved"
    assert send(client, order[0], fits(attempt, order[0], 1), 6).json() == {"outcome": "saved", "seq": 6}
    assert send(client, order[2], [], 7).json() == {"outcome": "saved", "seq": 7}
    # A report of windows is not taken from an attempt that may go back.
    assert report(client, [], left={order[1]: [0, 0]}, at=order[4]).status_code == 200
    assert send(client, order[1], fits(attempt, order[1], 1), 8).json()["outcome"] == "saved"
    attempt.refresh_from_db()
    assert (attempt.item_windows, attempt.reached_item) == ({}, "")
    assert attempt.seen_items == order[:5]


def test_an_attempt_from_before_the_copy_follows_the_round(staffed: Any) -> None:
    client, attempt = start(staffed)
    order = attempt.item_order
    Attempt.objects.filter(pk=attempt.pk).update(allow_back=None)
    assert client.get("/tes/api/state").json()["allow_back"] is False
    for seq, code in enumerate(order[:3], start=1):
        assert send(client, code, fits(attempt, code), seq).json()["outcome"] == "saved"
    assert_locked(send(client, order[0], fits(attempt, order[0], 1), 4))
    attempt.refresh_from_db()
    assert attempt.allow_back is False  # copied by the first save that needed it
    # One in a round that allows going back gets that, and its saves are one statement again.
    other_client, other = start(staffed, allow_back=True)
    Attempt.objects.filter(pk=other.pk).update(allow_back=None)
    first, second = other.item_order[:2]
    assert send(other_client, first, fits(other, first), 1).json()["outcome"] == "saved"
    other.refresh_from_db()
    assert other.allow_back is True
    with CaptureQueriesContext(connection) as queries:
        assert send(other_client, second, fits(other, second), 2).json()["outcome"] == "saved"
    assert len(queries) == 1


def test_a_save_without_going_back_is_still_one_statement(staffed: Any) -> None:
    client, attempt = start(staffed)
    order = attempt.item_order
    saves = [
        (order[0], 1, {"seen": [order[0]], "at": order[0]}),  # the first item's answer and report
        (order[0], 2, {}),  # a change to the current item
        (order[1], 3, {"seen": [order[1]], "left": {order[0]: [0, 2]}, "at": order[1]}),  # the next
        (order[1], 4, {}),
    ]
    for code, seq, told in saves:
        with CaptureQueriesContext(connection) as queries:
            assert send(client, code, fits(attempt, code, seq), seq, **told).json()["outcome"] == "saved"
        assert len(queries) == 1, [q["sql"] for q in queries]
    attempt.refresh_from_db()
    assert (attempt.item_windows, attempt.reached_item) == ({order[0]: [0, 2]}, order[1])


def test_a_save_of_the_current_item_rewrites_no_attempt_row(staffed: Any) -> None:
    """The attempt's row is written by a report, not by every save (a written row gets a new ctid)."""
    client, attempt = start(staffed)
    order = attempt.item_order
    assert send(client, order[0], fits(attempt, order[0]), 1, seen=[order[0]], at=order[0]).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT ctid::text FROM rounds_attempt WHERE id = %s", [attempt.pk])
        before = cursor.fetchone()
        assert send(client, order[0], fits(attempt, order[0], 1), 2).json()["outcome"] == "saved"
        assert send(client, order[0], fits(attempt, order[0], 1), 3, at=order[0]).status_code == 200
        cursor.execute("SELECT ctid::text FROM rounds_attempt WHERE id = %s", [attempt.pk])
        assert cursor.fetchone() == before


def test_the_state_says_the_furthest_item_known(staffed: Any) -> None:
    client, attempt = start(staffed)
    order = attempt.item_order
    assert send(client, order[3], fits(attempt, order[3]), 1).status_code == 200
    state = client.get("/tes/api/state").json()
    assert (state["allow_back"], state["reached"]) == (False, order[3])


def test_a_report_alone_is_one_statement(staffed: Any) -> None:
    _, attempt = start(staffed)
    participant = attempt.participant
    order = attempt.item_order
    with CaptureQueriesContext(connection) as queries:
        count = page_reports.record_seen(
            participant.pk,
            order[:2],
            code_version=participant.code_version,
            left={order[0]: [0, 3]},
            at=order[1],
        )
    statements = [q["sql"] for q in queries if not q["sql"].startswith("SET search_path")]
    assert (count, len(statements)) == (2, 1)
    attempt.refresh_from_db()
    assert (attempt.item_windows, attempt.reached_item) == ({order[0]: [0, 3]}, order[1])
