"""Training records over the API: add one (idempotent), list with cursor pages and filters, batches
checked like the import (all or nothing, same messages), and keys without the scope refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from api.keys.scopes import Scope
from assessment.people.services import units
from assessment.training.models import Source, TrainingRecord
from tests.api.keys import header, issue_key
from tests.assessment.training.conftest import ANDI, BUDI, SITI, employee

HOST = "samarinda.localhost"
YEAR = timezone.localdate().year - 1  # a year gone by: no date below is in the future on any day
RECORD = {
    "nip": BUDI,
    "course_title": "Literasi Data untuk ASN",
    "provider": "LAN RI",
    "completed_on": f"{YEAR}-03-15",
    "jp": 20,
    "certificate_number": "LAN-1",
}


def client_for(key: str) -> Client:
    return Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=header(key)["HTTP_AUTHORIZATION"])


@pytest.fixture
def staff(region_a: Any) -> Iterator[Any]:
    with schema_context(region_a.schema_name):
        unit = units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        for nip in (BUDI, SITI, ANDI):
            employee(nip, f"Pegawai {nip[-3:]}", unit)
        yield region_a


@pytest.fixture
def api(staff: Any) -> Client:
    return client_for(issue_key(Scope.TRAINING_WRITE))


def post(api: Client, path: str, body: Any) -> Any:
    return api.post(path, json.dumps(body), content_type="application/json")


def test_create_is_idempotent_and_listed(api: Client) -> None:
    created = post(api, "/api/v1/training-records/", RECORD)
    assert created.status_code == 201, created.content
    assert created.json()["nip"] == BUDI
    assert created.json()["jp"] == 20.0
    again = post(api, "/api/v1/training-records/", {**RECORD, "course_title": "literasi data untuk  ASN"})
    assert again.status_code == 200
    assert again.json()["id"] == created.json()["id"]
    assert TrainingRecord.objects.get().source == Source.API


def test_list_pages_and_filters(api: Client) -> None:
    rows = [{**RECORD, "certificate_number": f"C-{i}", "nip": (BUDI, SITI)[i % 2]} for i in range(5)]
    rows.append({**RECORD, "completed_on": f"{YEAR - 1}-12-31", "nip": ANDI})
    added = post(api, "/api/v1/training-records/bulk/", {"records": rows}).json()
    assert added["added"] == 6
    post(api, "/api/v1/training-records/", {**RECORD, "certificate_number": "other batch"})
    of_batch = api.get("/api/v1/training-records/", {"batch": added["batch"]}).json()["results"]
    assert len(of_batch) == 6
    assert api.get("/api/v1/training-records/", {"batch": "x"}).status_code == 400
    first = api.get("/api/v1/training-records/", {"page_size": 4}).json()
    assert len(first["results"]) == 4  # of 7
    assert first["next"]
    rest = api.get(first["next"]).json()
    assert len(rest["results"]) == 3
    assert rest["next"] is None
    assert {r["nip"] for r in api.get("/api/v1/training-records/", {"nip": SITI}).json()["results"]} == {SITI}
    assert len(api.get("/api/v1/training-records/", {"year": YEAR - 1}).json()["results"]) == 1
    assert api.get("/api/v1/training-records/", {"nip": "12"}).status_code == 400
    assert api.get("/api/v1/training-records/", {"year": "abc"}).status_code == 400


def test_bulk_is_all_or_nothing_with_the_import_messages(api: Client) -> None:
    rows = [
        RECORD,
        {**RECORD, "nip": "198001012005011999"},
        {**RECORD, "nip": SITI, "jp": "banyak"},
        {**RECORD, "nip": SITI, "completed_on": "kemarin", "certificate_number": "X"},
        RECORD,
    ]
    response = post(api, "/api/v1/training-records/bulk/", {"records": rows})
    assert response.status_code == 400
    errors = {(e["index"], e["field"]): e["message"] for e in response.json()["errors"]}
    assert "tidak terdaftar" in errors[(1, "nip")]
    assert "JP harus berupa angka" in errors[(2, "jp")]
    assert "tanggal tidak valid" in errors[(3, "completed_on")]
    assert "baris 1" in errors[(4, "course_title")]
    assert TrainingRecord.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"records": "x"},
        {"records": []},
        {"records": [1]},
        {"records": [{"nip": {"a": 1}, "jp": [1]}]},
        {"records": [{**RECORD, "course_title": "a\x00b"}]},
        {"records": [{**RECORD, "jp": 1e308}]},
        {"records": [{**RECORD, "completed_on": "\ud800", "nip": "\udfff"}]},
        {"records": [{**RECORD, "jp": "NaN"}]},
    ],
)
def test_malformed_batches_get_400(api: Client, body: Any) -> None:
    assert post(api, "/api/v1/training-records/bulk/", body).status_code == 400


def test_a_key_without_the_scope_is_refused(staff: Any) -> None:
    reader = client_for(issue_key(Scope.REGISTER_READ, Scope.RESULTS_PERSONAL))
    refused = post(reader, "/api/v1/training-records/", RECORD)
    assert refused.status_code == 403
    assert "training:write" in refused.json()["detail"]
    assert reader.get("/api/v1/training-records/").status_code == 403
    assert Client(HTTP_HOST=HOST).get("/api/v1/training-records/").status_code == 401
    assert TrainingRecord.objects.count() == 0


def test_jp_messages_show_numbers_with_a_decimal_comma_and_the_value_as_sent(api: Client) -> None:
    rows = [
        {**RECORD, "jp": 0},
        {**RECORD, "jp": "1e3"},
        {**RECORD, "jp": 2.35},
        {**RECORD, "jp": "600,5"},
    ]
    response = post(api, "/api/v1/training-records/bulk/", {"records": rows})
    assert response.status_code == 400
    assert [e["message"] for e in response.json()["errors"]] == [
        "JP harus antara 0,5 dan 500 (tertulis 0).",
        "JP harus antara 0,5 dan 500 (tertulis 1e3).",
        "JP paling banyak satu angka desimal, misalnya 2,5 (tertulis 2,35).",
        "JP harus antara 0,5 dan 500 (tertulis 600,5).",
    ]


def test_the_schema_takes_the_jp_the_server_takes(api: Client) -> None:
    schema = Client(HTTP_HOST=HOST).get("/api/v1/schema/", {"format": "json"}).json()
    jp = schema["components"]["schemas"]["TrainingRecordInput"]["properties"]["jp"]
    validator = jsonschema.Draft202012Validator(jp)
    for value in (0.5, 0.7, 2.3, 20, 499.9, 500):
        assert validator.is_valid(value), value
    assert not validator.is_valid(0.4)
    assert not validator.is_valid(500.5)
    created = post(api, "/api/v1/training-records/", {**RECORD, "jp": 2.3})
    assert created.status_code == 201, created.content
    assert created.json()["jp"] == 2.3
