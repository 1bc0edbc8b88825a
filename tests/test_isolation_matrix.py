"""Region isolation matrix: every route of both sites, every role, region B's ids; nothing of B comes out.

Region B (balikpapan) gets a scored, published round and one object of every kind a route takes by id
(unit, employee, user, round, participant, course, local item, import, a sign-in link, an email
confirmation key, a password reset key), all named with unique markers (``RAHASIA-B-<random>``; the
round ``RONDE-B-<random>``).  B's id sequences are moved far past region A's first, so that no id of B
is also an id in A: a view that looked in the wrong schema cannot hide behind an equal id.

Then every URL pattern of the region URLconf (walked from the resolver, includes and allauth's regex
routes too, so a new view is in the matrix the day it is added) is called on region A's host as a region
admin, a unit coordinator of one unit, a taker signed in with NIP and access code, and a visitor; every
pattern of the public URLconf on the platform's host as a national viewer, an operator (with TOTP) and
a visitor.  Each is requested with B's values in its parameters (ids, B's sign-in link, B's email
confirmation and password reset keys, B's region code; every file kind of a ``<str:kind>``): GET, and
POST with a minimal form body of B's ids (views that refuse POST answer 405); a route without
parameters also GET with B's ids in the query string, an ``api/`` route also a JSON POST with B's
local item code.

A leak is any of:
- a response (of any status) whose body holds one of B's markers: the ``RAHASIA-B-…`` names, B's
  employees' NIPs or B's participants' access codes (PDFs are read for their text and ``.xlsx`` files
  unzipped first; on the public site B's round name is not a marker: ``Publication.round_name`` is
  published with the round's aggregates by design);
- a change in B: the rows of every table of B's schema (count and checksum), the last value of each of
  its sequences (so even an insert that was rolled back shows), and B's rows in the public schema
  (region, domain, benchmark publications, cells and naming), compared before and after each role;
- a session that changed who it signs in (a B user's id, or a participant that is not the taker's own).

``test_every_pattern_is_covered`` states the count: both URLconfs' patterns, walked by every role of their
site, must be the full set; a route with a parameter the matrix has no value of B for fails the walk
(``UnknownParameter``) until one is added to ``values``.  ``test_the_markers_show_where_they_belong``
is the control: on B's own host B's admin does see the markers, in pages, a PDF and a spreadsheet.

Elsewhere: a region session cookie on another region's host, a sign-in link of one region on another
and a region's password on another are in ``tests/accounts/test_login.py``
(``test_region_session_does_not_open_another_region``, ``test_login_token_is_bound_to_its_region``,
``test_user_of_region_a_cannot_sign_in_on_region_b``); reset and confirmation keys, sign-in codes,
second-factor codes and the access code's schema in ``tests/accounts/test_tokens_across_regions.py``.
Here: A's cookies (admin, coordinator, taker) walked over every route of B's host, and access codes
across regions, both ways.
"""

from __future__ import annotations

import io
import itertools
import json
import secrets
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from api.keys import services as api_keys
from api.keys.scopes import Scope
from tests.conftest import REGION_A, REGION_B
from tests.factories import make_user
from tests.frontend.conftest import read_pdf
from tests.url_walk import Parameter, client, fill, parameters, region_objects, routes, signed_in
from webhooks.models import Delivery, Endpoint

HOST_A = f"{REGION_A['slug']}.localhost"
HOST_B = f"{REGION_B['slug']}.localhost"
HOST_PUBLIC = "localhost"
REGION_URLCONF = settings.ROOT_URLCONF
PUBLIC_URLCONF = settings.PUBLIC_SCHEMA_URLCONF

RUN = secrets.token_hex(4).upper()
PRIVATE = f"RAHASIA-B-{RUN}"  # B's units, employees, users, courses, local items, imports
ROUND_NAME = f"RONDE-B-{RUN}"  # B's round: private on a region site, published with its aggregates
BILLING = f"TAGIHAN-B-{RUN}"  # B's invoice and billing details: private on a region site, the operator's
SEQUENCE_START = 7_000_000  # B's ids start here; A's are small
KINDS = ("pdf", "csv", "xlsx")  # every file kind a ``<str:kind>`` route may serve
FORMATS = ("csv", "xlsx")


