"""The audit trail (audit/): what is recorded, through the pages that do it; that the database keeps it
append-only in every schema; that only a region's admins read the region's trail (and only their own
region's), and operators the platform's; and that no NIP, password, access code or token is kept.

Most tests act through HTTP, as the people concerned would: the round page, the participants page, the
users page, the downloads, the sign-in forms, the operator's console.
"""

from __future__ import annotations

import csv as csv_module
import io
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import Role
from assessment.people.models import Employee, ImportJob, WorkUnit
from assessment.people.services import staging, units
from assessment.rounds.models import Participant, Round
from assessment.rounds.services import codes, lifecycle
from audit import services
from audit.models import Event
from tests.assessment.people.test_import import ROW_1, ROW_2, ROW_3, csv
from tests.assessment.people.test_people_pages import run_task_now
from tests.assessment.rounds.conftest import open_round, settings_for
from tests.factories import PASSWORD, make_user
from tests.tenants.test_status import operator_client

HOST_A = "samarinda.localhost"
HOST_B = "balikpapan.localhost"
BUDI = "198703122010011003"


@pytest.fixture
def staffed(region_a: Any) -> Iterator[Any]:
    """Region A with the instrument, two units and three employees (as the rounds' tests have it)."""
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
        staging.import_file(csv(ROW_1, ROW_2, ROW_3), "p.csv")
        yield region_a


