"""Results through the region API: the figures the pages show, small groups hidden by the disclosure
rule for aggregate keys, personal results and learning plans only for keys allowed to read them."""

from __future__ import annotations

from typing import Any

import pytest

from api.keys.scopes import Scope
from assessment.results.models import Aggregate, Score
from assessment.results.services import roadmaps
from audit.models import Event
from benchmark.disclosure import MIN_CELL
from tests.api import factories_results
from tests.api.factories_results import HOST_B, client_for, key_for
from tests.api.keys import issue_key

pytestmark = pytest.mark.django_db
scored_module = factories_results.scored_module  # the module's scored round, made once
scored_a = factories_results.scored_a


def paths(round_id: int, unit_id: int, nip: str) -> dict[str, list[str]]:
    base = f"/api/v1/rounds/{round_id}"
    return {
        "aggregate": [
            f"{base}/results/",
            f"{base}/results/units/",
            f"{base}/results/units/{unit_id}/",
            f"{base}/results/segments/",
        ],
        "personal": [f"{base}/employee-results/", f"/api/v1/employees/{nip}/results/"],
    }


def _any_score(round_: Any) -> Score:
    return Score.objects.filter(round=round_, complete=True).select_related("employee").order_by("pk")[0]


def test_each_results_operation_needs_its_scope(scored_a: Any) -> None:
    _region, round_ = scored_a
    score = _any_score(round_)
    table = paths(round_.pk, score.unit_id, score.employee.nip)
    aggregate, personal = key_for(Scope.RESULTS_READ), key_for(Scope.RESULTS_PERSONAL)
    for path in table["aggregate"]:
        assert client_for(None).get(path).status_code == 401, path
        assert client_for(personal).get(path).status_code == 403, path
        assert client_for(aggregate).get(path).status_code == 200, path
    for path in table["personal"]:
        assert client_for(None).get(path).status_code == 401, path
        refused = client_for(aggregate).get(path)
        assert refused.status_code == 403, path
        assert "results:personal" in refused.json()["detail"]
        assert client_for(personal).get(path).status_code == 200, path


def test_a_key_of_region_a_gets_no_result_from_region_b(scored_a: Any) -> None:
    _region, round_ = scored_a
    score = _any_score(round_)
    key = issue_key(*Scope)
    for group in paths(round_.pk, score.unit_id, score.employee.nip).values():
        for path in group:
            response = client_for(key, host=HOST_B).get(path)
            assert response.status_code == 401, path
            assert score.employee.nip not in response.content.decode()


def test_region_figures_are_the_pages_figures(scored_a: Any) -> None:
    _region, round_ = scored_a
    body = client_for(key_for(Scope.RESULTS_READ)).get(f"/api/v1/rounds/{round_.pk}/results/").json()
    stored = Aggregate.objects.get(round=round_, dimension="region")
    region = body["region"]
    assert region["suppressed"] is False
    assert region["figures"]["n"] == stored.n == Score.objects.filter(round=round_, complete=True).count()
    assert region["figures"]["mean"] == pytest.approx(stored.mean)
    assert [a["mean"] for a in region["figures"]["areas"]] == pytest.approx(stored.area_means)
    assert region["figures"]["level_shares"] == pytest.approx(stored.level_shares)
    assert set(body["areas"]) == {"1", "2", "3", "4", "5"}
    assert body["min_group"] == MIN_CELL


def _check_breakdown(groups: list[dict[str, Any]], stored: dict[str, Aggregate]) -> int:
    """Every shown group is the stored one and holds 0 or >= MIN_CELL people; every group under
    MIN_CELL is hidden, and never alone (one hidden group would follow from the total)."""
    hidden = [g for g in groups if g["suppressed"]]
    for g in groups:
        row = stored[g["key"]]
        if 0 < row.n < MIN_CELL:
            assert g["suppressed"], g
            assert g["figures"] is None
            assert g["reason"]
        if not g["suppressed"]:
            assert g["figures"]["n"] == row.n
            assert g["figures"]["mean"] == (pytest.approx(row.mean) if row.mean is not None else None)
    assert len(hidden) != 1
    return len(hidden)


def test_small_units_are_hidden_and_big_ones_ranked(scored_a: Any) -> None:
    _region, round_ = scored_a
    body = client_for(key_for(Scope.RESULTS_READ)).get(f"/api/v1/rounds/{round_.pk}/results/units/").json()
    stored = {a.key: a for a in Aggregate.objects.filter(round=round_, dimension="unit")}
    assert {u["key"] for u in body["units"]} == set(stored)
    small = [k for k, a in stored.items() if 0 < a.n < MIN_CELL]
    assert small, "the fixture must have units under the minimum for this test to mean anything"
    assert _check_breakdown(body["units"], stored) >= 2
    ranked = sorted((u for u in body["units"] if u["rank"] is not None), key=lambda u: u["rank"])
    assert [u["rank"] for u in ranked] == list(range(1, len(ranked) + 1))
    assert all(u["figures"]["n"] >= 30 for u in ranked)
    means = [u["figures"]["mean"] for u in ranked]
    assert means == sorted(means, reverse=True)
    one = next(u for u in body["units"] if not u["suppressed"] and u["figures"]["n"])
    alone = client_for(key_for(Scope.RESULTS_READ)).get(
        f"/api/v1/rounds/{round_.pk}/results/units/{one['key']}/"
    )
    assert alone.json()["unit"] == one
    hidden = next(u for u in body["units"] if u["suppressed"])
    alone = client_for(key_for(Scope.RESULTS_READ)).get(
        f"/api/v1/rounds/{round_.pk}/results/units/{hidden['key']}/"
    )
    assert alone.json()["unit"]["figures"] is None
    assert (
        client_for(key_for(Scope.RESULTS_READ))
        .get(f"/api/v1/rounds/{round_.pk}/results/units/2147483647/")
        .status_code
        == 404
    )


