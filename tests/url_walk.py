"""Walking every URL pattern of both URLconfs: the routes, their parameters, a path for each, and
the test clients that walk them.

Shared by the tests that call every route (``tests/frontend/test_request_hygiene.py``,
``tests/test_isolation_matrix.py``), so that a new view is walked by both without anyone listing it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from tests.factories import PASSWORD
from tests.frontend.conftest import routes

__all__ = ["Parameter", "client", "fill", "is_regex", "parameters", "region_objects", "routes", "signed_in"]

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>[^()]*\)")


@dataclass(frozen=True)
class Parameter:
    """One parameter of a route: ``kind`` is the converter (int, str, slug, uuid, path) or "regex" for
    a named group of a regex route (allauth's keys); ``before`` is the path segment in front of it
    (``ronde`` in ``ronde/<int:pk>/``), which says what a ``pk`` stands for."""

    kind: str
    name: str
    before: str


def is_regex(route: str) -> bool:
    return "(?P<" in route or "^" in route


def _before(route: str, at: int) -> str:
    return route[:at].rstrip("/").rsplit("/", 1)[-1].lstrip("^")


def _parameter(route: str, match: re.Match[str]) -> Parameter:
    if is_regex(route):
        return Parameter("regex", match.group(1), _before(route, match.start()))
    return Parameter(match.group(1) or "str", match.group(2), _before(route, match.start()))


def parameters(route: str) -> list[Parameter]:
    pattern = _GROUP if is_regex(route) else _CONVERTER
    return [_parameter(route, match) for match in pattern.finditer(route)]


def fill(route: str, value: Callable[[Parameter], str]) -> str:
    """The path of ``route`` with ``value(parameter)`` in place of each parameter."""
    if is_regex(route):
        path = _GROUP.sub(lambda m: value(_parameter(route, m)), route)
        return "/" + path.replace("^", "").replace("$", "")
    return "/" + _CONVERTER.sub(lambda m: value(_parameter(route, m)), route)


def client(host: str, **defaults: Any) -> Client:
    # A 500 is reported as a status, not raised, so that one run lists every page that fails.
    return Client(HTTP_HOST=host, raise_request_exception=False, **defaults)


def signed_in(host: str, user: Any, **defaults: Any) -> Client:
    """A client signed in through the sign-in form of ``host``."""
    signed = client(host, **defaults)
    assert signed.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return signed


def region_objects(region: Any) -> dict[str, int]:
    """A round with participants in ``region``: the ids the routes' numbers stand for, by the word
    before the number in the route (``ronde/<pk>``) or by the parameter's name (``<unit_id>``)."""
    from assessment.people.models import Employee, WorkUnit
    from assessment.people.services import staging, units
    from assessment.results.models import TrainingCourse
    from assessment.results.services import catalogue
    from assessment.rounds.models import Participant
    from tests.assessment.people.test_import import ROW_1, ROW_2, csv
    from tests.assessment.rounds.conftest import open_round

    call_command("load_instrument")
    with schema_context(region.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        staging.import_file(csv(ROW_1, ROW_2), "p.csv")
        round_ = open_round(region)
        catalogue.ensure_seeded()
        unit = WorkUnit.objects.get(code="DINKES")
        participant = Participant.objects.filter(round=round_).first()
        ids = {
            "ronde": round_.pk,
            "hasil": round_.pk,
            "unit": unit.pk,
            "unit_id": unit.pk,
            "pegawai": Employee.objects.first().pk,
            "participant_id": participant.pk,
            "peserta": participant.pk,
            "pelatihan": TrainingCourse.objects.first().pk,
        }
    return ids
