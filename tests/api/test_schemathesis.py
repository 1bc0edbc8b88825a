"""Schemathesis over every operation of both OpenAPI documents, against the real WSGI app in-process
(the region's Host header, the real PostgreSQL schemas), with all its default checks.

- Region schema (``/api/v1/schema/`` on region A's host): a key holding every scope; region A has a
  scored round (``scored_module``: small, 60 employees of whom 50 took it, made once for the module), so
  ids in range meet real rows as well as 404s, and small groups are hidden while others are shown.
- Public schema (``/api/schema/`` on the platform host): a signed-in national viewer's session, since
  the national figures are for national viewers.

Hypothesis: 100 examples per operation, derandomized (the same cases every run), no deadline (a
request runs the real stack). Rate limit per key raised for the run: thousands of requests a minute
are the point here, not a runaway client. The calls per operation are counted, printed, and each must
reach 100 (``test_zz_examples_per_operation``, which runs after the two tests that make them).

All default checks run. One is configured: ``positive_data_acceptance`` also expects 400 from the four
writes (``WRITES``). Their bodies name region data that no schema can state (a work unit code that
exists, the NIP of one of the region's employees), so a schema-valid record can still be refused by the
import's rules, with the documented ``errors`` body (which the schema checks do check).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django_tenants.utils import schema_context
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from drf_spectacular.settings import patched_settings
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES
from schemathesis.core.parameters import ParameterLocation

from accounts.roles import Role
from api.keys.scopes import Scope
from api.schema import PUBLIC_SCHEMA_SETTINGS, REGION_SCHEMA_SETTINGS
from tenants.schemas import use_public_schema
from tests.api import factories_results
from tests.api.factories_results import HOST_A
from tests.api.keys import issue_key
from tests.assessment.results.conftest import scored_round
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
scored_a = factories_results.scored_a
MIN_EXAMPLES = 100
WRITES = [
    "PUT /api/v1/employees/{nip}/",
    "POST /api/v1/employees/bulk/",
    "POST /api/v1/training-records/",
    "POST /api/v1/training-records/bulk/",
]
CONFIG = SchemathesisConfig.from_dict(
    {
        # The platform refuses a NUL anywhere in a request (config.middleware: 400 before any view), so
        # a string holding one is not valid data, whatever the schema's "string" says.
        "generation": {"allow-x00": False},
        "operations": [
            {
                "include-name": WRITES,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, "400"]
                    }
                },
            }
        ],
    }
)

EXAMPLES = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
REGION_BASE = f"http://{HOST_A}"
PUBLIC_BASE = "http://localhost"
CALLS: Counter[str] = Counter()


def _generated(urlconf: str, custom: dict[str, Any]) -> dict[str, Any]:
    """The document the schema view serves, generated the same way (no database needed), as JSON."""
    generator = SchemaGenerator(urlconf=urlconf)
    with patched_settings(custom):
        schema = generator.get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(schema))


# Schemathesis' lazy loader (``schemathesis.pytest.from_fixture``, which would call ``from_wsgi`` in a
# fixture) does not work with pytest 9 (it sets ``node._nodeid``). So the documents are generated at
# collection, ``test_the_served_documents_are_the_tested_ones`` checks that the app serves exactly
# these, and the cases go through the WSGI app in-process like ``from_wsgi``'s (``schema.app``).
REGION_DOC = _generated("config.urls_tenant", REGION_SCHEMA_SETTINGS)
PUBLIC_DOC = _generated("config.urls_public", PUBLIC_SCHEMA_SETTINGS)
APP = get_wsgi_application()
region = schemathesis.openapi.from_dict(REGION_DOC, config=CONFIG)
region.app = APP
public = schemathesis.openapi.from_dict(PUBLIC_DOC, config=CONFIG)
public.app = APP


@pytest.fixture(scope="module")
def scored_module(django_db_setup: Any, django_db_blocker: Any) -> Iterator[tuple[Any, Any]]:
    """As ``factories_results.scored_module`` but small: the cases need rows, not volume (the large
    round's setup was a good part of this module's time)."""
    from tenants.models import Region
    from tests.conftest import REGION_A

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            region_ = Region.objects.get(code=REGION_A["code"])
            call_command("load_instrument", verbosity=0)
            with schema_context(region_.schema_name):
                round_ = scored_round(region_, employees=60, takers=50)
            yield region_, round_
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            use_public_schema()


@contextmanager
def kept_connection() -> Iterator[None]:
    """Like Django's test client: the WSGI handler must not close the test's connection at the end of
    a request (that would end the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def region_key(scored_a: Any, settings: Any) -> str:
    settings.API_KEY_RATE = (1_000_000, 60)
    return issue_key(*Scope)


@pytest.fixture
def viewer_cookie(db: Any) -> dict[str, str]:
    from django.test import Client

    user = make_user(None, Role.NATIONAL_VIEWER, email="analis@bkn.go.id")
    client = Client(HTTP_HOST="localhost")
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return {name: morsel.value for name, morsel in client.cookies.items()}


def test_the_served_documents_are_the_tested_ones(scored_a: Any) -> None:
    from django.test import Client

    assert Client(HTTP_HOST=HOST_A).get("/api/v1/schema/", {"format": "json"}).json() == REGION_DOC
    assert Client(HTTP_HOST="localhost").get("/api/schema/", {"format": "json"}).json() == PUBLIC_DOC


@region.parametrize()
@EXAMPLES
def test_region_api(case: Any, region_key: str) -> None:
    CALLS[f"region {case.operation.label}"] += 1
    headers = {"Authorization": f"Api-Key {region_key}"}
    meta = case.meta
    if (
        meta is not None
        and meta.is_negative_at(ParameterLocation.HEADER)
        and "Authorization" not in case.headers
    ):
        headers = {}  # a case that leaves the key out on purpose (required header missing): send none
    with kept_connection():
        case.call_and_validate(base_url=REGION_BASE, headers=headers)


@public.parametrize()
@EXAMPLES
def test_public_api(case: Any, viewer_cookie: dict[str, str]) -> None:
    CALLS[f"public {case.operation.label}"] += 1
    if case.cookies and "sessionid" in case.cookies:  # the case carries the session: make it a real one
        case.cookies = {**case.cookies, **viewer_cookie}
    with kept_connection():
        case.call_and_validate(base_url=PUBLIC_BASE)


def test_zz_examples_per_operation(capsys: Any) -> None:
    """Every operation of both documents got at least ``MIN_EXAMPLES`` calls (printed for the record).
    Runs after the two tests above (file order), which make the calls."""
    expected = {f"region {op.label}" for op in _operations(region)} | {
        f"public {op.label}" for op in _operations(public)
    }
    with capsys.disabled():
        for name in sorted(expected):
            print(f"{CALLS[name]:5d}  {name}")
    assert {name: CALLS[name] for name in expected if CALLS[name] < MIN_EXAMPLES} == {}


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]
