"""A suspended region is read-only below the views: in its database session and in its background tasks.

Each test performs the attack of finding 9 against two regions made for this module: GET pages that
wrote (the training catalogue seeded on its first visit, the result page that scores an attempt on its
first view), an import queued before the suspension, and a persistent connection shared with an
active region. They commit (``committed``): the guard acts at the start of real transactions, which a
rolled-back test transaction never reaches. The regions are removed at the end of the module.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import InternalError, connection, transaction
from django.test import Client
from django_tenants.utils import schema_context, tenant_context

from accounts.models import User
from accounts.roles import Role
from assessment.people.models import Employee, ImportJob, WorkUnit
from assessment.people.services import importing, staging, units
from assessment.people.tasks import commit_import
from assessment.results.models import Score, TrainingCourse
from assessment.rounds.models import Attempt, Participant
from assessment.rounds.services import codes, saving, taking
from config.celery import app as celery_app
from tenants import readonly
from tenants.models import Region
from tenants.schemas import use_public_schema
from tenants.services import status
from tests.assessment.people.test_import import ROW_1, ROW_2, ROW_3, csv
from tests.assessment.rounds.conftest import open_round
from tests.factories import PASSWORD, make_region, make_user, remove_region

SUSPENDED = {"code": "64.08", "slug": "kutim-uji"}  # the region the operator suspends
ACTIVE = {"code": "64.07", "slug": "kubar-uji"}  # another region, served on the same connection
READ_ONLY_TITLE = "Daerah ini hanya dapat dibaca"  # "This region is read-only", as users see it
NEW_ROWS = (
    "198804152011012005;Dewi Lestari;Dinas Kesehatan;Perawat;Fungsional;PNS;III/b;S1;P;15-04-1988;;",
    "199203082016031002;Rudi Hartono;Kecamatan Tenggarong;Pengadministrasi;Pelaksana;PNS;II/c;SMA/SMK;L;"
    "08-03-1992;;",
)


@dataclass
class World:
    region: Region
    active: Region
    admin: Any
    active_admin: Any


def host(region: Region) -> str:
    return f"{region.slug}.localhost"


def signed_in(region: Region, user: Any) -> Client:
    client = Client(HTTP_HOST=host(region))
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def suspend(region: Region) -> None:
    use_public_schema()  # what a request left selected must not decide where the operator writes
    status.suspend(region, actor="ops@ikd.go.id", reason="Tagihan belum dibayar")


def reactivate(region: Region) -> None:
    use_public_schema()
    status.reactivate(region, actor="ops@ikd.go.id")


def session_read_only() -> str:
    """The server session's setting, read past Django's cursor (which would bring it in line first)."""
    row = connection.connection.execute("SHOW default_transaction_read_only").fetchone()
    return str(row[0])


def backend_pid() -> int:
    return int(connection.connection.info.backend_pid)


def taker_with_submitted_attempt(region: Region) -> tuple[Client, Any]:
    """An employee of a round with immediate results signs in, answers every item and submits."""
    with schema_context(region.schema_name):
        participant = Participant.objects.filter(round__name="Hasil langsung").select_related("employee")[0]
        code = codes.code_for(participant)
    client = Client(HTTP_HOST=host(region))
    assert client.post("/tes/", {"nip": participant.employee.nip, "code": code}).status_code == 302
    assert client.post("/tes/mulai/", {"consent": "1"}).status_code == 302
    use_public_schema()
    with schema_context(region.schema_name):
        attempt = Attempt.objects.get(participant=participant)
        for seq, item in enumerate(attempt.item_order, start=1):
            options = attempt.option_order[item]
            response = options if attempt.item_types[item] == "ordering" else options[:1]
            saving.save_answer(attempt, item, response, False, seq, str(uuid.uuid4()))
        taking.submit(attempt)
    return client, attempt.pk


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock():
        call_command("load_instrument")
        region = make_region(SUSPENDED["code"], SUSPENDED["slug"])
        active = make_region(ACTIVE["code"], ACTIVE["slug"])
        try:
            admin = make_user(region, Role.REGION_ADMIN)
            active_admin = make_user(active, Role.REGION_ADMIN)
            with schema_context(region.schema_name):
                units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
                units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
                staging.import_file(csv(ROW_1, ROW_2, ROW_3), "p.csv")
                open_round(region, admin, name="Hasil langsung", result_timing="immediate")
            yield World(region, active, admin, active_admin)
        finally:
            use_public_schema()
            remove_region(SUSPENDED["code"])
            remove_region(ACTIVE["code"])


@pytest.fixture
def suspended_world(world: World, committed: None) -> Iterator[World]:
    """The world, with the region suspended after its users signed in; active again afterwards."""
    yield world
    use_public_schema()
    world.region.refresh_from_db()
    if world.region.is_read_only:
        reactivate(world.region)


# --- (1) GET pages that wrote ------------------------------------------------------------------------------


def test_pages_that_wrote_on_first_view_write_nothing_when_suspended_and_answer_read_only(
    suspended_world: World,
) -> None:
    world = suspended_world
    admin = signed_in(world.region, world.admin)
    taker, attempt_id = taker_with_submitted_attempt(world.region)
    suspend(world.region)

    # The dashboard still shows, with the operator's reason.
    home = admin.get("/")
    assert home.status_code == 200
    assert "Tagihan belum dibayar" in home.content.decode()
    # The catalogue's first visit used to copy the default courses: now the database refuses the copy
    # and the user gets the read-only page, not a 500.
    catalogue = admin.get("/pelatihan/")
    assert catalogue.status_code == 403
    assert READ_ONLY_TITLE in catalogue.content.decode()
    # The result page used to score the attempt on its first view.
    result = taker.get("/tes/hasil/")
    assert result.status_code == 403
    assert READ_ONLY_TITLE in result.content.decode()
    # A form is refused before its view, as before.
    assert (
        admin.post("/pengguna/", {"full_name": "Baru", "email": "b@x.go.id", "role": "employee"}).status_code
        == 403
    )

    use_public_schema()
    with schema_context(world.region.schema_name):
        assert TrainingCourse.objects.count() == 0
        assert not Score.objects.filter(attempt_id=attempt_id).exists()
        assert not User.objects.filter(email="b@x.go.id").exists()

    # Active again: the same pages write as they always did.
    reactivate(world.region)
    assert admin.get("/pelatihan/").status_code == 200
    assert taker.get("/tes/hasil/").status_code == 200
    use_public_schema()
    with schema_context(world.region.schema_name):
        assert TrainingCourse.objects.count() >= 30
        assert Score.objects.filter(attempt_id=attempt_id).exists()


def test_users_of_a_suspended_region_still_sign_in_and_out(suspended_world: World) -> None:
    """Sessions and the sign-in views are the explicit exceptions: their rows are written and deleted."""
    world = suspended_world
    suspend(world.region)
    client = Client(HTTP_HOST=host(world.region))
    assert client.post("/akun/login/", {"login": world.admin.email, "password": PASSWORD}).status_code == 302
    key = client.session.session_key
    assert client.get("/").status_code == 200
    assert session_read_only() == "on"  # the region's requests run read-only: the writes were let through
    use_public_schema()
    with schema_context(world.region.schema_name):
        assert Session.objects.filter(session_key=key).exists()
        assert User.objects.get(pk=world.admin.pk).last_login is not None

    assert client.post("/akun/logout/").status_code == 302
    use_public_schema()
    with schema_context(world.region.schema_name):
        assert not Session.objects.filter(session_key=key).exists()  # signed out for good, not just in Redis


# --- (2) background work -----------------------------------------------------------------------------------


def queue_import(region: Region) -> str:
    """What the import page does on "save": a checked file, queued for the worker."""
    content = csv(*NEW_ROWS)
    with schema_context(region.schema_name):
        plan = importing.check(content, "baru.csv")
        assert not plan.rejected
        job = ImportJob.objects.create(
            filename="baru.csv",
            content=content,
            state=ImportJob.State.QUEUED,
            summary=plan.summary(),
            total=plan.rows,
        )
        staging.stage(job, plan)  # what the check left for the save
    return str(job.pk)


def employees(region: Region) -> int:
    with schema_context(region.schema_name):
        return Employee.objects.count()


def test_an_import_queued_before_the_suspension_writes_nothing_after_it(
    suspended_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world = suspended_world
    job_id = queue_import(world.region)
    # The worker already knew the region as active (tenant-schemas-celery caches tenants for 30 s).
    task: Any = commit_import
    task.get_tenant_for_schema(schema_name=world.region.schema_name)
    suspend(world.region)
    before = employees(world.region)

    use_public_schema()  # as in a worker: the schema comes from the task's headers
    with caplog.at_level(logging.WARNING, logger="tenants.task_base"):
        result = commit_import.apply(args=(job_id,), headers={"_schema_name": world.region.schema_name})
    assert result.state == "IGNORED"
    assert "not run" in caplog.text
    assert "suspended" in caplog.text
    assert employees(world.region) == before
    with schema_context(world.region.schema_name):
        assert ImportJob.objects.get(pk=job_id).state == ImportJob.State.QUEUED

    # Active again: the same task imports.
    reactivate(world.region)
    result = commit_import.apply(args=(job_id,), headers={"_schema_name": world.region.schema_name})
    assert result.get() == ImportJob.State.DONE
    assert employees(world.region) == before + len(NEW_ROWS)


@celery_app.task(name="tests.readonly.add_unit", runs_when_read_only=True)
def add_unit(code: str) -> str:
    """A task that says it only reads, but writes."""
    units.create_unit(code=code, name=f"Unit {code}", kind="dinas")
    return "written"


def test_a_task_allowed_to_run_read_only_still_cannot_write(
    suspended_world: World, caplog: pytest.LogCaptureFixture
) -> None:
    world = suspended_world
    suspend(world.region)
    use_public_schema()
    with caplog.at_level(logging.WARNING, logger="tenants.task_base"):
        result = add_unit.apply(args=("RO-1",), headers={"_schema_name": world.region.schema_name})
    assert result.state == "IGNORED"
    assert "tried to write" in caplog.text
    with schema_context(world.region.schema_name):
        assert not WorkUnit.objects.filter(code="RO-1").exists()


# --- (3) persistent connections ----------------------------------------------------------------------------


def test_an_active_region_served_next_on_the_same_connection_writes(suspended_world: World) -> None:
    world = suspended_world
    admin = signed_in(world.region, world.admin)
    other = signed_in(world.active, world.active_admin)
    suspend(world.region)
    pid = backend_pid()

    assert admin.get("/").status_code == 200
    assert session_read_only() == "on"
    # The next request, for an active region, on the same connection: its catalogue's first visit writes.
    assert other.get("/pelatihan/").status_code == 200
    assert session_read_only() == "off"
    assert backend_pid() == pid
    use_public_schema()
    with schema_context(world.active.schema_name):
        assert TrainingCourse.objects.count() >= 30


def test_the_guard_follows_tenant_switches_transactions_and_reconnects(suspended_world: World) -> None:
    world = suspended_world
    suspend(world.region)
    use_public_schema()
    world.region.refresh_from_db()
    world.active.refresh_from_db()

    def refused(code: str, *, atomic: bool = False) -> bool:
        try:
            if atomic:
                with transaction.atomic():
                    units.create_unit(code=code, name=f"Unit {code}", kind="dinas")
            else:
                units.create_unit(code=code, name=f"Unit {code}", kind="dinas")
        except InternalError as exc:
            return readonly.is_read_only_error(exc)
        return False

    def read_then_fail() -> None:
        with transaction.atomic():
            WorkUnit.objects.exists()  # the transaction's first statement: the SET is made inside it
            raise ZeroDivisionError

    with tenant_context(world.region):
        assert readonly.connection_is_read_only()
        assert refused("G-1")
        assert refused("G-2", atomic=True)  # a transaction that begins read-only (SET TRANSACTION)
    with tenant_context(world.active):
        # Straight from a read-only session into a transaction: it must begin writable.
        assert not refused("G-3", atomic=True)
        assert not refused("G-4")
    with tenant_context(world.region):
        # A rolled-back transaction takes its SET with it; the next statement must set it again.
        with pytest.raises(ZeroDivisionError):
            read_then_fail()
        assert refused("G-5")
        # A new connection (CONN_MAX_AGE over, health check failed) starts writable on the server.
        connection.close()
        assert refused("G-6")
        # Sessions are let through explicitly, and only inside the block.
        with readonly.writes_allowed():
            assert not readonly.connection_is_read_only()
        assert refused("G-7")
    with schema_context(world.region.schema_name):  # a bare schema (migrations, maintenance) is writable
        assert not readonly.connection_is_read_only()
        assert sorted(WorkUnit.objects.filter(code__startswith="G-").values_list("code", flat=True)) == []
    with schema_context(world.active.schema_name):
        assert sorted(WorkUnit.objects.filter(code__startswith="G-").values_list("code", flat=True)) == [
            "G-3",
            "G-4",
        ]