# --------------------------------------------------------------------------------------------------
# Region B's values for the routes' parameters


class UnknownParameter(LookupError):
    """A route takes a parameter the matrix has no value of region B for: add one to ``values``."""


# int parameters: by name, else by the path segment before ``<int:pk>``.
_INT_BY_NAME = {"unit_id": "unit", "participant_id": "participant", "employee_id": "employee"}
_INT_BY_WORD = {
    "pengguna": "user",
    "unit": "unit",
    "pegawai": "employee",
    "soal-lokal": "local_item",
    "ronde": "round",
    "hasil": "round",
    "pelatihan": "course",
    "faktur": "invoice",  # billing's invoices (public schema): B's must not open on A's site
    "proses": "calibration_job",  # the operator's national calibration run on B's round (public schema)
    "set": "parameter_set",  # the parameter set proposed from it (public schema, operator only)
    "webhook": "webhook",  # B's webhook endpoint (its URL and secret are B's)
    "kiriman": "webhook_delivery",  # a delivery to it (resend)
    "api": "api_key",  # B's API key (revoking it from A's site must do nothing)
}


def values(route: str, parameter: Parameter, b: dict[str, Any]) -> tuple[str, ...]:
    """B's values for one parameter of ``route`` (several for a file kind: each is called)."""
    kind, name, before = parameter.kind, parameter.name, parameter.before
    if kind == "int":
        key = _INT_BY_NAME.get(name) or (_INT_BY_WORD.get(before) if name == "pk" else None)
        if key is not None:
            return (str(b[key]),)
    elif kind == "uuid" and before == "impor":
        return (str(b["import"]),)
    elif kind == "str" and name == "kind":
        return KINDS
    elif kind == "str" and name == "fmt":
        return FORMATS
    elif kind == "str" and name == "token":
        return (b["token"],)
    elif kind == "str" and name == "code":
        return (b["code"],)
    elif kind in {"str", "path"} and name == "nip":  # the region API's employees, by NIP
        return (b["nip"],)
    elif kind == "str" and name in {"round_id", "unit_id"}:  # the region API's rounds and units
        return (str(b[name.removesuffix("_id")]),)
    elif kind == "slug" and name == "code" and before == "paket":
        return (b["plan"],)  # a billing plan (platform data, operator only)
    elif kind == "regex" and "confirm-email" in route and name == "key":
        return (b["confirmation_key"],)
    elif kind == "regex" and "password/reset/key" in route and name in {"uidb36", "key"}:
        return (b[f"reset_{name}"],)
    raise UnknownParameter(f"{route}: {parameter}")


def paths(route: str, b: dict[str, Any]) -> list[str]:
    """Every path of ``route`` with B's values (one per file kind)."""
    params = parameters(route)
    choices = [values(route, parameter, b) for parameter in params]
    found = []
    for combination in itertools.product(*choices):
        chosen = dict(zip(params, combination, strict=True))
        found.append(fill(route, lambda p, chosen=chosen: chosen[p]))
    return found


# --------------------------------------------------------------------------------------------------
# Region B: objects of every kind, marked, with ids that A does not have


