"""A query compiled once gives what its queryset gives, in the region selected, in one statement."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from assessment.rounds.models import Answer, Attempt, Participant
from assessment.rounds.services import taking
from config.compiled_query import CompiledQuery
from tests.assessment.rounds.conftest import open_round
from tests.assessment.rounds.test_answer_shapes import BUDI


def _participant_query(built: list[Any]) -> CompiledQuery[Participant]:
    def build(pk: Any) -> Any:
        built.append(pk)
        return Participant.objects.select_related("round__bank", "employee", "attempt").filter(pk=pk)[:1]

    return CompiledQuery(build, marker=-1)


def test_the_same_instances_as_the_queryset_with_related_objects_and_json(staffed: Any) -> None:
    round_ = open_round(staffed)
    budi = Participant.objects.get(round=round_, employee__nip=BUDI)
    attempt = taking.start(budi)
    built: list[Any] = []
    query = _participant_query(built)
    for _ in range(3):
        found = query.first(budi.pk)
        assert found is not None
        assert found.pk == budi.pk
        expected = Participant.objects.select_related("round__bank", "employee", "attempt").get(pk=budi.pk)
        assert found.employee.nip == BUDI
        assert found.round.name == expected.round.name
        assert found.round.bank.locked_at == expected.round.bank.locked_at  # a converted datetime
        assert found.attempt.pk == attempt.pk
        assert found.attempt.item_order == attempt.item_order  # JSON, decoded as the ORM does
        assert found.attempt.deadline_at == attempt.deadline_at
        assert not found._state.adding
        assert found._state.db == "default"
    assert built == [-1]  # built and compiled once; the value goes where the marker was
    assert query.first(10**9) is None


def test_annotations_and_a_missing_relation(staffed: Any) -> None:
    round_ = open_round(staffed)
    budi = Participant.objects.get(round=round_, employee__nip=BUDI)
    query: CompiledQuery[Attempt] = CompiledQuery(
        lambda pk: (
            Attempt.objects.filter(participant_id=pk)
            .select_related("participant__round__bank")
            .annotate(has_answers=Exists(Answer.objects.filter(attempt=OuterRef("pk"))))[:1]
        ),
        marker=-1,
    )
    assert query.first(budi.pk) is None
    taking.start(budi)
    fresh = query.first(budi.pk)
    assert fresh is not None
    assert fresh.has_answers is False
    item = fresh.item_order[0]
    option = fresh.option_order[item][0]
    Answer.objects.create(attempt=fresh, item_code=item, response=[option], seq=1, key=uuid.uuid4())
    answered = query.first(budi.pk)
    assert answered is not None
    assert answered.has_answers is True
    assert answered.participant.round.pk == round_.pk
    # A participant without an attempt, loaded with select_related("attempt"): no query, None.
    never = _participant_query([]).first(Participant.objects.exclude(pk=budi.pk).first().pk)  # type: ignore[union-attr]
    with CaptureQueriesContext(connection) as queries:
        assert taking.attempt_of(never) is None  # type: ignore[arg-type]
    assert not queries.captured_queries


def test_one_sql_for_every_region_each_reads_its_own(staffed: Any, region_b: Any) -> None:
    query: CompiledQuery[Participant] = CompiledQuery(
        lambda nip: Participant.objects.filter(employee__nip=nip), marker="marker"
    )
    round_a = open_round(staffed)
    ids_a = {p.pk for p in query.all(BUDI)}
    assert ids_a == set(
        Participant.objects.filter(round=round_a, employee__nip=BUDI).values_list("pk", flat=True)
    )
    with schema_context(region_b.schema_name):
        assert query.all(BUDI) == []  # region B holds no such employee: nothing of A's
        with CaptureQueriesContext(connection) as queries:
            query.all(BUDI)
        statements = [
            q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")
        ]
        assert len(statements) == 1
        assert "r_" not in statements[0]


def test_a_marker_the_query_does_not_carry_is_refused(db: Any) -> None:
    query: CompiledQuery[Participant] = CompiledQuery(
        lambda value: Participant.objects.filter(pk=1), marker=-1
    )
    with pytest.raises(ValueError, match="marker"):
        query.all(5)
