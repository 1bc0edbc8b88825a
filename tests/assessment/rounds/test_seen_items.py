"""The response process: the attempt records which items the test page showed, in the order first shown.

Reports come on their own (``/tes/api/lihat``) or piggybacked on a save; the server keeps the union, only
codes of the attempt's form and only while the attempt is in progress.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.rounds.models import Attempt
from assessment.rounds.services import page_reports, saving, taking
from tests.assessment.rounds.test_answer_shapes import signed_in


def report(client: Any, seen: Any) -> Any:
    return client.post("/tes/api/lihat", {"seen": seen}, content_type="application/json")


def seen_of(attempt: Attempt) -> list[str]:
    attempt.refresh_from_db()
    return list(attempt.seen_items)


def test_items_shown_are_recorded_once_in_the_order_first_shown(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    order = attempt.item_order
    assert seen_of(attempt) == []
    response = report(client, order[:3])
    assert (response.status_code, response.json()) == (200, {"seen": 3})
    assert report(client, [order[3], order[1], order[3], order[4]]).json() == {"seen": 5}
    assert report(client, order[:5]).json() == {"seen": 5}  # a retry changes nothing
    assert seen_of(attempt) == order[:5]
    # Going back to an earlier item and on to a new one: only the new one is added.
    report(client, [order[0], order[7]])
    assert seen_of(attempt) == [*order[:5], order[7]]
    assert client.get("/tes/api/state").json()["seen"] == [*order[:5], order[7]]
    assert taking.reached(attempt) == 8  # the furthest item shown, in the taker's own order


def test_a_save_carries_the_items_shown_since_the_last_report(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    order = attempt.item_order
    report(client, order[:1])
    item = order[2]
    body = {
        "item": item,
        "response": [],
        "seq": 1,
        "key": str(uuid.uuid4()),
        "seen": [order[1], order[2]],
    }
    assert client.post("/tes/api/jawab", body, content_type="application/json").status_code == 200
    assert seen_of(attempt) == order[:3]


def test_a_report_is_one_statement(staffed: Any) -> None:
    _, attempt = signed_in(staffed)
    participant = attempt.participant
    with CaptureQueriesContext(connection) as queries:
        count = page_reports.record_seen(
            participant.pk, attempt.item_order[:2], code_version=participant.code_version
        )
    assert count == 2
    assert len([q for q in queries if not q["sql"].startswith("SET search_path")]) == 1


def test_codes_of_other_forms_are_ignored_and_bad_reports_refused(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    order = attempt.item_order
    assert report(client, ["IKD-9.9-99", order[0], "<script>"]).json() == {"seen": 1}
    assert report(client, ["IKD-9.9-99"]).json() == {"seen": 1}
    assert seen_of(attempt) == order[:1]
    for bad in ("IKD-1.1-01", [1, 2], ["x" * 31], [order[1]] * 501):
        refused = report(client, bad)
        assert refused.status_code == 422, bad
        assert refused.json()["code"] == "seen"
    body = {"item": order[1], "response": [], "seq": 1, "key": str(uuid.uuid4()), "seen": "IKD"}
    refused = client.post("/tes/api/jawab", body, content_type="application/json")
    assert (refused.status_code, refused.json()["code"]) == (422, "seen")
    assert seen_of(attempt) == order[:1]
    assert not attempt.answers.exists()


def test_reports_after_submission_or_the_deadline_change_nothing(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    order = attempt.item_order
    report(client, order[:2])
    assert client.post("/tes/api/kirim").json()["state"] == "submitted"
    refused = report(client, order[2:4])
    assert (refused.status_code, refused.json()["code"]) == (409, "submitted")
    body = {"item": order[2], "response": [], "seq": 1, "key": str(uuid.uuid4()), "seen": order[2:4]}
    assert client.post("/tes/api/jawab", body, content_type="application/json").status_code == 409
    assert seen_of(attempt) == order[:2]

    # Reopened, then past the deadline (and its grace): refused, and the attempt submits itself.
    Attempt.objects.filter(pk=attempt.pk).update(
        state="in_progress", submitted_at=None, deadline_at=attempt.deadline_at - timedelta(hours=2)
    )
    refused = report(client, order[2:4])
    assert (refused.status_code, refused.json()["code"]) == (409, "deadline")
    assert seen_of(attempt) == order[:2]
    assert attempt.state == "submitted"


def test_reached_counts_answered_items_too(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    order = attempt.item_order
    assert taking.reached(attempt) == 0
    fifth = order[4]
    options = attempt.option_order[fifth]
    fits = options if attempt.item_types[fifth] in ("ordering", "multiple_response") else options[:1]
    saving.save_answer(attempt, fifth, fits, False, 1, str(uuid.uuid4()))
    assert taking.reached(attempt) == 5  # answered, never reported as shown (an older page)
    report(client, order[:2])
    attempt.refresh_from_db()
    assert taking.reached(attempt) == 5
    assert taking.reached(attempt, answered=[]) == 2
