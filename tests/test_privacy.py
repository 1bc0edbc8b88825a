"""Personal data protection (UU 27/2022) as employees and admins meet it: the notice before the test, an
employee's own data and correction requests, erasure by a region admin, and the retention run.

The world: region A with the Kukar demo units, 60 generated employees and three known ones (Budi, Siti,
Andi; ``tests.assessment.people.test_import``). Everyone is invited to a round; Budi takes it on the
test pages' service (as the page would), the generated employees and Siti through the simulator; the
round is closed, scored and published, so there are scores, plausible values and aggregates.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.instrument.models import Item
from assessment.people import demo as people_demo
from assessment.people.models import Employee, ImportJob, WorkUnit
from assessment.people.services import staging
from assessment.privacy.models import CorrectionRequest, Erasure, RoundRetention
from assessment.privacy.services import policy, retention
from assessment.privacy.tasks import apply_retention, writable_regions
from assessment.results.models import Aggregate, Score
from assessment.results.services import closing, scoring, simulation
from assessment.rounds.models import Answer, Attempt, Participant, Round, RoundEvent, Session
from assessment.rounds.services import codes, lifecycle, saving, taking
from audit.models import Event
from tenants.models import Region
from tests.assessment.people.test_import import ROW_1, ROW_2, ROW_3, csv
from tests.assessment.rounds.conftest import open_round
from tests.factories import PASSWORD, make_user

HOST = "samarinda.localhost"
BUDI = {
    "nip": "198703122010011003",
    "name": "Budi Santoso",
    "email": "budi@kukarkab.go.id",
    "phone": "081234567890",
}
SITI = {"nip": "199001052015032001", "name": "Siti Aminah"}


@dataclass
class World:
    region: Any
    round: Round
    admin: Any
    budi: Employee
    siti: Employee


def signed_in(user: Any) -> Client:
    client = Client(HTTP_HOST=HOST)
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client


def taker(region: Any, participant: Participant) -> Client:
    """A client signed in at /tes/ with the participant's NIP and access code."""
    with schema_context(region.schema_name):  # the code is bound to the region's schema
        participant = Participant.objects.select_related("employee").get(pk=participant.pk)
        nip, code = participant.employee.nip, codes.code_for(participant)
    client = Client(HTTP_HOST=HOST)
    assert client.post("/tes/", {"nip": nip, "code": code}).status_code == 302
    return client


def answer_everything(attempt: Attempt) -> None:
    for seq, item in enumerate(attempt.item_order, start=1):
        options = attempt.option_order[item]
        response = options if attempt.item_types[item] == "ordering" else options[:1]
        saving.save_answer(attempt, item, response, False, seq, str(uuid.uuid4()))
    taking.submit(attempt)


def take_and_close(region: Any, admin: Any, name: str) -> Round:
    """A round everyone is invited to: Budi takes it himself, Siti and the generated employees through
    the simulator; closed and scored (not published)."""
    round_ = open_round(region, admin, name=name)
    budi = Participant.objects.get(round=round_, employee__nip=BUDI["nip"])
    answer_everything(taking.start(budi))
    others = list(
        Participant.objects.filter(round=round_)
        .exclude(pk=budi.pk)
        .exclude(employee__full_name="Andi Pratama")  # invited, never took it
        .select_related("employee")
        .order_by("pk")
    )
    simulation.simulate_attempts(round_, others, seed=11)
    round_ = lifecycle.transition(round_, Round.State.CLOSED, admin)
    scoring.score_round(round_)
    return round_


@pytest.fixture
def world(region_a: Any) -> Any:
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        people_demo.seed(region_a, count=60)
        staging.import_file(csv(ROW_1, ROW_2, ROW_3), "p.csv")
        admin = make_user(region_a, Role.REGION_ADMIN)
        round_ = take_and_close(region_a, admin, "Pengukuran IKD 2026")
        round_ = closing.change_state(round_, Round.State.PUBLISHED, admin)
        yield World(
            region_a,
            round_,
            admin,
            Employee.objects.get(nip=BUDI["nip"]),
            Employee.objects.get(nip=SITI["nip"]),
        )


# --- 1. The notice before the test ------------------------------------------------------------------------


