"""Answers are checked at the door: the taker's save endpoint stores only answers of the item's shape.

Single choice and scenario take exactly one option of the item, multiple response one or more distinct
options, ordering every option once; an empty list clears the answer. Anything else is refused with a
4xx JSON error (an Indonesian message and ``"code": "shape"``) and nothing is stored. The happy path
stays one SQL statement.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessment.rounds.models import Answer, Attempt, Participant
from assessment.rounds.services import codes, saving, taking
from tests.assessment.rounds.conftest import open_round

BUDI = "198703122010011003"


def signed_in(region: Any) -> tuple[Client, Attempt]:
    """A taker signed in with NIP and code through the pages, test started."""
    round_ = open_round(region)
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    client = Client(HTTP_HOST="samarinda.localhost")
    assert client.post("/tes/", {"nip": BUDI, "code": codes.code_for(participant)}).status_code == 302
    assert client.post("/tes/mulai/", {"consent": "1"})["Location"] == "/tes/kerjakan/"
    return client, Attempt.objects.get(participant=participant)


def save(client: Client, item: str, response: Any, seq: int = 1, **extra: Any) -> Any:
    body = {"item": item, "response": response, "seq": seq, "key": str(uuid.uuid4()), **extra}
    return client.post("/tes/api/jawab", body, content_type="application/json")


def of_type(attempt: Attempt, kind: str) -> str:
    return next(code for code in attempt.item_order if attempt.item_types[code] == kind)


def assert_refused(response: Any, message: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "shape"
    assert message in body["error"]  # the taker's language: Indonesian by default


def test_the_attempt_knows_the_type_of_every_item_of_its_form(staffed: Any) -> None:
    _, attempt = signed_in(staffed)
    assert set(attempt.item_types) == set(attempt.item_order)
    assert {"single_choice", "multiple_response", "ordering", "scenario"} <= set(attempt.item_types.values())


def test_a_partial_ordering_is_refused_and_not_stored(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    code = of_type(attempt, "ordering")
    options = attempt.option_order[code]
    assert_refused(save(client, code, options[:1]), "Urutkan semua pilihan")
    assert_refused(save(client, code, options[:-1], seq=2), "Urutkan semua pilihan")
    assert_refused(save(client, code, [*options, options[0]], seq=3), "dua kali")
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_one_option_items_refuse_several_ids(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    for seq, kind in enumerate(("single_choice", "scenario"), start=1):
        code = of_type(attempt, kind)
        assert_refused(save(client, code, attempt.option_order[code][:2], seq=seq), "tepat satu")
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_options_of_another_item_or_none_at_all_are_refused(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    single = of_type(attempt, "single_choice")
    multiple = of_type(attempt, "multiple_response")
    assert_refused(save(client, single, ["z"]), "tidak ada pada soal ini")
    assert_refused(
        save(client, multiple, [attempt.option_order[multiple][0], "z"], seq=2), "tidak ada pada soal ini"
    )
    assert_refused(save(client, single, [1], seq=3), "tidak ada pada soal ini")  # not an option id at all
    duplicated = [attempt.option_order[multiple][0]] * 2
    assert_refused(save(client, multiple, duplicated, seq=4), "dua kali")
    assert not Answer.objects.filter(attempt=attempt).exists()
    # An item that is not on the form is refused too (its own code).
    refused = save(client, "IKD-9.9-99", ["a"], seq=5)
    assert (refused.status_code, refused.json()["code"]) == (422, "item")


def test_valid_answers_of_every_type_are_stored(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    expected = {}
    for seq, kind in enumerate(("single_choice", "scenario", "multiple_response", "ordering"), start=1):
        code = of_type(attempt, kind)
        options = attempt.option_order[code]
        response = {
            "single_choice": options[-1:],
            "scenario": options[:1],
            "multiple_response": options[:2],
            "ordering": list(reversed(options)),
        }[kind]
        saved = save(client, code, response, seq=seq)
        assert saved.status_code == 200, saved.content
        assert saved.json() == {"outcome": "saved", "seq": seq}
        expected[code] = response
    stored = dict(Answer.objects.filter(attempt=attempt).values_list("item_code", "response"))
    assert stored == expected
    # An empty list clears an answer (unanswered), whatever the item's type.
    ordering = of_type(attempt, "ordering")
    assert save(client, ordering, [], seq=10).json()["outcome"] == "saved"
    assert Answer.objects.get(attempt=attempt, item_code=ordering).response == []


def test_the_service_refuses_the_same_shapes(staffed: Any) -> None:
    _, attempt = signed_in(staffed)
    ordering = of_type(attempt, "ordering")
    single = of_type(attempt, "single_choice")
    with pytest.raises(taking.TakingError, match=r"Urutkan semua pilihan|in order") as refused:
        saving.save_answer(attempt, ordering, attempt.option_order[ordering][:2], False, 1, str(uuid.uuid4()))
    assert refused.value.code == "shape"
    with pytest.raises(taking.TakingError, match=r"tepat satu|exactly one"):
        saving.save_answer(attempt, single, attempt.option_order[single][:2], False, 2, str(uuid.uuid4()))
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_a_save_is_one_statement_and_the_shape_check_reads_no_bank(staffed: Any) -> None:
    _, attempt = signed_in(staffed)
    participant = attempt.participant
    ordering = of_type(attempt, "ordering")
    with CaptureQueriesContext(connection) as queries:
        result = saving.save_answer_for(
            participant.pk,
            ordering,
            attempt.option_order[ordering],
            False,
            1,
            str(uuid.uuid4()),
            code_version=participant.code_version,
            seen=attempt.item_order[:3],  # piggybacked report of the items shown: same statement
        )
    assert result.outcome == "saved"
    statements = [q["sql"] for q in queries if not q["sql"].startswith("SET search_path")]
    assert len(statements) == 1, statements


def test_an_attempt_from_before_types_were_kept_gets_them_on_its_first_save(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    Attempt.objects.filter(pk=attempt.pk).update(item_types={})
    ordering = of_type(attempt, "ordering")
    assert_refused(save(client, ordering, attempt.option_order[ordering][:1]), "Urutkan semua pilihan")
    attempt.refresh_from_db()
    assert set(attempt.item_types) == set(attempt.item_order)
    assert save(client, ordering, attempt.option_order[ordering], seq=2).json()["outcome"] == "saved"


def test_a_form_post_or_a_json_list_is_refused_not_a_server_error(staffed: Any) -> None:
    """A multipart form (whose body the NUL check has read) or a JSON array is a 400, never a 500."""
    client, attempt = signed_in(staffed)
    code = attempt.item_order[0]
    for url in ("/tes/api/jawab", "/tes/api/lihat"):
        form = client.post(url, {"item": code, "seq": "1"})
        assert form.status_code == 400, url
        listed = client.post(url, "[1, 2]", content_type="application/json")
        assert listed.status_code == 400, url
        assert listed.json()["code"] == "bad_request"
    assert not Answer.objects.filter(attempt=attempt).exists()
