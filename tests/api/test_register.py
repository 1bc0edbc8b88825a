"""The register over the API: units, employee lists (cursor pages, filters), read, create or update by
NIP, and bulk upserts checked like the import (all or nothing, with the import's messages)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from api.keys.scopes import Scope
from assessment.people.models import Employee, WorkUnit
from assessment.people.services import units
from tests.api.keys import header, issue_key

BUDI = {
    "nip": "198703122010011003",
    "full_name": "Budi Santoso",
    "unit": "Dinas Kesehatan",
    "position_title": "Pranata Komputer",
    "position_type": "Fungsional",
    "employment_status": "PNS",
    "rank": "III/c",
    "education": "S1",
    "sex": "L",
    "birth_date": "1987-03-12",
    "email": "budi@kukarkab.go.id",
    "phone": "081234567890",
}
SITI = {
    "nip": "199001052015032001",
    "full_name": "Siti Aminah",
    "unit": "DINKES",
    "position_type": "Fungsional",
    "employment_status": "PNS",
    "rank": "III/a",
    "sex": "P",
}
ANDI = {
    "nip": "199512202023211004",
    "full_name": "Andi Pratama",
    "unit": "KEC-TGR",
    "position_type": "Pelaksana",
    "employment_status": "PPPK",
    "rank": "VII",
    "sex": "L",
}


@pytest.fixture
def writer(region: Any) -> dict[str, Any]:
    return header(issue_key(Scope.REGISTER_READ, Scope.REGISTER_WRITE))


def bulk(api: Client, auth: dict[str, Any], rows: list[Any], **extra: Any) -> Any:
    return api.post(
        "/api/v1/employees/bulk/",
        json.dumps({"employees": rows}),
        content_type="application/json",
        **auth,
        **extra,
    )


def test_unit_read_by_code(region: Any, api: Client, writer: dict[str, Any]) -> None:
    assert api.get("/api/v1/units/DINKES/", **writer).json()["name"] == "Dinas Kesehatan"
    assert api.get("/api/v1/units/NOPE/", **writer).status_code == 404


def test_bulk_creates_then_updates_then_leaves_unchanged(
    region: Any, api: Client, writer: dict[str, Any]
) -> None:
    response = bulk(api, writer, [BUDI, SITI, ANDI])
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0}
    budi = Employee.objects.get(nip=BUDI["nip"])
    assert (budi.unit.code, budi.position_type, budi.rank, str(budi.birth_date)) == (
        "DINKES",
        "fungsional",
        "III/c",
        "1987-03-12",
    )
    assert str(Employee.objects.get(nip=SITI["nip"]).birth_date) == "1990-01-05"  # from the NIP
    before = Employee.objects.get(nip=ANDI["nip"]).updated_at
    moved = {**SITI, "unit": "Kecamatan Tenggarong", "rank": "III/b"}
    assert bulk(api, writer, [BUDI, moved, ANDI]).json() == {"created": 0, "updated": 1, "unchanged": 2}
    assert Employee.objects.get(nip=SITI["nip"]).unit.code == "KEC-TGR"
    assert Employee.objects.get(nip=ANDI["nip"]).updated_at == before  # not touched


def test_bulk_is_all_or_nothing_with_the_imports_messages(
    region: Any, api: Client, writer: dict[str, Any]
) -> None:
    wrong_nip = {**SITI, "nip": "1990010520150320"}
    wrong_type = {**ANDI, "position_type": "Kepala"}
    response = bulk(api, writer, [BUDI, wrong_nip, wrong_type, {**BUDI, "unit": "Dinas Pariwisata"}])
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {k: errors[0][k] for k in ("index", "field")} == {"index": 1, "field": "nip"}
    assert "NIP harus 18 digit" in errors[0]["message"]
    by_index = {(e["index"], e["field"]): e["message"] for e in errors}
    assert "Jenis jabatan harus Struktural, Fungsional atau Pelaksana" in by_index[(2, "position_type")]
    assert "ada di dua baris: baris 1 dan baris 4" in by_index[(3, "nip")]
    assert Employee.objects.count() == 0


def test_bulk_names_unknown_unit_and_retired_unit(region: Any, api: Client, writer: dict[str, Any]) -> None:
    units.retire_unit(WorkUnit.objects.get(code="KEC-TGR"))
    response = bulk(
        api, writer, [{**BUDI, "unit": "Dinas Pariwisata"}, {**ANDI, "unit": "Kecamatan Tenggarong"}]
    )
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(0, "unit"), (1, "unit")]
    assert "tidak dikenal" in errors[0]["message"]
    assert "sudah tidak aktif" in errors[1]["message"]


def test_bulk_refuses_bad_shapes_and_oversized_batches(
    region: Any, api: Client, writer: dict[str, Any]
) -> None:
    response = bulk(api, writer, [{**BUDI, "salary": 1}, "x", {**SITI, "full_name": ["a"]}])
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [
        (0, "salary"),
        (1, ""),
        (2, "full_name"),
    ]
    assert bulk(api, writer, [BUDI] * 1001).json()["errors"][0]["index"] == -1
    assert bulk(api, writer, []).status_code == 400
    not_a_list = api.post(
        "/api/v1/employees/bulk/", {"employees": "x"}, content_type="application/json", **writer
    )
    assert not_a_list.status_code == 400
    assert Employee.objects.count() == 0


def test_required_field_message_names_the_template_column(
    region: Any, api: Client, writer: dict[str, Any]
) -> None:
    missing = {k: v for k, v in ANDI.items() if k != "full_name"}
    errors = bulk(api, writer, [missing]).json()["errors"]
    assert errors == [{"index": 0, "field": "full_name", "message": "Nama wajib diisi."}]


def test_put_creates_then_updates(region: Any, api: Client, writer: dict[str, Any]) -> None:
    url = f"/api/v1/employees/{BUDI['nip']}/"
    body = {k: v for k, v in BUDI.items() if k != "nip"}
    created = api.put(url, body, content_type="application/json", **writer)
    assert created.status_code == 201, created.content
    assert created.json()["unit"] == "DINKES"
    updated = api.put(
        url, {**body, "full_name": "Budi Santoso, S.Kom."}, content_type="application/json", **writer
    )
    assert updated.status_code == 200
    assert api.get(url, **writer).json()["full_name"] == "Budi Santoso, S.Kom."
    wrong = api.put(url, {**BUDI, "nip": SITI["nip"]}, content_type="application/json", **writer)
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "nip"
    bad = api.put(url, {**body, "sex": "X"}, content_type="application/json", **writer)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "sex"
    assert api.get(f"/api/v1/employees/{SITI['nip']}/", **writer).status_code == 404


def _people(count: int) -> list[dict[str, Any]]:
    return [
        {
            "nip": f"1990010520150{3 if i % 2 else 2}{i:04d}"[:14] + f"{i + 1:03d}"[-3:].rjust(4, "1")[-4:],
            "full_name": f"Pegawai {i:03d}",
            "unit": "DINKES" if i % 3 else "KEC-TGR",
            "position_type": "Pelaksana" if i % 2 else "Fungsional",
            "employment_status": "PPPK",
            "sex": "L",
        }
        for i in range(count)
    ]


def test_list_pages_by_cursor_and_filters(region: Any, api: Client, writer: dict[str, Any]) -> None:
    people = [{**p, "nip": f"19950101202321{i + 1:04d}"} for i, p in enumerate(_people(250))]
    assert bulk(api, writer, people).status_code == 200
    seen: list[str] = []
    url: str | None = "/api/v1/employees/?page_size=120"
    while url:
        page = api.get(url, **writer).json()
        seen += [e["nip"] for e in page["results"]]
        url = page["next"]
    assert seen == sorted(p["nip"] for p in people)
    default = api.get("/api/v1/employees/", **writer).json()
    assert len(default["results"]) == 100
    assert default["next"]
    assert len(api.get("/api/v1/employees/?page_size=500", **writer).json()["results"]) == 250
    assert api.get("/api/v1/employees/?page_size=501", **writer).status_code == 400  # at most 500

    def nips(query: str) -> set[str]:
        return {
            e["nip"] for e in api.get(f"/api/v1/employees/?page_size=500&{query}", **writer).json()["results"]
        }

    assert nips("unit=KEC-TGR") == {p["nip"] for p in people if p["unit"] == "KEC-TGR"}
    assert nips("position_type=pelaksana") == {p["nip"] for p in people if p["position_type"] == "Pelaksana"}
    assert nips("q=Pegawai 01") == {p["nip"] for p in people if p["full_name"].startswith("Pegawai 01")}
    assert nips("q=199501012023210001") == {"199501012023210001"}
    Employee.objects.filter(nip="199501012023210002").update(is_active=False)
    assert nips("is_active=false") == {"199501012023210002"}
    assert len(nips("is_active=true")) == 249
    assert nips("updated_since=2999-01-01") == set()
    assert len(nips("updated_since=2000-01-01T00:00:00Z")) == 250
    for bad in ("is_active=maybe", "updated_since=yesterday", "position_type=boss"):
        assert api.get(f"/api/v1/employees/?{bad}", **writer).status_code == 400


def test_list_writes_each_employee_as_the_detail_does(
    region: Any, api: Client, writer: dict[str, Any]
) -> None:
    assert bulk(api, writer, [BUDI, SITI]).status_code == 200
    listed = api.get("/api/v1/employees/", **writer).json()["results"]
    for row in listed:
        assert row == api.get(f"/api/v1/employees/{row['nip']}/", **writer).json()
    assert {row["unit"] for row in listed} == {"DINKES"}


def test_updated_since_takes_any_iso_offset_and_refuses_impossible_moments(
    region: Any, api: Client, writer: dict[str, Any]
) -> None:
    # ISO 8601 allows offsets PostgreSQL refuses (beyond 15:59): the moment is compared in UTC.
    far = api.get("/api/v1/employees/", {"updated_since": "0014-04-06T19:29:46.807+17:17"}, **writer)
    assert far.status_code == 200, far.content
    # An offset that moves the moment before year 1 cannot be a moment at all.
    before_year_one = api.get("/api/v1/employees/", {"updated_since": "0001-01-01T00:00:00+01:00"}, **writer)
    assert before_year_one.status_code == 400
    assert before_year_one.json()["detail"].startswith("updated_since")


def test_put_takes_a_nip_written_with_separators_in_the_url(
    region: Any, api: Client, writer: dict[str, Any]
) -> None:
    # The import normalises "1987.0312.2010.01.1003" to the 18 digits; the view read back the raw value
    # and answered 500 after the employee was saved.
    url = "/api/v1/employees/1987.0312.2010.01.1003/"
    as_in_url = {**BUDI, "nip": "1987.0312.2010.01.1003"}
    created = api.put(url, as_in_url, content_type="application/json", **writer)
    assert created.status_code == 201, created.content
    assert created.json()["nip"] == BUDI["nip"]
    spaced = {**BUDI, "nip": "1987 0312 2010 01 1003", "full_name": "Budi Santoso, S.Kom."}
    updated = api.put(url, spaced, content_type="application/json", **writer)
    assert updated.status_code == 200, updated.content
    assert updated.json()["full_name"] == "Budi Santoso, S.Kom."
    digits = api.put(url, BUDI, content_type="application/json", **writer)  # the body's NIP as stored
    assert digits.status_code == 200, digits.content
    assert list(Employee.objects.values_list("nip", flat=True)) == [BUDI["nip"]]
    assert api.get(url, **writer).json()["nip"] == BUDI["nip"]  # GET reads the NIP written so too
    wrong = api.put(url, {**BUDI, "nip": SITI["nip"]}, content_type="application/json", **writer)
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "nip"


def test_put_refuses_the_body_as_a_whole_with_index_minus_one(
    region: Any, api: Client, writer: dict[str, Any]
) -> None:
    url = f"/api/v1/employees/{BUDI['nip']}/"
    listed = api.put(url, [BUDI], content_type="application/json", **writer)
    assert listed.status_code == 400
    assert [(e["index"], e["field"]) for e in listed.json()["errors"]] == [(-1, "")]
    other = api.put(url, {**BUDI, "nip": SITI["nip"]}, content_type="application/json", **writer)
    assert [(e["index"], e["field"]) for e in other.json()["errors"]] == [(-1, "nip")]
    row = api.put(url, {**BUDI, "sex": "X"}, content_type="application/json", **writer)
    assert [(e["index"], e["field"]) for e in row.json()["errors"]] == [(0, "sex")]  # the employee's own
    assert Employee.objects.count() == 0


def test_a_lone_surrogate_is_refused_field_by_field(region: Any, api: Client, writer: dict[str, Any]) -> None:
    # json.dumps writes "\ud800" as the escape a client sends; Python keeps it, PostgreSQL refuses it.
    response = bulk(api, writer, [BUDI, {**SITI, "full_name": "a\ud800b", "phone": "\udfff"}])
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == [
        {"index": 1, "field": "full_name", "message": "berisi karakter yang tidak sah."},
        {"index": 1, "field": "phone", "message": "berisi karakter yang tidak sah."},
    ]
    named = bulk(api, writer, [{**BUDI, "\ud800x": 1}])  # echoed as an escape, not a 500 while writing
    assert named.status_code == 400
    assert named.json()["errors"][0]["field"] == "\\ud800x"
    url = f"/api/v1/employees/{BUDI['nip']}/"
    put = api.put(url, json.dumps({**BUDI, "unit": "\ud800"}), content_type="application/json", **writer)
    assert put.status_code == 400
    assert put.json()["errors"] == [
        {"index": 0, "field": "unit", "message": "berisi karakter yang tidak sah."}
    ]
    assert Employee.objects.count() == 0


def test_register_operations_refuse_unknown_query_parameters(
    region: Any, api: Client, writer: dict[str, Any]
) -> None:
    assert bulk(api, writer, [BUDI]).status_code == 200
    employee = f"/api/v1/employees/{BUDI['nip']}/"
    for url in ["/api/v1/units/", "/api/v1/units/DINKES/", employee, "/api/v1/employees/"]:
        assert api.get(url, **writer).status_code == 200, url
        refused = api.get(url, {"unti": "DINKES"}, **writer)
        assert refused.status_code == 400, url
        assert "unti" in refused.json()["detail"]
    put = api.put(f"{employee}?dry_run=1", BUDI, content_type="application/json", **writer)
    assert put.status_code == 400
    assert put.json()["errors"][0]["index"] == -1
    assert bulk(api, writer, [BUDI], QUERY_STRING="dry_run=1").status_code == 400