def test_the_notice_is_shown_before_the_test_starts_and_says_what_the_law_asks(region_a: Any) -> None:
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        people_demo.create_units()
        staging.import_file(csv(ROW_1, ROW_2), "p.csv")
        round_ = open_round(region_a)
        policy.save(responses_months=18, results_years=4, other_uses="", contact="ppid@samarinda.go.id")
        participant = Participant.objects.get(round=round_, employee__nip=BUDI["nip"])
    client = taker(region_a, participant)
    page = client.get("/tes/mulai/").content.decode()
    notice = page.index("Pemberitahuan privasi")
    assert notice < page.index('name="consent"')  # read before the box is ticked and the test starts
    text = page[notice:]
    for part in (
        "Data yang dikumpulkan",  # what
        "jawaban yang Anda berikan",
        "alamat IP",
        "Untuk apa",  # why, and what it is not for
        "merencanakan pelatihan",
        "tidak digunakan untuk keputusan disiplin atau promosi",
        "Berapa lama",  # how long: the region's periods
        "18 bulan setelah ronde berakhir",
        "4 tahun setelah ronde berakhir",
        "Siapa yang melihat",  # who
        "koordinator unit kerja Anda",
        "10 orang",
        "Siapa yang bertanggung jawab",  # controller and processor
        "pengendali data Anda",
        "atas nama daerah",
        "Hak Anda",  # rights and how to ask
        "mengunduh",
        "meminta perbaikan",
        "meminta penghapusan",
        "keberatan",
        "3 x 24 jam",
        "/tes/data-saya/",
        "ppid@samarinda.go.id",
    ):
        assert part in text, part
    assert "UU 27/2022" in text
    # A region that also uses the results for other decisions must say so, and the notice shows it.
    with schema_context(region_a.schema_name):
        policy.save(responses_months=18, results_years=4, other_uses="manajemen talenta", contact="")
    text = client.get("/tes/mulai/").content.decode()
    assert "juga menggunakan hasil untuk: manajemen talenta" in text
    assert "keputusan disiplin atau promosi" not in text
    # The same notice can be read before signing in.
    signed_out = Client(HTTP_HOST=HOST)
    assert "/tes/privasi/" in signed_out.get("/tes/").content.decode()
    assert "Siapa yang bertanggung jawab" in signed_out.get("/tes/privasi/").content.decode()
    # Starting still needs the box.
    assert client.post("/tes/mulai/", {}).status_code == 200
    assert client.post("/tes/mulai/", {"consent": "1"})["Location"] == "/tes/kerjakan/"


