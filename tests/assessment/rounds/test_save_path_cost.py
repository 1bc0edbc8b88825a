"""The answer save's cost taken out (issue #20) with its guarantees kept.

A save is one statement sent straight to PostgreSQL with its tables named in the region's schema (no
``SET search_path``, no health check before it), and the test-taking API finds its region in a cache
kept per process for a few seconds. What must still hold: the answer stored once, the newer revision
kept, the shape checked, a suspended region refused, a revoked code ending the session.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessment.rounds.models import Answer
from assessment.rounds.services import codes, saving
from tenants import middleware as region_routing
from tenants.services import status
from tests.assessment.rounds.test_answer_shapes import of_type, save, signed_in


def test_a_save_through_the_api_is_one_statement_in_the_region_schema(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    item = of_type(attempt, "single_choice")
    option = attempt.option_order[item][0]
    assert save(client, item, [option], seq=1).status_code == 200  # the region is now cached
    with CaptureQueriesContext(connection) as queries:
        response = save(client, item, [option], seq=2)
    assert response.json() == {"outcome": "saved", "seq": 2}
    statements = [q["sql"] for q in queries]
    # No region look-up, no search_path: the one statement names the schema itself.
    assert len(statements) == 1, statements
    assert f'INTO "{staffed.schema_name}".rounds_answer' in statements[0]
    assert Answer.objects.get(attempt=attempt, item_code=item).seq == 2


def test_retries_and_late_revisions_change_nothing(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    item = of_type(attempt, "single_choice")
    first, second = attempt.option_order[item][:2]
    body = {"item": item, "response": [second], "seq": 5, "key": "6f1c1c8e-2b7a-4a53-9d0c-3e8f2a1b0c9d"}
    assert client.post("/tes/api/jawab", body, content_type="application/json").json()["outcome"] == "saved"
    again = client.post("/tes/api/jawab", body, content_type="application/json").json()
    assert again == {"outcome": "duplicate", "seq": 5}
    assert save(client, item, [first], seq=4).json() == {"outcome": "stale", "seq": 5}
    stored = Answer.objects.get(attempt=attempt, item_code=item)
    assert (stored.response, stored.seq, Answer.objects.filter(attempt=attempt).count()) == ([second], 5, 1)


def test_the_shape_is_still_checked(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    single = of_type(attempt, "single_choice")
    assert save(client, single, attempt.option_order[single][:2]).status_code == 422
    assert save(client, single, ["not-an-option"]).status_code == 422
    assert not Answer.objects.filter(attempt=attempt).exists()


def test_a_suspension_saved_in_this_process_reaches_the_cached_api_at_once(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    item = of_type(attempt, "single_choice")
    option = attempt.option_order[item][0]
    assert save(client, item, [option], seq=1).status_code == 200
    status.suspend(staffed, actor="operator", reason="test")
    assert save(client, item, [option], seq=2).status_code == 403  # read-only: refused before the view
    assert Answer.objects.get(attempt=attempt, item_code=item).seq == 1


def test_a_change_made_elsewhere_reaches_the_api_after_the_cache_time(staffed: Any, settings: Any) -> None:
    client, attempt = signed_in(staffed)
    item = of_type(attempt, "single_choice")
    option = attempt.option_order[item][0]
    assert save(client, item, [option], seq=1).status_code == 200
    # Another process suspends the region: no signal here. Within the cache time the API still
    # writes; once it has passed (0 here) the status is read again.
    type(staffed).objects.filter(pk=staffed.pk).update(status="suspended")
    settings.REGION_CACHE_SECONDS = 0
    assert save(client, item, [option], seq=2).status_code == 403
    region_routing.forget_regions()


def test_a_revoked_code_still_ends_the_session(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    item = of_type(attempt, "single_choice")
    option = attempt.option_order[item][0]
    assert save(client, item, [option], seq=1).status_code == 200
    codes.revoke(attempt.participant, None)
    assert save(client, item, [option], seq=2).status_code == 401


def test_tables_are_named_in_the_schema_and_column_references_are_left_alone() -> None:
    statement = "INSERT INTO rounds_answer (x) SELECT 1 FROM rounds_attempt t WHERE rounds_answer.seq < 2"
    assert saving._in_schema(statement, "r_64_02") == (
        'INSERT INTO "r_64_02".rounds_answer (x) SELECT 1 FROM "r_64_02".rounds_attempt t '
        "WHERE rounds_answer.seq < 2"
    )


def _prepared_saves() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if "rounds_answer" in row[0]]


def test_the_save_is_prepared_once_per_connection(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    item = of_type(attempt, "single_choice")
    first, second = attempt.option_order[item][:2]
    for seq in (1, 2, 3):
        assert save(client, item, [first if seq % 2 else second], seq=seq).json()["outcome"] == "saved"
    # One prepared statement, in the region's schema, whatever the number of saves; Django's own
    # statements (bound client-side) are never prepared.
    prepared = _prepared_saves()
    assert len(prepared) == 1, prepared
    assert f'"{staffed.schema_name}".rounds_answer' in prepared[0]
    raw = connection.connection
    assert raw is not None
    assert raw.prepare_threshold == saving._PREPARE_ONLY_WHEN_ASKED


def test_the_statements_stay_short_enough_for_psycopg_to_keep_their_conversion() -> None:
    """psycopg converts a statement's ``%(name)s`` placeholders once and keeps the result only for a
    statement of at most MAX_CACHED_STATEMENT_LENGTH bytes; a longer one is converted on every save
    (measured: about 80 us of CPU more per save). Schema names of regions are short (``r_64_72``)."""
    from psycopg import _queries

    limit = getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", 4096)
    for statement in (saving._ANSWER_INSERT, saving._REPORT_AND_ANSWER):
        assert len(saving._in_schema(statement, "r_" + "x" * 40).encode()) <= limit
