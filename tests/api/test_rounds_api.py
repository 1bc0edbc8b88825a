"""Rounds and participation through the region API: who may read them, what they say, and that a
key of one region gets nothing from another."""

from __future__ import annotations

from typing import Any

import pytest

from api.keys.scopes import Scope
from assessment.rounds.models import Attempt, Participant, Round
from tests.api import factories_results
from tests.api.factories_results import HOST_B, client_for, key_for
from tests.api.keys import issue_key

pytestmark = pytest.mark.django_db
scored_module = factories_results.scored_module  # the module's scored round, made once
scored_a = factories_results.scored_a

ROUNDS = "/api/v1/rounds/"


def test_rounds_need_a_key_with_results_read(scored_a: Any) -> None:
    _region, round_ = scored_a
    assert client_for(None).get(ROUNDS).status_code == 401
    refused = client_for(key_for(Scope.REGISTER_READ, Scope.RESULTS_PERSONAL)).get(ROUNDS)
    assert refused.status_code == 403
    assert "results:read" in refused.json()["detail"]
    answer = client_for(key_for(Scope.RESULTS_READ)).get(ROUNDS)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    body = answer.json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["id"] == round_.pk
    assert row["name"] == "Pengukuran IKD 2023"
    assert row["state"] == Round.State.PUBLISHED
    assert row["scored"] is True
    assert row["first_session_starts"]
    assert row["last_session_ends"]


def test_rounds_filter_by_state(scored_a: Any) -> None:
    client = client_for(key_for(Scope.RESULTS_READ))
    assert client.get(ROUNDS, {"state": "published"}).json()["count"] == 1
    assert client.get(ROUNDS, {"state": "open"}).json()["count"] == 0
    bad = client.get(ROUNDS, {"state": "finished"})
    assert bad.status_code == 400
    assert "state" in bad.json()["detail"]


def test_a_round_counts_participation_per_unit(scored_a: Any) -> None:
    _region, round_ = scored_a
    body = client_for(key_for(Scope.RESULTS_READ)).get(f"{ROUNDS}{round_.pk}/").json()
    invited = Participant.objects.filter(round=round_)
    submitted = Attempt.objects.filter(participant__round=round_, state=Attempt.State.SUBMITTED).count()
    assert body["participation"] == {
        "invited": invited.count(),
        "started": Attempt.objects.filter(participant__round=round_).count(),
        "finished": submitted,
    }
    assert body["participation"]["invited"] == 300
    assert body["participation"]["finished"] == 260
    units = {u["unit_id"]: u for u in body["units"]}
    assert set(units) == set(invited.values_list("unit_id", flat=True))
    one = next(iter(units.values()))
    assert one["invited"] == invited.filter(unit_id=one["unit_id"]).count()
    assert sum(u["finished"] for u in units.values()) == 260
    assert [u["unit"] for u in body["units"]] == sorted(u["unit"] for u in body["units"])


@pytest.mark.parametrize("raw", ["999999", "0", "-3", "abc", "99999999999999999999", "１２"])
def test_an_unknown_or_malformed_round_is_a_json_404(scored_a: Any, raw: str) -> None:
    response = client_for(key_for(Scope.RESULTS_READ)).get(f"{ROUNDS}{raw}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_key_of_region_a_gets_nothing_from_region_b(scored_a: Any) -> None:
    _region, round_ = scored_a
    key = issue_key(*Scope)
    for path in (ROUNDS, f"{ROUNDS}{round_.pk}/"):
        response = client_for(key, host=HOST_B).get(path)
        assert response.status_code == 401, path
        assert round_.name not in response.content.decode()