def _sequences(schema: str) -> dict[str, tuple[int, bool]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s ORDER BY 1", [schema])
        names = [row[0] for row in cursor.fetchall()]
        found = {}
        for name in names:
            cursor.execute(f'SELECT last_value, is_called FROM "{schema}"."{name}"')  # noqa: S608 (catalog names)
            found[name] = cursor.fetchone()
    return found


def _set_sequences(schema: str, positions: dict[str, tuple[int, bool]]) -> None:
    with connection.cursor() as cursor:
        for name, (value, called) in positions.items():
            cursor.execute("SELECT setval(%s, %s, %s)", [f'"{schema}"."{name}"', value, called])


def fingerprint(region: Any) -> dict[str, Any]:
    """Everything of region B that a request could change: each table of its schema (rows and a
    checksum), each sequence's position, and its rows in the public schema."""
    schema, code = region.schema_name, region.code
    found: dict[str, Any] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", [schema])
        for (table,) in cursor.fetchall():
            checksum = "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            cursor.execute(f'{checksum} FROM "{schema}"."{table}" t')
            found[f"{schema}.{table}"] = cursor.fetchone()
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s ORDER BY 1", [schema]
        )
        found.update({f"{schema}.{name} (sequence)": value for name, value in cursor.fetchall()})
        public = {
            "tenants_region": ("SELECT t::text FROM tenants_region t WHERE code = %s", [code]),
            "tenants_domain": (
                "SELECT d::text FROM tenants_domain d JOIN tenants_region r ON r.id = d.tenant_id"
                " WHERE r.code = %s",
                [code],
            ),
            "benchmark_publication": (
                "SELECT t::text FROM benchmark_publication t WHERE region_code = %s",
                [code],
            ),
            "benchmark_publishedcell": (
                "SELECT c::text FROM benchmark_publishedcell c JOIN benchmark_publication p"
                " ON p.id = c.publication_id WHERE p.region_code = %s",
                [code],
            ),
            "benchmark_naming": ("SELECT t::text FROM benchmark_naming t WHERE region_code = %s", [code]),
            "billing_invoice": (
                "SELECT i::text FROM billing_invoice i JOIN tenants_region r ON r.id = i.region_id"
                " WHERE r.code = %s",
                [code],
            ),
            "billing_billingprofile": (
                "SELECT p::text FROM billing_billingprofile p JOIN tenants_region r ON r.id = p.region_id"
                " WHERE r.code = %s",
                [code],
            ),
        }
        for table, (sql, params) in public.items():
            cursor.execute(sql, params)
            found[f"public.{table} of {code}"] = sorted(row[0] for row in cursor.fetchall())
    return found


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


@dataclass
class RegionB:
    region: Any
    ids: dict[str, Any]  # parameter values: unit, employee, user, round, ...
    nips: list[str]
    codes: list[str]
    form: dict[str, str]  # a minimal POST body of B's ids
    query: str  # the same, as a query string
    answer: dict[str, Any]  # a minimal JSON body for the taker's API, with B's item code

    def markers(self, public: bool) -> tuple[list[str], list[str]]:
        """(case-insensitive markers, exact markers) that must never be in a response."""
        folded = [PRIVATE] if public else [PRIVATE, ROUND_NAME, BILLING]
        return [m.lower() for m in folded], [*self.nips, *self.codes]


def _calibration_of_b(region: Any, round_: Any) -> tuple[int, int]:
    """A national calibration run on B's round and the set it proposed (public schema; operator pages):
    counts and B's region code only, as the national calibration stores them."""
    from assessment.instrument.models import CalibrationJob, ParameterSet

    parameter_set = ParameterSet.objects.create(
        bank=round_.bank,
        kind=ParameterSet.Kind.NATIONAL,
        label="kalibrasi-b",
        sources=[{"region": region.code, "region_name": region.name, "round": round_.pk, "persons": 1}],
    )
    job = CalibrationJob.objects.create(
        bank=round_.bank, choices=[{"region": region.code, "round": round_.pk}], parameter_set=parameter_set
    )
    return job.pk, parameter_set.pk


