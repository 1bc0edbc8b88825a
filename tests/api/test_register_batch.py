"""The bulk upsert's save and checks at the edges: values written as sent (quotes, accents, dates), a
value repeated on many rows checked on each (the parse remembers repeated values), and text that
PostgreSQL cannot store refused with a message rather than a server error."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from api.keys.scopes import Scope
from assessment.people.models import Employee
from tests.api.keys import header, issue_key
from tests.api.test_register import ANDI, BUDI, SITI


@pytest.fixture
def writer(region: Any) -> dict[str, Any]:
    return header(issue_key(Scope.REGISTER_READ, Scope.REGISTER_WRITE))


def bulk(api: Client, auth: dict[str, Any], rows: list[Any]) -> Any:
    return api.post(
        "/api/v1/employees/bulk/", json.dumps({"employees": rows}), content_type="application/json", **auth
    )


def test_values_are_saved_as_sent_and_a_resend_changes_nothing(
    region: Any, api: Client, writer: dict[str, Any]
) -> None:
    budi = {**BUDI, "full_name": 'Budi "Ucok" O\'Neil Ṡantoso', "position_title": "Analis \\ Data; 100%"}
    assert bulk(api, writer, [budi, SITI, ANDI]).json() == {"created": 3, "updated": 0, "unchanged": 0}
    saved = Employee.objects.select_related("unit").get(nip=BUDI["nip"])
    assert saved.full_name == 'Budi "Ucok" O\'Neil Ṡantoso'
    assert saved.position_title == "Analis \\ Data; 100%"
    assert saved.birth_date == date(1987, 3, 12)
    assert saved.unit.code == "DINKES"
    assert Employee.objects.get(nip=SITI["nip"]).birth_date == date(1990, 1, 5)  # from the NIP
    assert Employee.objects.get(nip=ANDI["nip"]).birth_date is None  # an NI PPPK says nothing
    assert bulk(api, writer, [budi, SITI, ANDI]).json() == {"created": 0, "updated": 0, "unchanged": 3}


def test_a_wrong_value_repeated_on_many_rows_is_reported_on_each(
    region: Any, api: Client, writer: dict[str, Any]
) -> None:
    rows = [{**SITI, "employment_status": "Honorer"}, {**ANDI, "employment_status": "Honorer"}, BUDI]
    answer = bulk(api, writer, rows)
    assert answer.status_code == 400
    wrong = [e for e in answer.json()["errors"] if e["field"] == "employment_status"]
    assert [e["index"] for e in wrong] == [0, 1]
    assert all("Honorer" in e["message"] for e in wrong)
    assert not Employee.objects.exists()


@pytest.mark.parametrize("field", ["full_name", "position_title", "email"])
def test_a_nul_character_is_refused_with_a_message(
    region: Any, api: Client, writer: dict[str, Any], field: str
) -> None:
    answer = bulk(api, writer, [SITI, {**BUDI, field: "Budi\x00Santoso"}])
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {"index": 1, "field": field, "message": "Nilainya tidak boleh berisi karakter NUL."}
    ]
    assert not Employee.objects.exists()
