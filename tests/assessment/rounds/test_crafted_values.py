"""Crafted values in the test taker's JSON API are refused with a 400, never a 500.

The NUL middleware leaves JSON bodies to the views (config.middleware), and PostgreSQL refuses what
text cannot hold (NUL, a lone surrogate) and integers beyond its column: each of these reached the
database and came back as a DataError (500). They are now refused before any SQL, with the API's
``{"error": <Indonesian message>, "code": "bad_request"}``, and nothing is stored.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client

from assessment.rounds.models import Answer, Attempt
from tests.assessment.rounds.test_answer_shapes import of_type, signed_in


def post(client: Client, url: str, body: Any) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, raw, content_type="application/json")


def answer(item: Any, response: Any, seq: Any = 1, **extra: Any) -> dict[str, Any]:
    return {"item": item, "response": response, "seq": seq, "key": str(uuid.uuid4()), **extra}


def assert_bad_request(response: Any) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "bad_request"
    assert body["error"]


def nothing_stored(attempt: Attempt) -> bool:
    attempt.refresh_from_db()
    return not Answer.objects.filter(attempt=attempt).exists() and attempt.seen_items == []


def test_a_nul_in_the_item_code_is_a_400(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    assert_bad_request(post(client, "/tes/api/jawab", answer("A\u0000B", [])))
    assert nothing_stored(attempt)


@pytest.mark.parametrize(
    "item",
    [
        "A\ud800",  # a lone surrogate: not UTF-8, PostgreSQL refuses it
        "x" * 31,  # longer than any item code (30, as the seen codes)
        5,  # a code is text
        ["IKD"],
        None,
    ],
)
def test_an_item_code_that_is_no_code_is_a_400(staffed: Any, item: Any) -> None:
    client, attempt = signed_in(staffed)
    assert_bad_request(post(client, "/tes/api/jawab", answer(item, [])))
    assert nothing_stored(attempt)


@pytest.mark.parametrize(
    "response",
    [
        ["a\u0000"],
        ['"\u0000'],
        ["a\udfff"],
        ["x" * 101],  # an option id is short; this long is not our page
        [str(n) for n in range(101)],  # far more options than any item has
    ],
)
def test_option_ids_that_cannot_be_stored_are_a_400(staffed: Any, response: list[str]) -> None:
    client, attempt = signed_in(staffed)
    item = of_type(attempt, "multiple_response")
    assert_bad_request(post(client, "/tes/api/jawab", answer(item, response)))
    assert nothing_stored(attempt)


@pytest.mark.parametrize(
    "seq", [1_000_000_000_000, 2**31, -1, 1.5, "1", True, None, [1], "Infinity", "NaN", "1e400"]
)
def test_a_sequence_number_outside_the_column_is_a_400(staffed: Any, seq: Any) -> None:
    """``rounds_answer.seq`` is a PostgreSQL integer with a check >= 0 (PositiveIntegerField)."""
    client, attempt = signed_in(staffed)
    item = of_type(attempt, "single_choice")
    body = answer(item, attempt.option_order[item][:1], seq=0)
    raw = json.dumps(body)
    if isinstance(seq, str) and seq in {"Infinity", "NaN", "1e400"}:
        raw = raw.replace('"seq": 0', f'"seq": {seq}')  # what json.loads reads as a float
    else:
        body["seq"] = seq
        raw = json.dumps(body)
    assert_bad_request(post(client, "/tes/api/jawab", raw))
    assert nothing_stored(attempt)


def test_the_largest_sequence_number_of_the_column_is_stored(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    item = of_type(attempt, "single_choice")
    saved = post(client, "/tes/api/jawab", answer(item, attempt.option_order[item][:1], seq=2**31 - 1))
    assert saved.json() == {"outcome": "saved", "seq": 2**31 - 1}
    zero = of_type(attempt, "scenario")
    assert post(client, "/tes/api/jawab", answer(zero, [], seq=0)).json()["outcome"] == "saved"


@pytest.mark.parametrize("flagged", ["yes", "false", 2, [], {"a": 1}])
def test_a_flag_that_is_not_a_boolean_is_a_400(staffed: Any, flagged: Any) -> None:
    client, attempt = signed_in(staffed)
    item = of_type(attempt, "single_choice")
    body = answer(item, attempt.option_order[item][:1], flagged=flagged)
    assert_bad_request(post(client, "/tes/api/jawab", body))
    assert nothing_stored(attempt)


@pytest.mark.parametrize("flagged", [True, False, None, 0, 1])
def test_boolean_flags_are_taken(staffed: Any, flagged: Any) -> None:
    client, attempt = signed_in(staffed)
    item = of_type(attempt, "single_choice")
    body = answer(item, attempt.option_order[item][:1], flagged=flagged)
    assert post(client, "/tes/api/jawab", body).json()["outcome"] == "saved"
    assert Answer.objects.get(attempt=attempt, item_code=item).flagged is bool(flagged)


@pytest.mark.parametrize("seen", [["A\u0000"], ["\u0000"], ["A\ud83d"]])
def test_a_report_of_items_shown_that_cannot_be_stored_is_a_400(staffed: Any, seen: list[str]) -> None:
    client, attempt = signed_in(staffed)
    assert_bad_request(post(client, "/tes/api/lihat", {"seen": seen}))
    # ... on its own or piggybacked on an answer.
    item = of_type(attempt, "single_choice")
    assert_bad_request(post(client, "/tes/api/jawab", answer(item, [], seen=seen)))
    assert nothing_stored(attempt)


@pytest.mark.parametrize(
    "told",
    [
        {"left": ["IKD"]},  # not code -> [after, upto]
        {"left": {"A": [1]}},
        {"left": {"A": [1, 2**31]}},  # beyond the sequence numbers' column
        {"left": {"A": [-1, 2]}},
        {"left": {"A": [1.5, 2]}},
        {"left": {"A": ["1", 2]}},
        {"left": {"A": [True, 2]}},
        {"at": 5},
    ],
)
def test_a_report_of_items_left_that_is_no_report_is_refused(staffed: Any, told: dict[str, Any]) -> None:
    client, attempt = signed_in(staffed)
    refused = post(client, "/tes/api/lihat", {"seen": attempt.item_order[:1], **told})
    assert (refused.status_code, refused.json()["code"]) == (422, "seen")
    item = of_type(attempt, "single_choice")
    refused = post(client, "/tes/api/jawab", answer(item, attempt.option_order[item][:1], **told))
    assert (refused.status_code, refused.json()["code"]) == (422, "seen")
    assert nothing_stored(attempt)


@pytest.mark.parametrize("told", [{"left": {"A\u0000": [1, 2]}}, {"at": "A\u0000"}, {"at": "\udc00"}])
def test_a_report_of_items_left_that_cannot_be_stored_is_a_400(staffed: Any, told: dict[str, Any]) -> None:
    client, attempt = signed_in(staffed)
    assert_bad_request(post(client, "/tes/api/lihat", {"seen": attempt.item_order[:1], **told}))
    assert nothing_stored(attempt)


def test_a_body_nested_beyond_the_parser_is_a_400(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    deep = "[" * 100_000 + "]" * 100_000
    assert_bad_request(post(client, "/tes/api/jawab", deep))
    assert_bad_request(post(client, "/tes/api/lihat", deep))
    assert nothing_stored(attempt)


def test_the_submit_reads_no_value_of_the_body(staffed: Any) -> None:
    client, _ = signed_in(staffed)
    submitted = post(client, "/tes/api/kirim", {"x": "A\u0000B", "seq": 10**12})
    assert (submitted.status_code, submitted.json()["state"]) == (200, "submitted")


def test_the_refusal_is_in_indonesian(staffed: Any) -> None:
    client, _ = signed_in(staffed)
    refused = post(client, "/tes/api/jawab", answer("A\u0000B", []))
    assert refused.json()["error"] == "Jawaban tidak dapat dibaca."