def test_segments_hide_small_groups_by_the_benchmark_rule(scored_a: Any) -> None:
    _region, round_ = scored_a
    body = client_for(key_for(Scope.RESULTS_READ)).get(f"/api/v1/rounds/{round_.pk}/results/segments/").json()
    dimensions = [b["dimension"] for b in body["segments"]]
    assert dimensions == ["status", "position_type", "rank_group", "age_band", "sex", "education"]
    for breakdown in body["segments"]:
        stored = {a.key: a for a in Aggregate.objects.filter(round=round_, dimension=breakdown["dimension"])}
        assert {g["key"] for g in breakdown["groups"]} == set(stored)
        if not breakdown["withheld"]:
            _check_breakdown(breakdown["groups"], stored)
        else:
            assert all(g["figures"] is None for g in breakdown["groups"])


def test_a_round_of_few_people_shows_no_figures(region_a: Any) -> None:
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from tests.assessment.results.conftest import scored_round

    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        round_ = scored_round(region_a, employees=40, takers=MIN_CELL - 2)
        client = client_for(key_for(Scope.RESULTS_READ))
        region = client.get(f"/api/v1/rounds/{round_.pk}/results/").json()["region"]
        assert region["suppressed"]
        assert region["figures"] is None
        units = client.get(f"/api/v1/rounds/{round_.pk}/results/units/").json()["units"]
        assert all(u["figures"] is None for u in units)
        segments = client.get(f"/api/v1/rounds/{round_.pk}/results/segments/").json()["segments"]
        assert all(b["withheld"] for b in segments)


def test_personal_results_in_cursor_pages_with_the_page_plan(scored_a: Any) -> None:
    _region, round_ = scored_a
    client = client_for(key_for(Scope.RESULTS_PERSONAL))
    url: str | None = f"/api/v1/rounds/{round_.pk}/employee-results/?page_size=100"
    seen: list[dict[str, Any]] = []
    pages = 0
    while url:
        body = client.get(url).json()
        seen.extend(body["results"])
        url = body["next"]
        pages += 1
    scores = Score.objects.filter(round=round_)
    assert pages == 3
    assert len(seen) == scores.count() == len({r["employee"]["nip"] for r in seen})
    score = _any_score(round_)
    row = next(r for r in seen if r["employee"]["nip"] == score.employee.nip)
    assert row["index"] == pytest.approx(score.index)
    assert row["level"] == score.level
    plan = roadmaps.personal_plan(score)
    assert row["learning_plan"]["total_jp"] == plan.total_jp <= 20
    assert [c["code"] for c in row["learning_plan"]["courses"]] == [p.course.code for p in plan.courses]
    assert row["competences"][0]["level"] <= row["competences"][-1]["level"]  # weakest first, as on the page
    for incomplete in (r for r in seen if not r["complete"]):
        assert incomplete["index"] is None
        assert incomplete["learning_plan"] is None
    assert Event.objects.filter(kind="export.personal_data").count() == pages


def test_personal_results_filter_by_unit(scored_a: Any) -> None:
    _region, round_ = scored_a
    score = _any_score(round_)
    client = client_for(key_for(Scope.RESULTS_PERSONAL))
    body = client.get(f"/api/v1/rounds/{round_.pk}/employee-results/", {"unit": score.unit_id}).json()
    assert {r["unit"]["id"] for r in body["results"]} == {score.unit_id}
    assert len(body["results"]) == Score.objects.filter(round=round_, unit_id=score.unit_id).count()
    assert client.get(f"/api/v1/rounds/{round_.pk}/employee-results/", {"unit": "x"}).status_code == 400
    assert client.get(f"/api/v1/rounds/{round_.pk}/employee-results/", {"cursor": "zz"}).status_code == 404


def test_personal_results_by_nip(scored_a: Any) -> None:
    _region, round_ = scored_a
    score = _any_score(round_)
    client = client_for(key_for(Scope.RESULTS_PERSONAL))
    body = client.get(f"/api/v1/employees/{score.employee.nip}/results/").json()
    (row,) = body["results"]
    assert row["round"] == {"id": round_.pk, "name": round_.name}
    assert row["employee"] == {"nip": score.employee.nip, "name": score.employee.full_name}
    assert row["learning_plan"]["total_jp"] == roadmaps.personal_plan(score).total_jp
    assert Event.objects.filter(kind="export.personal_data").exists()
    for nip in ("000000000000000000", "abc", "1" * 40):
        missing = client.get(f"/api/v1/employees/{nip}/results/")
        assert missing.status_code == 404
        assert missing["Content-Type"] == "application/json"