def build_region_b(region: Any) -> RegionB:
    from allauth.account.forms import default_token_generator
    from allauth.account.models import EmailAddress, EmailConfirmation
    from allauth.account.utils import user_pk_to_url_str
    from django.db.models import CharField, Count, F, Value
    from django.db.models.functions import Cast, Concat, Lower

    from accounts.services import issue_login_token
    from assessment.authoring.models import LocalItem
    from assessment.authoring.services import LocalItemData, save_local_item
    from assessment.people import demo as people_demo
    from assessment.people.models import Employee, ImportJob, WorkUnit
    from assessment.results.models import Score, TrainingCourse
    from assessment.results.services import catalogue, closing, publishing, scoring, simulation
    from assessment.rounds.models import Participant, Round
    from assessment.rounds.services import codes, lifecycle
    from tests.assessment.rounds.conftest import open_round

    private = PRIVATE.lower()
    call_command("load_instrument")
    with schema_context(region.schema_name):
        people_demo.seed(region, count=40)
        pk = Cast("id", CharField())
        WorkUnit.objects.update(name=Concat(Value(f"{PRIVATE}-UNIT-"), pk))
        Employee.objects.update(
            full_name=Concat(Value(f"{PRIVATE}-PEGAWAI-"), pk),
            position_title=Value(f"{PRIVATE}-JABATAN"),
            email=Concat(Value(f"{private}-"), pk, Value("@balikpapan.go.id")),
        )
        admin = make_user(
            region, Role.REGION_ADMIN, email=f"{private}-admin@balikpapan.go.id", full_name=f"{PRIVATE}-ADMIN"
        )
        round_ = open_round(region, admin, name=ROUND_NAME)
        takers = list(Participant.objects.filter(round=round_).select_related("employee").order_by("pk")[:30])
        simulation.simulate_attempts(round_, takers, seed=7)
        round_ = lifecycle.transition(Round.objects.get(pk=round_.pk), Round.State.CLOSED, admin)
        scoring.score_round(round_)
        round_ = closing.change_state(round_, Round.State.PUBLISHED, admin)
        publishing.publish_round(round_)  # the region's explicit step: its aggregates to the benchmark
        unit_id = (
            Score.objects.filter(round=round_)
            .values("unit_id")
            .annotate(n=Count("pk"))
            .order_by("-n", "unit_id")
            .values_list("unit_id", flat=True)
            .first()
        )
        unit = WorkUnit.objects.get(pk=unit_id)
        coordinator = make_user(
            region,
            Role.UNIT_COORDINATOR,
            email=f"{private}-koordinator@balikpapan.go.id",
            full_name=f"{PRIVATE}-KOORDINATOR",
        )
        unit.coordinators.add(coordinator)
        participant = Participant.objects.filter(round=round_, employee__unit=unit).order_by("pk").first()
        item = save_local_item(
            None,
            LocalItemData(
                competence="4.2",
                level=2,
                type="single_choice",
                stem=f"{PRIVATE}-SOAL",
                options_text=f"{PRIVATE}-A\n{PRIVATE}-B\n{PRIVATE}-C",
                key_text="b",
                explanation=f"{PRIVATE}-PENJELASAN",
            ),
            admin,
        )
        catalogue.ensure_seeded()
        course = TrainingCourse.objects.create(
            code="RHS-B", title=f"{PRIVATE}-PELATIHAN", jp=4, competences=["1.1"], description=PRIVATE
        )
        job = ImportJob.objects.create(
            filename=f"{PRIVATE}.csv",
            content=PRIVATE.encode(),
            state=ImportJob.State.CHECKED,
            summary={"new": 1},
            errors=[{"row": 2, "column": "Nama", "message": PRIVATE}],
            created_by=admin,
            total=1,
        )
        address = EmailAddress.objects.get(user=coordinator)
        confirmation = EmailConfirmation.create(address)

        webhook = Endpoint.objects.create(  # a public literal address: saved without DNS
            url=f"https://8.8.8.8/{private}", events=["round.opened"], description=PRIVATE
        )
        api_key = api_keys.create("SIMPEG " + PRIVATE, [Scope.REGISTER_READ], created_by=admin).key
        webhook_delivery = Delivery.objects.create(
            endpoint=webhook,
            event="round.opened",
            payload={"x": PRIVATE},
            status="gave_up",
            last_error=PRIVATE,
        )
    invoice = _billing_of_b(region)
    calibration_job, parameter_set = _calibration_of_b(region, round_)
    with schema_context(region.schema_name):
        ids: dict[str, Any] = {
            "unit": unit.pk,
            "employee": participant.employee_id,
            "user": coordinator.pk,
            "round": round_.pk,
            "participant": participant.pk,
            "course": course.pk,
            "local_item": item.pk,
            "import": job.pk,
            "token": issue_login_token(admin),
            "confirmation_key": confirmation.key,
            "reset_uidb36": user_pk_to_url_str(coordinator),
            "reset_key": default_token_generator.make_token(coordinator),
            "code": region.code,
            "invoice": invoice.pk,
            "plan": invoice.plan.code,
            "calibration_job": calibration_job,
            "parameter_set": parameter_set,
            "webhook": webhook.pk,
            "webhook_delivery": webhook_delivery.pk,
            "api_key": api_key.pk,
            "nip": participant.employee.nip,
        }
        nips = list(Employee.objects.values_list("nip", flat=True))
        access_codes = [codes.code_for(p) for p in Participant.objects.filter(round=round_)]
        item_code = LocalItem.objects.get(pk=item.pk).code
        assert not Employee.objects.exclude(full_name__startswith=PRIVATE).exists()
        assert not WorkUnit.objects.annotate(n=Lower(F("name"))).exclude(n__startswith=private).exists()
    form = {
        "pk": str(round_.pk),
        "id": str(participant.pk),
        "round": str(round_.pk),
        "unit": str(unit.pk),
        "units": str(unit.pk),
        "parent": str(unit.pk),
        "employee": str(participant.employee_id),
        "participant": str(participant.pk),
        "user": str(coordinator.pk),
        "course": str(course.pk),
        "item": item_code,
        "job": str(job.pk),
        "region": region.code,
        "code": region.code,
    }
    answer = {
        "item": item_code,
        "response": ["b"],
        "flagged": False,
        "seq": 1,
        "key": "k",
        "seen": [item_code],
    }
    return RegionB(
        region=region,
        ids=ids,
        nips=nips,
        codes=access_codes,
        form=form,
        query=urlencode({k: form[k] for k in ("unit", "round", "employee", "participant", "user", "region")}),
        answer=answer,
    )