# --- 2. The employee's own data ----------------------------------------------------------------------------


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_own_download_holds_the_employees_data_and_nothing_of_anyone_else_nor_the_keys(world: World) -> None:
    with schema_context(world.region.schema_name):
        participant = Participant.objects.get(round=world.round, employee=world.budi)
        attempt = Attempt.objects.get(participant=participant)
        given = {a.item_code: a.response for a in Answer.objects.filter(attempt=attempt)}
        items = Item.objects.filter(bank=world.round.bank, code__in=world.round.form_items)
        stems = [i.stem[:40] for i in items]
        others = list(Employee.objects.exclude(pk=world.budi.pk).values_list("nip", "full_name"))
    # The round is published: the code still opens the employee's own pages.
    client = taker(world.region, participant)
    page = client.get("/tes/data-saya/").content.decode()
    assert BUDI["nip"] in page
    assert BUDI["email"] in page
    response = client.get("/tes/data-saya/unduh.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    data = json.loads(text)

    assert data["register"]["nip"] == BUDI["nip"]
    assert data["register"]["full_name"] == BUDI["name"]
    assert data["register"]["email"] == BUDI["email"]
    [entry] = data["rounds"]
    assert entry["round"] == "Pengukuran IKD 2026"
    assert {a["item"]: a["chosen"] for a in entry["attempt"]["answers"]} == given
    assert entry["result"]["index"] is not None
    assert entry["result"]["learning_plan"]["courses"] is not None
    assert any(e["kind"] == "signin.taker_succeeded" for e in data["sign_ins"])

    # Nobody else's data, and not the instrument: no key field anywhere, no item text.
    for nip, name in others:
        assert nip not in text, name
        assert name not in text
    assert not {"key", "keys", "correct", "is_correct", "score_of_item"} & _keys(data)
    assert stems
    assert all(stem not in text for stem in stems)
    # The download is on the region's audit trail.
    with schema_context(world.region.schema_name):
        event = Event.objects.get(kind="export.personal_data", details__what="own_data")
        assert event.subject_id == str(world.budi.pk)
    # Signed out, or as staff without a register entry: no data.
    assert Client(HTTP_HOST=HOST).get("/tes/data-saya/unduh.json")["Location"] == "/tes/"
    assert signed_in(world.admin).get("/tes/data-saya/unduh.json")["Location"] == "/tes/"


# --- 3. Corrections ----------------------------------------------------------------------------------------


def test_a_correction_request_reaches_the_admins_list_and_resolving_it_updates_the_register(
    world: World,
) -> None:
    with schema_context(world.region.schema_name):
        participant = Participant.objects.get(round=world.round, employee=world.budi)
    employee = taker(world.region, participant)
    asked = employee.post(
        "/tes/data-saya/koreksi/",
        {"field": "full_name", "requested_value": "Budi Santoso, S.Kom.", "note": "Lihat SK terakhir"},
    )
    assert asked["Location"] == "/tes/data-saya/"
    assert "Menunggu" in employee.get("/tes/data-saya/").content.decode()

    admin = signed_in(world.admin)
    listing = admin.get("/privasi/koreksi/").content.decode()
    assert "Budi Santoso, S.Kom." in listing
    assert f"/pegawai/{world.budi.pk}/koreksi/" in listing
    review = admin.get(f"/pegawai/{world.budi.pk}/koreksi/").content.decode()
    assert 'value="Budi Santoso, S.Kom."' in review  # the requested name is put in for the admin to check
    assert 'value="1987-03-12"' in review  # and the rest as it is (a date the browser's date field shows)

    with schema_context(world.region.schema_name):
        unit = WorkUnit.objects.get(pk=world.budi.unit_id)
    form = {
        "action": "resolve",
        "full_name": "Budi Santoso, S.Kom.",
        "unit": unit.pk,
        "position_title": "Pranata Komputer",
        "position_type": "fungsional",
        "employment_status": "PNS",
        "rank": "III/c",
        "education": "S1",
        "sex": "L",
        "birth_date": "1987-03-12",
        "email": BUDI["email"],
        "phone": BUDI["phone"],
        "is_active": "on",
    }
    assert admin.post(f"/pegawai/{world.budi.pk}/koreksi/", form)["Location"] == "/privasi/koreksi/"
    with schema_context(world.region.schema_name):
        world.budi.refresh_from_db()
        assert world.budi.full_name == "Budi Santoso, S.Kom."
        assert world.budi.nip == BUDI["nip"]  # the NIP is not editable here
        assert world.budi.birth_date.isoformat() == "1987-03-12"
        request = CorrectionRequest.objects.get()
        assert request.state == CorrectionRequest.State.RESOLVED
        assert request.resolved_by_id == world.admin.pk
        kinds = set(
            Event.objects.filter(kind__startswith="privacy.correction").values_list("kind", flat=True)
        )
        assert kinds == {"privacy.correction_requested", "privacy.correction_resolved"}
    assert "Dikoreksi" in employee.get("/tes/data-saya/").content.decode()
    assert (
        "Budi Santoso, S.Kom." not in admin.get("/privasi/koreksi/").content.decode().split("Baru dijawab")[0]
    )


# --- 4. Erasure --------------------------------------------------------------------------------------------


def _mentions(schema: str, needles: list[str]) -> list[tuple[str, str]]:
    """(table, needle) for every table of the region's schema with a row whose text holds the needle."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = %s AND table_type = 'BASE TABLE'",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            for needle in needles:
                cursor.execute(
                    f'SELECT count(*) FROM "{schema}"."{table}" AS t WHERE t::text ILIKE %s',  # noqa: S608
                    [f"%{needle}%"],
                )
                if cursor.fetchone()[0]:
                    found.append((table, needle))
    return found


def _aggregates(round_: Round) -> list[dict[str, Any]]:
    return list(Aggregate.objects.filter(round=round_).order_by("id").values())


def test_erasure_removes_the_identity_and_keeps_the_regions_aggregates(world: World) -> None:
    schema = world.region.schema_name
    with schema_context(schema):
        participant = Participant.objects.get(round=world.round, employee=world.budi)
        code = codes.code_for(participant)
        codes.revoke(participant, world.admin)  # the round's own timeline now holds the NIP
        # A rejected upload still holds the person's row, and its message quotes the NIP.
        upload = ImportJob.objects.create(
            filename="pegawai.csv",
            content=csv(ROW_1),
            state=ImportJob.State.REJECTED,
            errors=[{"row": 2, "column": "NIP", "message": f"NIP {BUDI['nip']} sudah terdaftar."}],
        )
        code = codes.code_for(Participant.objects.get(pk=participant.pk))
        aggregates = _aggregates(world.round)
        scores = Score.objects.filter(employee=world.budi).count()
        answers = Answer.objects.filter(attempt__participant__employee=world.budi).count()
        assert scores == 1
        assert answers > 0
        assert _mentions(schema, [BUDI["nip"], BUDI["name"]])  # the control: the scan does find them
    admin = signed_in(world.admin)
    page = admin.get(f"/pegawai/{world.budi.pk}/").content.decode()
    assert f"/pegawai/{world.budi.pk}/hapus/" in page
    assert "Hapus data pegawai ini" in page

    confirm = admin.get(f"/pegawai/{world.budi.pk}/hapus/").content.decode()
    assert "tidak dapat dibatalkan" in confirm
    wrong = admin.post(
        f"/pegawai/{world.budi.pk}/hapus/",
        {"reason": "request", "confirm_nip": SITI["nip"], "understood": "on"},
    )
    assert wrong.status_code == 200  # the wrong NIP typed: nothing happens
    unconfirmed = admin.post(
        f"/pegawai/{world.budi.pk}/hapus/", {"reason": "request", "confirm_nip": BUDI["nip"]}
    )
    assert unconfirmed.status_code == 200
    with schema_context(schema):
        assert Employee.objects.filter(nip=BUDI["nip"]).exists()

    done = admin.post(
        f"/pegawai/{world.budi.pk}/hapus/",
        {"reason": "request", "confirm_nip": BUDI["nip"], "understood": "on"},
    )
    assert done["Location"] == "/pegawai/"

    with schema_context(schema):
        # Not findable: the register, the joins from scores and participations, and every table of the schema.
        assert not Employee.objects.filter(nip=BUDI["nip"]).exists()
        assert not Employee.objects.filter(full_name__icontains=BUDI["name"]).exists()
        assert not Score.objects.filter(employee__nip=BUDI["nip"]).exists()
        assert not Participant.objects.filter(employee__full_name__icontains="Budi Santoso").exists()
        assert not RoundEvent.objects.filter(details__nip=BUDI["nip"]).exists()
        assert _mentions(schema, [BUDI["nip"], BUDI["name"], BUDI["email"], BUDI["phone"]]) == []
        upload.refresh_from_db()
        assert bytes(upload.content) == b""
        assert BUDI["nip"] not in json.dumps(upload.errors)
        row = Employee.objects.get(pk=world.budi.pk)
        assert row.nip.startswith("DIHAPUS-")
        assert row.birth_date is None
        assert not row.is_active
        assert row.user_id is None
        # The figures keep their people: the same aggregates, the score and answers under the pseudonym.
        assert _aggregates(world.round) == aggregates
        assert Score.objects.filter(employee=row).count() == scores
        assert Answer.objects.filter(attempt__participant__employee=row).count() == answers
        erasure = Erasure.objects.get(employee=row)
        assert erasure.erased_by_id == world.admin.pk
        event = Event.objects.get(kind="privacy.employee_erased")
        assert event.subject_id == str(row.pk)
        assert event.details["reason"] == "request"
    # Irreversible and final: the old NIP signs in nowhere; the register list does not show the row.
    assert Client(HTTP_HOST=HOST).post("/tes/", {"nip": BUDI["nip"], "code": code}).status_code == 400
    assert "DIHAPUS-" not in admin.get("/pegawai/", {"active": "all"}).content.decode()
    assert admin.get(f"/pegawai/{world.budi.pk}/hapus/")["Location"] == "/pegawai/"


def test_erasure_waits_for_an_open_round(world: World) -> None:
    with schema_context(world.region.schema_name):
        open_round(world.region, world.admin, name="Ronde berjalan")
    admin = signed_in(world.admin)
    page = admin.get(f"/pegawai/{world.siti.pk}/hapus/").content.decode()
    assert "Ronde berjalan" in page
    admin.post(
        f"/pegawai/{world.siti.pk}/hapus/", {"reason": "left", "confirm_nip": SITI["nip"], "understood": "on"}
    )
    with schema_context(world.region.schema_name):
        assert Employee.objects.filter(nip=SITI["nip"]).exists()


def test_a_coordinator_cannot_erase(world: World) -> None:
    coordinator = make_user(world.region, Role.UNIT_COORDINATOR)
    with schema_context(world.region.schema_name):
        WorkUnit.objects.get(pk=world.siti.unit_id).coordinators.add(coordinator)
    client = signed_in(coordinator)
    form = {"reason": "request", "confirm_nip": SITI["nip"], "understood": "on"}
    assert client.post(f"/pegawai/{world.siti.pk}/hapus/", form).status_code == 403
    assert client.get(f"/pegawai/{world.siti.pk}/hapus/").status_code == 403
    assert client.get("/privasi/koreksi/").status_code == 403
    with schema_context(world.region.schema_name):
        assert Employee.objects.get(pk=world.siti.pk).nip == SITI["nip"]
        assert not Erasure.objects.exists()


# --- 5. Retention ------------------------------------------------------------------------------------------


def _age(round_: Round, by: timedelta) -> None:
    """Move the round's sessions and close into the past."""
    Session.objects.filter(round=round_).update(starts_at=F("starts_at") - by, ends_at=F("ends_at") - by)
    RoundEvent.objects.filter(round=round_).update(at=F("at") - by)


def _answers(round_: Round) -> int:
    return Answer.objects.filter(attempt__participant__round=round_).count()


def test_retention_removes_answers_past_the_period_and_leaves_newer_ones(world: World) -> None:
    schema = world.region.schema_name
    with schema_context(schema):
        old = world.round
        _age(old, timedelta(days=3 * 365))
        # An upload checked but never imported, and a recent one.
        stale = ImportJob.objects.create(
            filename="lama.csv", content=csv(ROW_1), state=ImportJob.State.CHECKED
        )
        ImportJob.objects.filter(pk=stale.pk).update(created_at=F("created_at") - timedelta(days=31))
        fresh = ImportJob.objects.create(
            filename="baru.csv", content=csv(ROW_1), state=ImportJob.State.CHECKED
        )
        recent = take_and_close(world.region, world.admin, "Pengukuran IKD 2027")
        kept = _answers(recent)
        aggregates = _aggregates(old)
        people = Score.objects.filter(round=old).count()
        assert _answers(old) > 0
        assert kept > 0

    # Default periods (24 months, 5 years): the old round's answers go, its results stay.
    result = apply_retention.apply(headers={"_schema_name": schema})
    assert result.get()["answers_removed"] > 0
    with schema_context(schema):
        assert _answers(old) == 0
        assert not Attempt.objects.filter(participant__round=old).exclude(item_order=[]).exists()
        assert Score.objects.filter(round=old).count() == people
        assert _aggregates(old) == aggregates
        assert _answers(recent) == kept
        assert retention.responses_removed(old)
        stale.refresh_from_db()
        fresh.refresh_from_db()
        assert bytes(stale.content) == b""
        assert stale.state == ImportJob.State.FAILED  # it can no longer be imported empty
        assert bytes(fresh.content) == csv(ROW_1)
        assert fresh.state == ImportJob.State.CHECKED
        assert not retention.responses_removed(recent)
        # Without its answers the round is never scored again nor reopened.
        with pytest.raises(lifecycle.RoundError):
            closing.queue_scoring(old)
        event = Event.objects.get(kind="privacy.retention_applied")
        assert event.details["responses_rounds"] == [old.pk]

        # A second run finds nothing more to do.
        assert retention.apply_retention().changed is False

        # Results kept for two years only: the old round's people go, its aggregates stay.
        policy.save(responses_months=24, results_years=2, other_uses="", contact="")
        report = retention.apply_retention()
        assert report.results_rounds == [old.pk]
        assert not Score.objects.filter(round=old).exists()
        assert not Participant.objects.filter(round=old).exists()
        assert _aggregates(old) == aggregates
        assert RoundRetention.objects.get(round=old).people_removed > 0
        assert _answers(recent) == kept
        assert Score.objects.filter(round=recent).exists()


def test_retention_does_not_touch_a_suspended_region(world: World) -> None:
    schema = world.region.schema_name
    with schema_context(schema):
        _age(world.round, timedelta(days=3 * 365))
        before = _answers(world.round)
    Region.objects.filter(pk=world.region.pk).update(status=Region.Status.SUSPENDED)
    assert schema not in writable_regions()  # the nightly fan-out does not queue it
    result = apply_retention.apply(headers={"_schema_name": schema})  # and the task itself refuses
    assert result.state == "IGNORED"
    with schema_context(schema):
        assert _answers(world.round) == before
        assert not RoundRetention.objects.exists()