def sign_in(host: str, user: Any, password: str = PASSWORD) -> Client:
    client = Client(HTTP_HOST=host)
    response = client.post("/akun/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, response.content[:2000]
    return client


def mark(schema: str) -> int:
    """The newest event's id: tests that commit (browser, suspension) leave events no one can delete, so
    a test looks only at what came after its mark or names its own subjects."""
    with schema_context(schema):
        return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events(schema: str, kind: str = "", after: int = 0, **filters: Any) -> list[Event]:
    with schema_context(schema):
        qs = Event.objects.filter(id__gt=after)
        if kind:
            qs = qs.filter(kind=kind)
        return list(qs.filter(**filters).order_by("id"))


def stored_text(schema: str) -> str:
    """Everything the trail of ``schema`` holds, as one text (to look for what must not be there)."""
    with schema_context(schema):
        rows = list(Event.objects.values())
    return json.dumps(rows, default=str)


# --- What is recorded, through the pages -------------------------------------------------------------


def test_round_transition_on_the_round_page_is_recorded_with_actor_and_request(staffed: Any) -> None:
    admin = make_user(staffed, Role.REGION_ADMIN)
    round_ = open_round(staffed, admin)
    client = sign_in(HOST_A, admin)
    response = client.post(
        f"/ronde/{round_.pk}/", {"action": "transition", "state": "closed", "close_in_progress": "1"}
    )
    assert response.status_code == 302
    [event] = events(
        staffed.schema_name, "round.state_changed", subject_id=str(round_.pk), details__new="closed"
    )
    assert (event.actor, event.actor_id) == (admin.email, admin.pk)
    assert (event.subject_type, event.subject_id, event.subject) == ("round", str(round_.pk), round_.name)
    assert event.details == {"old": "open", "new": "closed"}
    assert event.ip == "127.0.0.1"
    assert event.path == f"/ronde/{round_.pk}/"
    assert event.request_id is not None
    # The round page keeps its own timeline; the trail has every step of the round's life.
    kinds = {e.kind for e in events(staffed.schema_name, subject_id=str(round_.pk), subject_type="round")}
    assert {"round.created", "round.session_added", "round.participants_set"} <= kinds


def test_code_revocation_is_recorded_by_employee_id_never_nip_or_code(staffed: Any) -> None:
    admin = make_user(staffed, Role.REGION_ADMIN)
    round_ = open_round(staffed, admin)
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    old_code = codes.code_for(participant)
    response = sign_in(HOST_A, admin).post(
        f"/ronde/{round_.pk}/peserta/{participant.pk}/", {"action": "revoke"}
    )
    assert response.status_code == 302
    participant.refresh_from_db()
    [event] = events(staffed.schema_name, "round.code_revoked", subject_id=str(round_.pk))
    assert event.actor == admin.email
    assert event.details == {"employee": participant.employee_id, "version": 2}
    text = stored_text(staffed.schema_name)
    assert BUDI not in text
    assert old_code not in text
    assert codes.code_for(participant) not in text


def test_user_creation_role_change_and_deactivation_on_the_users_page(
    db: Any, region_a: Any, mailoutbox: Any
) -> None:
    admin = make_user(region_a, Role.REGION_ADMIN)
    client = sign_in(HOST_A, admin)
    response = client.post(
        "/pengguna/", {"email": "koordinator@samarindakota.go.id", "full_name": "Dewi", "role": "employee"}
    )
    assert response.status_code == 302
    with schema_context(region_a.schema_name):
        user = User.objects.get(email="koordinator@samarindakota.go.id")
    # Employee accounts are made by the thousand when rounds are scheduled: their creation is not an
    # event; what the admin does with them is.
    assert events(region_a.schema_name, "user.created", subject_id=str(user.pk)) == []
    with schema_context(region_a.schema_name):
        unit = units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas").pk
    client.post(f"/pengguna/{user.pk}/", {"role": "unit_coordinator", "active": "on", "units": [unit]})
    client.post(f"/pengguna/{user.pk}/", {"role": "unit_coordinator", "active": "on", "units": [unit]})
    client.post(f"/pengguna/{user.pk}/", {"role": "unit_coordinator", "units": [unit]})  # deactivated
    client.post(
        "/pengguna/", {"email": "admin2@samarindakota.go.id", "full_name": "Eka", "role": "region_admin"}
    )

    about_user = events(region_a.schema_name, subject_type="user", subject_id=str(user.pk))
    assert [e.kind for e in about_user] == ["user.role_changed", "user.coordinator_units", "user.deactivated"]
    role_change = about_user[0]
    assert role_change.details == {"old": "employee", "new": "unit_coordinator"}
    assert (role_change.actor, role_change.actor_id, role_change.ip) == (admin.email, admin.pk, "127.0.0.1")
    assert role_change.subject == "koordinator@samarindakota.go.id"
    assert about_user[1].request_id == role_change.request_id  # the same form
    assert about_user[2].request_id != role_change.request_id  # one id per request
    [created] = events(region_a.schema_name, "user.created", subject="admin2@samarindakota.go.id")
    assert created.actor == admin.email
    assert created.details == {"role": "region_admin"}


def test_role_changes_by_any_path_are_recorded_by_the_database(db: Any, region_a: Any) -> None:
    """A bulk update bypasses every service and signal; the trigger still records it (as the system)."""
    user = make_user(region_a, Role.UNIT_COORDINATOR)
    with schema_context(region_a.schema_name):
        User.objects.filter(pk=user.pk).update(role=Role.REGION_ADMIN)
        User.objects.filter(pk=user.pk).update(last_login="2026-01-01T00:00:00Z")  # not an event
    [event] = events(region_a.schema_name, "user.role_changed", subject_id=str(user.pk))
    assert event.details == {"old": "unit_coordinator", "new": "region_admin"}
    assert (event.actor, event.actor_id, event.ip) == ("", None, None)
    assert len(events(region_a.schema_name, subject_type="user", subject_id=str(user.pk))) == 2  # + created


def test_coordinator_units_given_and_taken_are_recorded(db: Any, region_a: Any) -> None:
    coordinator = make_user(region_a, Role.UNIT_COORDINATOR)
    with schema_context(region_a.schema_name):
        dinkes = units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        kecamatan = units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
        dinkes.coordinators.add(coordinator)
        coordinator.coordinated_units.add(kecamatan)
        coordinator.coordinated_units.clear()
    changes = events(region_a.schema_name, "user.coordinator_units", subject_id=str(coordinator.pk))
    assert [(e.details["added"], e.details["removed"]) for e in changes] == [
        (["DINKES"], []),
        (["KEC-TGR"], []),
        ([], ["DINKES", "KEC-TGR"]),
    ]


def test_personal_data_downloads_are_recorded(staffed: Any) -> None:
    admin = make_user(staffed, Role.REGION_ADMIN)
    round_ = open_round(staffed, admin)
    unit = WorkUnit.objects.get(code="DINKES")
    client = sign_in(HOST_A, admin)
    for url in (
        "/pegawai/ekspor.xlsx",
        f"/ronde/{round_.pk}/kode/{unit.pk}.pdf",
        f"/ronde/{round_.pk}/belum-mulai.csv",
    ):
        assert client.get(url).status_code == 200, url
    downloads = events(staffed.schema_name, "export.personal_data", actor_id=admin.pk)
    assert [(e.details["what"], e.details["format"]) for e in downloads] == [
        ("employee_register", "xlsx"),
        ("code_sheet", "pdf"),
        ("not_started", "csv"),
    ]
    assert all(e.actor == admin.email and e.ip == "127.0.0.1" for e in downloads)
    assert downloads[1].details["unit"] == "DINKES"
    assert downloads[1].subject_id == str(round_.pk)


def test_staff_sign_in_success_and_failure_are_recorded_without_the_password(db: Any, region_a: Any) -> None:
    admin = make_user(region_a, Role.REGION_ADMIN)
    start = mark(region_a.schema_name)
    client = Client(HTTP_HOST=HOST_A)
    client.post("/akun/login/", {"login": admin.email, "password": "Salah-Sandi-12345"})
    client.post("/akun/login/", {"login": "tamu@contoh.go.id", "password": "Sandi-Tamu-99999"})
    assert client.post("/akun/login/", {"login": admin.email, "password": PASSWORD}).status_code == 302
    failed = events(region_a.schema_name, "signin.failed", after=start)
    assert [(e.subject_id, e.details["account"]) for e in failed] == [
        (str(admin.pk), ""),  # a known account: by id
        ("", "…@contoh.go.id"),  # an unknown one: only the domain of what was typed
    ]
    assert all(e.actor == "" and e.ip == "127.0.0.1" for e in failed)
    [succeeded] = events(region_a.schema_name, "signin.succeeded", after=start)
    assert (succeeded.actor_id, succeeded.subject_id) == (admin.pk, str(admin.pk))
    assert succeeded.details == {"method": "password"}
    text = stored_text(region_a.schema_name)
    for secret in ("Salah-Sandi-12345", "Sandi-Tamu-99999", PASSWORD, "tamu@"):
        assert secret not in text


def test_taker_sign_in_success_and_failure_are_recorded_by_employee_id(staffed: Any) -> None:
    round_ = open_round(staffed)
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    client = Client(HTTP_HOST=HOST_A)
    assert client.post("/tes/", {"nip": BUDI, "code": "AAAAAAAA"}).status_code == 400
    code = codes.code_for(participant)
    assert client.post("/tes/", {"nip": BUDI, "code": code})["Location"] == "/tes/mulai/"
    employee = str(participant.employee_id)
    [failed] = events(staffed.schema_name, "signin.taker_failed", subject_id=employee)
    [succeeded] = events(staffed.schema_name, "signin.taker_succeeded", subject_id=employee)
    for event in (failed, succeeded):
        assert (event.subject_type, event.subject_id) == ("employee", str(participant.employee_id))
        assert event.actor == ""
        assert event.ip == "127.0.0.1"
    assert failed.details == {"reason": "mismatch"}
    assert succeeded.details == {"round": round_.pk}
    text = stored_text(staffed.schema_name)
    assert BUDI not in text
    assert code not in text
    assert "AAAAAAAA" not in text


def test_answer_saves_are_not_audited(staffed: Any) -> None:
    """Test day's hot path: sixty saves per taker, none of them a row in the trail."""
    round_ = open_round(staffed)
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    client = Client(HTTP_HOST=HOST_A)
    client.post("/tes/", {"nip": BUDI, "code": codes.code_for(participant)})
    assert client.post("/tes/mulai/", {"consent": "1"})["Location"] == "/tes/kerjakan/"
    before = mark(staffed.schema_name)
    state = client.get("/tes/api/state").json()
    for seq, item in enumerate(state["items"][:5], start=1):
        ids = [option["id"] for option in item["options"]]
        body = {
            "item": item["code"],
            # the shape each item takes: an ordering item only as a full order
            "response": ids if item["type"] == "ordering" else ids[:1],
            "seq": seq,
            "key": str(uuid.uuid4()),
        }
        assert client.post("/tes/api/jawab", body, content_type="application/json").status_code == 200
    assert events(staffed.schema_name, after=before) == []


def test_finished_import_is_recorded_with_who_file_rows_and_outcome(
    db: Any, region_a: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_task_now(monkeypatch)
    with schema_context(region_a.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        units.create_unit(code="KEC-TGR", name="Kecamatan Tenggarong", kind="kecamatan")
    admin = make_user(region_a, Role.REGION_ADMIN)
    client = sign_in(HOST_A, admin)
    client.post("/pegawai/impor/", {"file": SimpleUploadedFile("pegawai-2026.csv", csv(ROW_1, ROW_2, ROW_3))})
    with schema_context(region_a.schema_name):
        job = ImportJob.objects.get()
    client.post(f"/pegawai/impor/{job.pk}/simpan/")
    [event] = events(region_a.schema_name, "import.finished", actor_id=admin.pk)
    assert (event.actor, event.actor_id) == (admin.email, admin.pk)
    assert (event.subject_type, event.subject_id, event.subject) == (
        "import",
        str(job.pk),
        "pegawai-2026.csv",
    )
    assert event.details["filename"] == "pegawai-2026.csv"
    assert event.details["state"] == "done"
    assert event.details["rows"] == 3
    assert event.details["summary"]["new"] == 3


def test_publishing_and_withdrawal_on_the_benchmark_page_are_recorded(
    staffed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The national side has its own tests; here its two calls stand in for it (a scored round's
    aggregates are not the point)."""
    from assessment.results.services import publishing

    admin = make_user(staffed, Role.REGION_ADMIN)
    round_ = open_round(staffed, admin)
    Round.objects.filter(pk=round_.pk).update(state=Round.State.PUBLISHED)
    monkeypatch.setattr(publishing, "figures_of_round", lambda *args, **kwargs: None)
    monkeypatch.setattr(
        publishing.benchmark, "publish", lambda figures, **kwargs: type("P", (), {"participants": 42})
    )
    monkeypatch.setattr(publishing.benchmark, "withdraw", lambda code, key: True)
    client = sign_in(HOST_A, admin)
    assert client.post(f"/tolok-ukur/ronde/{round_.pk}/kirim/", {"confirm": "on"}).status_code == 302
    assert client.post(f"/tolok-ukur/ronde/{round_.pk}/tarik/").status_code == 302
    [published] = events(staffed.schema_name, "benchmark.published", subject_id=str(round_.pk))
    [withdrawn] = events(staffed.schema_name, "benchmark.withdrawn", subject_id=str(round_.pk))
    assert published.details == {"participants": 42, "simulated": False}
    for event in (published, withdrawn):
        assert (event.actor, event.subject_id) == (admin.email, str(round_.pk))


# --- Append-only, in the database ----------------------------------------------------------------


def _refused(sql: str, params: list[Any] | None = None) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params or [])
    except DatabaseError:
        return True
    return False


@pytest.mark.parametrize("where", ["region", "public"])
def test_the_trail_refuses_update_delete_and_truncate_in_the_database(
    db: Any, region_a: Any, where: str
) -> None:
    """Region A's schema was claimed from the pool, a clone of the template: the triggers came with it."""
    schema = region_a.schema_name if where == "region" else "public"
    with schema_context(schema):
        event = services.record("signin.failed", actor=None, account="…@contoh.go.id")
        assert _refused("UPDATE audit_event SET kind = 'x' WHERE id = %s", [event.pk])
        assert _refused("DELETE FROM audit_event WHERE id = %s", [event.pk])
        assert _refused("TRUNCATE audit_event")
        with pytest.raises(DatabaseError), transaction.atomic():
            Event.objects.filter(pk=event.pk).update(actor="someone else")
        with pytest.raises(DatabaseError), transaction.atomic():
            Event.objects.filter(pk=event.pk)._raw_delete(connection.alias)  # type: ignore[attr-defined]
        with pytest.raises(ValueError, match="append-only"):
            event.delete()
        assert Event.objects.get(pk=event.pk).kind == "signin.failed"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relname = 'audit_event'",
            [schema],
        )
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "pgtrigger_append_only_7d947",
        "pgtrigger_no_truncate_06d01",
        "pgtrigger_own_schema_only_ec07a",
    } <= names


def test_a_region_cannot_write_into_the_platforms_trail(db: Any, region_a: Any) -> None:
    """Were a region's table missing, its search path would fall through to public: the table refuses."""
    with schema_context(region_a.schema_name):
        assert _refused(
            "INSERT INTO public.audit_event (at, kind, actor, subject_type, subject_id, subject,"
            " details, path) VALUES (now(), 'x', '', '', '', '', '{}', '')"
        )
        assert services.own_trail()


# --- Nothing secret in the details -------------------------------------------------------------


def test_details_keep_no_nip_password_code_or_token() -> None:
    details = services.scrub(
        {
            "nip": BUDI,
            "password": "rahasia",
            "code": "ABCD2345",
            "token": "t0k3n",
            "new_password1": "x",
            "nested": {"access_code": "X", "keep": f"hasil-ikd-{BUDI}.pdf"},
            "reason": "lupa kode",
            "list": [{"otp": "123456", "n": 1}],
        }
    )
    assert details == {
        "nested": {"keep": "hasil-ikd-[NIP].pdf"},
        "reason": "lupa kode",
        "list": [{"n": 1}],
    }


# --- Who reads the trail ----------------------------------------------------------------------


def test_region_admin_reads_filters_and_pages_through_the_trail(db: Any, region_a: Any) -> None:
    run = uuid.uuid4().hex[:8]  # committed tests leave events of their own users behind
    admin = make_user(region_a, Role.REGION_ADMIN, email=f"kepala-{run}@samarindakota.go.id")
    other = make_user(region_a, Role.REGION_ADMIN, email=f"wakil-{run}@samarindakota.go.id")
    with schema_context(region_a.schema_name):
        for i in range(60):
            services.record(
                "round.state_changed", actor=other, subject=("round", i, f"Ronde {i}"), old="a", new="b"
            )
        services.record("export.personal_data", actor=admin, what="employee_register", format="csv")
    client = sign_in(HOST_A, admin)
    page = client.get("/jejak-audit/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Jejak audit" in body
    assert "Data pribadi diunduh" in body  # the newest first, in Indonesian

    rounds = client.get("/jejak-audit/", {"kind": "round", "actor": f"wakil-{run}"})
    assert rounds.context["page"].paginator.count == 60
    assert len(rounds.context["rows"]) == 50
    second = client.get("/jejak-audit/", {"kind": "round", "actor": f"wakil-{run}", "page": 2})
    assert len(second.context["rows"]) == 10
    assert "Ronde 0" in second.content.decode()  # the oldest on the last page
    exact = client.get("/jejak-audit/", {"kind": "export.personal_data", "actor": f"kepala-{run}"})
    assert [row["event"].kind for row in exact.context["rows"]] == ["export.personal_data"]
    assert client.get("/jejak-audit/", {"since": "2000-01-01", "until": "2000-01-02"}).context["rows"] == []
    assert client.get("/jejak-audit/", {"actor": "tidak-ada"}).context["rows"] == []


def test_region_admin_exports_the_trail_and_the_export_is_recorded(db: Any, region_a: Any) -> None:
    admin = make_user(region_a, Role.REGION_ADMIN, email=f"ekspor-{uuid.uuid4().hex[:8]}@samarindakota.go.id")
    with schema_context(region_a.schema_name):
        services.record(
            "round.state_changed", actor=admin, subject=("round", 7, '=HYPERLINK("x")'), new="open"
        )
    client = sign_in(HOST_A, admin)
    query = {"kind": "round", "actor": admin.email}
    response = client.get("/jejak-audit/unduh.csv", query)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="jejak-audit-')
    rows = list(csv_module.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Waktu", "Jenis", "Keterangan", "Pelaku"]
    assert len(rows) == 2
    assert rows[1][1] == "round.state_changed"
    assert rows[1][7] == '\'=HYPERLINK("x")'  # neutralised by the shared writer
    book = load_workbook(io.BytesIO(client.get("/jejak-audit/unduh.xlsx").content))
    assert book.active.max_row >= 3  # the header, the round event, the CSV download
    downloads = events(region_a.schema_name, "export.personal_data", actor_id=admin.pk)
    assert [(e.details["what"], e.details["format"], e.details["rows"]) for e in downloads][:1] == [
        ("audit_trail", "csv", 1)
    ]
    assert downloads[0].details["filters"] == query


@pytest.mark.parametrize("role", [Role.UNIT_COORDINATOR, Role.EMPLOYEE])
def test_only_region_admins_read_the_trail(db: Any, region_a: Any, role: str) -> None:
    client = sign_in(HOST_A, make_user(region_a, role))
    assert client.get("/jejak-audit/").status_code == 403
    assert client.get("/jejak-audit/unduh.csv").status_code == 403
    assert Client(HTTP_HOST=HOST_A).get("/jejak-audit/").status_code == 302  # anonymous: sign in first


def test_region_b_never_sees_region_a_trail(db: Any, region_a: Any, region_b: Any) -> None:
    with schema_context(region_a.schema_name):
        services.record("round.state_changed", actor=None, subject=("round", 1, "Rahasia Samarinda"))
    admin_b = make_user(region_b, Role.REGION_ADMIN)
    client = sign_in(HOST_B, admin_b)
    body = client.get("/jejak-audit/").content.decode()
    assert "Rahasia Samarinda" not in body
    assert "Rahasia Samarinda" not in client.get("/jejak-audit/unduh.csv").content.decode("utf-8-sig")
    assert events(region_b.schema_name, subject="Rahasia Samarinda") == []
    assert events("public", subject="Rahasia Samarinda") == []
    # Region A's admin session does not open region B's trail either.
    admin_a = make_user(region_a, Role.REGION_ADMIN)
    other = Client(HTTP_HOST=HOST_B)
    other.cookies["sessionid"] = sign_in(HOST_A, admin_a).cookies["sessionid"].value
    assert other.get("/jejak-audit/").status_code == 302


def test_operator_reads_the_platforms_trail_with_decisions_and_sign_ins(db: Any, region_a: Any) -> None:
    start = mark("public")
    client = operator_client()  # signs in as ops@ikd.go.id
    response = client.post(
        "/operator/wilayah/64.72/", {"status": "suspended", "reason": "Tagihan belum dibayar"}
    )
    assert response.status_code == 302
    [change] = events("public", "region.status_changed", after=start)
    assert (change.actor, change.subject_id, change.subject) == ("ops@ikd.go.id", "64.72", "Kota Samarinda")
    assert change.details == {"old": "trial", "new": "suspended", "reason": "Tagihan belum dibayar"}
    assert change.actor_id is not None
    # Regions made for the tests were approved by the seeding path; the approvals are in the trail.
    assert events("public", "region.approved", subject_id="64.72")
    page = client.get("/operator/jejak-audit/", {"kind": "region"})
    assert page.status_code == 200
    assert "Tagihan belum dibayar" in page.content.decode()
    signins = client.get("/operator/jejak-audit/", {"kind": "signin.succeeded"})
    assert any(row["event"].actor == "ops@ikd.go.id" for row in signins.context["rows"])
    export = client.get("/operator/jejak-audit/unduh.xlsx", {"kind": "region"})
    assert export.status_code == 200
    cells = [c.value for row in load_workbook(io.BytesIO(export.content)).active.iter_rows() for c in row]
    assert "region.status_changed" in cells
    # The operator's download is in the platform's trail; no region's event ever landed there.
    downloads = events("public", "export.personal_data", after=start)
    assert [(e.actor, e.details["what"]) for e in downloads] == [("ops@ikd.go.id", "audit_trail")]
    assert not any(e.kind.startswith(("round.", "import.", "benchmark.")) for e in events("public"))


def test_operator_approval_and_rejection_are_in_the_platforms_trail(db: Any) -> None:
    """tenants.AuditEvent stays the approval feature's register; the same decisions are in the trail."""
    from django.utils import timezone

    from tenants.models import Region
    from tests.factories import make_region

    make_region("64.02", "kukar", approved=False)
    make_region("64.03", "berau", approved=False)
    Region.objects.filter(code="64.02").update(signup_email_verified_at=timezone.now())
    start = mark("public")
    operator = operator_client()
    assert operator.post("/operator/wilayah/64.02/setujui/").status_code == 302
    assert (
        operator.post("/operator/wilayah/64.03/tolak/", {"reason": "Bukan pegawai Berau."}).status_code == 302
    )
    approved, rejected = events("public", after=start, kind__startswith="region.")
    assert (approved.kind, approved.subject_id, approved.actor) == (
        "region.approved",
        "64.02",
        "ops@ikd.go.id",
    )
    assert (rejected.kind, rejected.subject_id, rejected.actor) == (
        "region.rejected",
        "64.03",
        "ops@ikd.go.id",
    )
    assert rejected.details == {"reason": "Bukan pegawai Berau."}
    assert approved.actor_id is not None
    assert approved.ip == "127.0.0.1"


def test_national_viewers_and_region_admins_cannot_read_the_platforms_trail(db: Any, region_a: Any) -> None:
    viewer = make_user(None, Role.NATIONAL_VIEWER)
    assert sign_in("localhost", viewer).get("/operator/jejak-audit/").status_code == 403
    # The region site has no operator page at all.
    admin = make_user(region_a, Role.REGION_ADMIN)
    assert sign_in(HOST_A, admin).get("/operator/jejak-audit/").status_code == 404


def test_round_events_from_services_carry_the_actor(staffed: Any) -> None:
    """The rounds' own helper forwards to the trail: a service call outside a request names its actor."""
    admin = make_user(staffed, Role.REGION_ADMIN)
    round_ = lifecycle.create_round(settings_for(name="Ronde layanan"), admin)
    [created] = events(staffed.schema_name, "round.created", subject_id=str(round_.pk))
    assert (created.actor, created.actor_id, created.ip) == (admin.email, admin.pk, None)
    assert created.details["name"] == "Ronde layanan"
    assert Employee.objects.filter(nip=BUDI).exists()