def _billing_of_b(region: Any) -> Any:
    """B's billing details and an open invoice, marked (public-schema rows, shown by the billing pages)."""
    from datetime import timedelta

    from django.utils import timezone

    from billing.models import BillingProfile, Invoice, Plan

    BillingProfile.objects.create(
        region=region, legal_name=f"{BILLING}-PEMDA", npwp="012345678901000", address=BILLING
    )
    today = timezone.localdate()
    return Invoice.objects.create(
        region=region,
        number=f"IKD/B/{RUN}",
        plan=Plan.objects.get(code="standar"),
        seats=10,
        period_start=today,
        period_end=today + timedelta(days=364),
        description=f"{BILLING}-URAIAN",
        subtotal=600_000,
        net=600_000,
        tax_base=550_000,
        ppn=66_000,
        total=666_000,
        due_date=today + timedelta(days=30),
    )


def assert_ids_not_in(schema: str, b: RegionB) -> None:
    """None of B's ids names a row in A: a wrong schema could not pass for the right one."""
    from allauth.account.models import EmailConfirmation
    from django.contrib.auth import get_user_model

    from assessment.authoring.models import LocalItem
    from assessment.people.models import Employee, ImportJob, WorkUnit
    from assessment.results.models import TrainingCourse
    from assessment.rounds.models import Participant, Round

    models = {
        "unit": WorkUnit,
        "employee": Employee,
        "user": get_user_model(),
        "round": Round,
        "participant": Participant,
        "course": TrainingCourse,
        "local_item": LocalItem,
        "import": ImportJob,
    }
    with schema_context(schema):
        present = [name for name, model in models.items() if model.objects.filter(pk=b.ids[name]).exists()]
        present += ["confirmation"] * EmailConfirmation.objects.filter(key=b.ids["confirmation_key"]).count()
    assert present == []


# --------------------------------------------------------------------------------------------------
# Who walks: the roles of region A and of the platform


@dataclass
class Walker:
    name: str
    client: Client
    schema: str  # where its session lives
    user: Any = None  # the signed-in user, if any
    taker: tuple[str, str, int] | None = None  # (NIP, code, participant id) of a signed-in taker
    relogins: list[str] = field(default_factory=list)

    def session(self) -> dict[str, Any]:
        from importlib import import_module

        cookie = self.client.cookies.get(settings.SESSION_COOKIE_NAME)
        if cookie is None or not cookie.value:
            return {}
        store = import_module(settings.SESSION_ENGINE).SessionStore(cookie.value)
        with schema_context(self.schema):
            return dict(store.items())

    def identity_problem(self) -> str | None:
        """Who the session signs in must not have changed (to someone of B, or anyone else)."""
        from assessment.rounds.taker_views import SESSION_KEY

        session = self.session()
        user_id = session.get("_auth_user_id")
        participant = session.get(SESSION_KEY)
        expected_user = str(self.user.pk) if self.user is not None else None
        if user_id is not None and user_id != expected_user:
            return f"the session now signs in user {user_id}"
        if participant is not None and (self.taker is None or participant != self.taker[2]):
            return f"the session now holds participant {participant}"
        return None

    def restore(self, after: str) -> None:
        """Sign in again if the last request signed out (logout, a revoked code, ...)."""
        from assessment.rounds.taker_views import SESSION_KEY

        session = self.session()
        if self.user is not None and session.get("_auth_user_id") is None:
            with schema_context(self.schema):
                self.client.force_login(self.user, backend=settings.AUTHENTICATION_BACKENDS[0])
            self.relogins.append(after)
        if self.taker is not None and session.get(SESSION_KEY) is None:
            nip, code, _ = self.taker
            assert self.client.post("/tes/", {"nip": nip, "code": code}).status_code == 302, after
            self.relogins.append(after)


