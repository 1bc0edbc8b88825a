"""A key of region A used on region B's host, over every operation of api.v1 (walked from its URLconf,
so operations other parts add are covered without being listed here): 401 everywhere, no data of B.

B's schema has no row with A's prefix, so the key is unknown there; the test proves it by sending the
key over every method of every route, with path parameters that name B's real objects (its round, unit,
employees' NIPs), and by checking, as a control, that the same key does open A's routes.
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from django.test import Client
from django_tenants.utils import schema_context

from accounts.access import is_third_party
from api import register_upsert
from api.keys.scopes import Scope
from api.v1.base import RegionApiMixin
from assessment.people.models import Employee
from assessment.people.nip import make_pns_nip
from tests.api.conftest import HOST_A, HOST_B
from tests.api.keys import header, issue_key
from tests.url_walk import Parameter, fill, region_objects, routes

METHODS = ("get", "post", "put", "patch", "delete")
SECRET_OF_B = {
    "nip": make_pns_nip(date(1981, 7, 9), (2006, 4), "P", 777),
    "full_name": "Rahasia Balikpapan Tujuh",
    "position_type": "Pelaksana",
    "employment_status": "PNS",
    "sex": "P",
}


def _view_class(pattern: Any) -> Any:
    callback = pattern.callback
    return getattr(callback, "cls", None) or getattr(callback, "view_class", None)


def operations() -> list[tuple[str, str, Any]]:
    """(route, method, view class) of every operation of api.v1."""
    found: list[tuple[str, str, Any]] = []
    for route, pattern in routes("api.v1.urls"):
        cls = _view_class(pattern)
        found.extend(("api/v1/" + route, m, cls) for m in METHODS if cls is None or hasattr(cls, m))
    return found


def _value(ids: dict[str, int], nip: str) -> Any:
    def value(parameter: Parameter) -> str:
        if parameter.kind == "int":
            return str(ids.get(parameter.before) or ids.get(parameter.name) or next(iter(ids.values())))
        if parameter.kind == "uuid":
            return str(uuid.uuid4())
        if parameter.name == "nip" or parameter.before in {"employees", "pegawai"}:
            return nip
        if parameter.name == "code" or parameter.before == "units":
            return "DINKES"
        return str(ids.get(parameter.before) or ids.get(parameter.name) or "1")

    return value


def _call(client: Client, method: str, path: str, key: str) -> Any:
    if method == "get":
        return client.get(path, **header(key))
    body = json.dumps({"employees": [], "nip": "1"})
    return getattr(client, method)(path, body, content_type="application/json", **header(key))


def test_key_of_region_a_opens_nothing_on_region_b(region_a: Any, region_b: Any) -> None:
    ids_b = region_objects(region_b)
    with schema_context(region_b.schema_name):
        # Markers found nowhere but in B's data (documentation examples reuse the usual test NIPs).
        register_upsert.upsert([{**SECRET_OF_B, "unit": "DINKES"}])
        employees_b = list(Employee.objects.values_list("nip", "full_name"))
    with schema_context(region_a.schema_name):
        key = issue_key(*Scope, name="region A")
    nip_b = SECRET_OF_B["nip"]
    secrets_of_b = [SECRET_OF_B["nip"], SECRET_OF_B["full_name"]]
    client_b = Client(HTTP_HOST=HOST_B, raise_request_exception=False)
    ops = operations()
    assert {("api/v1/employees/", "get"), ("api/v1/employees/bulk/", "post")} <= {(r, m) for r, m, _c in ops}
    leaks: list[tuple[Any, ...]] = []
    for route, method, cls in ops:
        path = fill(route, _value(ids_b, nip_b))
        response = _call(client_b, method, path, key)
        body = response.content.decode(errors="replace")
        ours = cls is not None and issubclass(cls, RegionApiMixin)
        if ours and response.status_code != 401:
            leaks.append((method.upper(), path, response.status_code))
        elif not ours and cls is not None and not is_third_party(cls) and response.status_code < 400:
            leaks.append((method.upper(), path, response.status_code, "not a RegionApiView"))
        if any(text in body for text in secrets_of_b):
            leaks.append((method.upper(), path, "data of region B in the answer"))
    with schema_context(region_b.schema_name):
        assert sorted(Employee.objects.values_list("nip", "full_name")) == sorted(
            employees_b
        )  # nothing written
    assert leaks == []


def test_the_same_key_opens_region_a(region_a: Any) -> None:
    """The control: the key is good, so B's 401s come from the isolation."""
    ids_a = region_objects(region_a)
    with schema_context(region_a.schema_name):
        key = issue_key(*Scope, name="region A")
        nip_a = Employee.objects.values_list("nip", flat=True).first()
    client_a = Client(HTTP_HOST=HOST_A, raise_request_exception=False)
    refused = []
    for route, method, cls in operations():
        if method != "get" or cls is None or not issubclass(cls, RegionApiMixin):
            continue
        path = fill(route, _value(ids_a, str(nip_a)))
        status = client_a.get(path, **header(key)).status_code
        if status in {401, 403}:
            refused.append((path, status))
    assert refused == []