_ADDRESSES = (f"10.12.0.{n}" for n in itertools.count(10))


def _remote() -> dict[str, str]:
    """A client address of its own per walker: rate-limit counters of other tests stay apart."""
    return {"REMOTE_ADDR": next(_ADDRESSES)}


def region_walkers(region: Any, ids: dict[str, int]) -> list[Walker]:
    from assessment.people.models import WorkUnit
    from assessment.rounds.models import Participant
    from assessment.rounds.services import codes

    schema = region.schema_name
    admin = make_user(region, Role.REGION_ADMIN)
    coordinator = make_user(region, Role.UNIT_COORDINATOR)
    with schema_context(schema):
        WorkUnit.objects.get(pk=ids["unit"]).coordinators.add(coordinator)
        participant = Participant.objects.select_related("employee").get(pk=ids["participant_id"])
        taker = (participant.employee.nip, codes.code_for(participant), participant.pk)
    taker_client = client(HOST_A, **_remote())
    assert taker_client.post("/tes/", {"nip": taker[0], "code": taker[1]}).status_code == 302
    assert taker_client.post("/tes/mulai/", {"consent": "on"}).status_code == 302  # an attempt under way
    return [
        Walker("region admin", signed_in(HOST_A, admin, **_remote()), schema, user=admin),
        Walker("unit coordinator", signed_in(HOST_A, coordinator, **_remote()), schema, user=coordinator),
        Walker("taker", taker_client, schema, taker=taker),
        Walker("visitor", client(HOST_A, **_remote()), schema),
    ]


def platform_walkers() -> list[Walker]:
    from allauth.mfa.models import Authenticator

    viewer = make_user(None, Role.NATIONAL_VIEWER)
    operator = make_user(None, Role.PLATFORM_OPERATOR)
    operator_client = signed_in(HOST_PUBLIC, operator, **_remote())
    # Signed in with a password; the TOTP set up now stands for the step the console demands.
    Authenticator.objects.create(user=operator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return [
        Walker("national viewer", signed_in(HOST_PUBLIC, viewer, **_remote()), "public", user=viewer),
        Walker("operator", operator_client, "public", user=operator),
        Walker("visitor", client(HOST_PUBLIC, **_remote()), "public"),
    ]


# --------------------------------------------------------------------------------------------------
# Reading a response and walking a site


def body_text(response: HttpResponse) -> str:
    """What a person would read in the response: HTML/JSON/CSV as text, a PDF's shown strings, the
    XML inside an .xlsx."""
    data = b"".join(response.streaming_content) if response.streaming else response.content
    parts = [data.decode("utf-8", errors="replace")]
    if data.startswith(b"%PDF-"):
        parts.append(read_pdf(data).text)
    elif data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts += [archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist()]
    return "\n".join(parts)


@dataclass
class Walk:
    urlconf: str
    b: RegionB
    public: bool
    covered: dict[str, set[str]] = field(default_factory=dict)  # route -> walkers that walked it
    uncovered: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def check(self, walker: Walker, method: str, url: str, response: HttpResponse) -> None:
        self.requests += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        text = body_text(response)
        folded, exact = self.b.markers(self.public)
        lowered = text.lower()
        found = [m for m in folded if m in lowered] + [m for m in exact if m in text]
        if found:
            self.leaks.append(f"{walker.name}: {method} {url} -> {response.status_code} shows {found[:3]}")
        problem = walker.identity_problem()
        if problem:
            self.leaks.append(f"{walker.name}: {method} {url} -> {response.status_code}: {problem}")
        walker.restore(after=f"{method} {url}")

    def calls(self, route: str, url: str) -> list[tuple[str, str, dict[str, Any]]]:
        """GET; POST of B's ids; GET with B's ids in the query where the path takes none; on API
        routes a JSON POST too."""
        found: list[tuple[str, str, dict[str, Any]]] = [
            ("get", url, {}),
            ("post", url, {"data": self.b.form}),
        ]
        if not parameters(route):
            found.append(("get", f"{url}?{self.b.query}", {}))
        if "api/" in route:
            found.append(
                ("post", url, {"data": json.dumps(self.b.answer), "content_type": "application/json"})
            )
        return found

    def run(self, walker: Walker) -> None:
        before = fingerprint(self.b.region)
        for route, _pattern in routes(self.urlconf):
            try:
                urls = paths(route, self.b.ids)
            except UnknownParameter as exc:
                self.uncovered.append(str(exc))
                continue
            for url in urls:
                for method, target, kwargs in self.calls(route, url):
                    response = getattr(walker.client, method)(target, **kwargs)
                    self.check(walker, method.upper(), target, response)
            self.covered.setdefault(route, set()).add(walker.name)
        after = fingerprint(self.b.region)
        self.writes += [f"{walker.name} changed {key}" for key in changes(before, after)]


# --------------------------------------------------------------------------------------------------
# Fixtures: one world for the module, in a transaction rolled back at its end


@dataclass
class World:
    a: Any
    b: RegionB
    a_ids: dict[str, int]


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    from django.core.cache import cache

    from tenants.models import Region
    from tenants.schemas import use_public_schema

    with django_db_blocker.unblock():
        region_a = Region.objects.get(code=REGION_A["code"])
        region_b = Region.objects.get(code=REGION_B["code"])
        positions = _sequences(region_b.schema_name)
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            # Sequences are not transactional: moved for B's objects, put back when the module ends.
            _set_sequences(region_b.schema_name, dict.fromkeys(positions, (SEQUENCE_START, False)))
            b = build_region_b(region_b)
            a_ids = region_objects(region_a)
            assert_ids_not_in(region_a.schema_name, b)
            use_public_schema()
            yield World(a=region_a, b=b, a_ids=a_ids)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            use_public_schema()
            _set_sequences(region_b.schema_name, positions)
            cache.clear()  # the benchmark's cached figures of B's publication, now rolled back


@pytest.fixture
def rollback(world: World, django_db_blocker: Any) -> Iterator[World]:
    """Each test's own writes are undone before the next."""
    from tenants.schemas import use_public_schema

    with django_db_blocker.unblock(), transaction.atomic():
        yield world
        use_public_schema()
        transaction.set_rollback(True)


WALKS: dict[str, Walk] = {}


def _report(walk: Walk, walkers: list[Walker]) -> None:
    assert walk.uncovered == [], "routes with a parameter the matrix has no value of region B for"
    assert walk.leaks == []
    assert walk.writes == []
    everyone = {walker.name for walker in walkers}
    assert {route for route, names in walk.covered.items() if names == everyone} == {
        route for route, _ in routes(walk.urlconf)
    }


def test_region_site_leaks_nothing_of_another_region(rollback: World) -> None:
    walk = Walk(REGION_URLCONF, rollback.b, public=False)
    walkers = region_walkers(rollback.a, rollback.a_ids)
    for walker in walkers:
        walk.run(walker)
    WALKS[REGION_URLCONF] = walk
    _report(walk, walkers)
    assert walk.requests > 1000


def test_public_site_leaks_nothing_of_a_region(rollback: World) -> None:
    walk = Walk(PUBLIC_URLCONF, rollback.b, public=True)
    walkers = platform_walkers()
    for walker in walkers:
        walk.run(walker)
    WALKS[PUBLIC_URLCONF] = walk
    _report(walk, walkers)
    assert walk.requests > 300


def cookies_of(walker: Walker) -> SimpleCookie:
    """A copy of the walker's cookies (names and values), for another client."""
    jar: SimpleCookie = SimpleCookie()
    for name, morsel in walker.client.cookies.items():
        jar[name] = morsel.value
    return jar


def test_region_cookies_open_nothing_on_another_regions_host(rollback: World) -> None:
    """A's admin, coordinator and taker send their session cookies to B's host, on every route with
    B's own ids (B's own sign-in link and keys left out: on B's host they rightly open B): B's pages
    would show B's markers to anyone signed in there."""
    ids = {**rollback.b.ids, "token": "x", "confirmation_key": "x", "reset_uidb36": "1", "reset_key": "x-x"}
    folded, exact = rollback.b.markers(public=False)
    for walker in region_walkers(rollback.a, rollback.a_ids)[:3]:
        on_b = client(HOST_B, **_remote())
        for route, _pattern in routes(REGION_URLCONF):
            for url in paths(route, ids):
                on_b.cookies = cookies_of(walker)  # A's, every time
                response = on_b.get(url)
                text = body_text(response)
                found = [m for m in folded if m in text.lower()] + [m for m in exact if m in text]
                assert not found, (walker.name, url, response.status_code)
        on_b.cookies = cookies_of(walker)
        assert on_b.get("/").status_code == 302  # B's dashboard sends A's session to the sign-in
        assert on_b.get("/tes/kerjakan/")["Location"].startswith("/tes/")
        assert on_b.get("/tes/api/state").status_code == 401


def test_the_markers_show_where_they_belong(rollback: World) -> None:
    """The detector is not blind: signed in on B's own host, B's admin sees the markers in pages, a PDF
    and a spreadsheet, and the code sheet shows the access codes."""
    from assessment.rounds.models import Participant

    b = rollback.b
    with schema_context(b.region.schema_name):
        admin = make_user(b.region, Role.REGION_ADMIN)
        unit_of_participant = Participant.objects.get(pk=b.ids["participant"]).employee.unit_id
    own = signed_in(HOST_B, admin, **_remote())
    folded, exact = b.markers(public=False)
    round_, unit = b.ids["round"], b.ids["unit"]
    for url in (
        "/unit/",
        "/pegawai/",
        "/ronde/",
        f"/hasil/{round_}/ekspor.pdf",
        f"/hasil/{round_}/ekspor.xlsx",
    ):
        response = own.get(url)
        assert response.status_code == 200, url
        text = body_text(response).lower()
        assert any(marker in text for marker in folded), url
    sheet = body_text(own.get(f"/ronde/{round_}/kode/{unit_of_participant}.pdf"))
    assert any(code in sheet for code in exact)
    assert unit == unit_of_participant


def test_access_codes_work_in_their_own_region_only(rollback: World) -> None:
    from assessment.rounds.models import Participant
    from assessment.rounds.services import codes
    from assessment.rounds.taker_views import SESSION_KEY

    with schema_context(rollback.a.schema_name):
        mine = Participant.objects.select_related("employee").get(pk=rollback.a_ids["participant_id"])
        nip, code = mine.employee.nip, codes.code_for(mine)
    with schema_context(rollback.b.region.schema_name):
        theirs = Participant.objects.select_related("employee").get(pk=rollback.b.ids["participant"])
        b_nip, b_code = theirs.employee.nip, codes.code_for(theirs)
    schemas = {HOST_A: rollback.a.schema_name, HOST_B: rollback.b.region.schema_name}
    for host, (n, c) in ((HOST_B, (nip, code)), (HOST_A, (b_nip, b_code))):
        taker = client(host, **_remote())
        response = taker.post("/tes/", {"nip": n, "code": c})
        assert response.status_code == 400, host
        assert SESSION_KEY not in Walker("", taker, schemas[host]).session()
        assert taker.get("/tes/kerjakan/")["Location"].startswith("/tes/")
    assert client(HOST_A, **_remote()).post("/tes/", {"nip": nip, "code": code}).status_code == 302


def test_every_pattern_is_covered() -> None:
    """The module's count: every URL pattern of both URLconfs (shadowed duplicates too: their route is
    walked, and reaches whichever view answers it) was walked by every role of its site."""
    assert WALKS, "the matrix tests did not run: run the whole module"
    assert set(WALKS) == {REGION_URLCONF, PUBLIC_URLCONF}, "run the whole module"
    patterns = [(urlconf, route) for urlconf in WALKS for route, _ in routes(urlconf)]
    covered = [(urlconf, route) for urlconf, route in patterns if route in WALKS[urlconf].covered]
    assert covered == patterns
    assert len(patterns) == len(routes(REGION_URLCONF)) + len(routes(PUBLIC_URLCONF))
    requests = sum(walk.requests for walk in WALKS.values())
    print(f"isolation matrix: {len(covered)}/{len(patterns)} URL patterns covered, {requests} requests")
