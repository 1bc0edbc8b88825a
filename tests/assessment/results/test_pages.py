"""Results pages as their users see them: who sees what, the catalogue, and results shown at once."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client

from accounts.roles import Role
from assessment.people.models import WorkUnit
from assessment.results.models import Aggregate, Score, TrainingCourse
from assessment.rounds.models import Attempt, Participant, Round
from assessment.rounds.services import codes, saving, taking
from frontend.numbers import half_up
from tests.assessment.rounds.conftest import open_round
from tests.factories import PASSWORD, make_user

HOST = "samarinda.localhost"


def signed_in(region: Any, role: str) -> tuple[Client, Any]:
    user = make_user(region, role)
    client = Client(HTTP_HOST=HOST)
    assert client.post("/akun/login/", {"login": user.email, "password": PASSWORD}).status_code == 302
    return client, user


def test_admin_sees_the_region_and_each_export(scored: Any) -> None:
    region, round_ = scored
    client, _ = signed_in(region, Role.REGION_ADMIN)
    assert client.get("/hasil/")["Location"] == f"/hasil/{round_.pk}/"
    page = client.get(f"/hasil/{round_.pk}/")
    assert page.status_code == 200
    mean = Aggregate.objects.get(round=round_, dimension="region").mean
    assert f"{half_up(mean, 2)}".replace(".", ",") in page.content.decode()
    assert page.content.decode().count("<svg") >= 5
    for kind, content_type in (("pdf", "application/pdf"), ("xlsx", "spreadsheetml"), ("csv", "text/csv")):
        response = client.get(f"/hasil/{round_.pk}/ekspor.{kind}")
        assert response.status_code == 200
        assert content_type in response["Content-Type"]
    assert client.get(f"/hasil/{round_.pk}/ekspor.exe").status_code == 404
    assert client.get(f"/hasil/{round_.pk}/kualitas/").status_code == 200
    roadmap = client.get(f"/hasil/{round_.pk}/peta-jalan/", {"target": "2.6", "years": "2"})
    assert roadmap.status_code == 200
    assert roadmap.context["plan"].total_jp > 0
    bad = client.get(f"/hasil/{round_.pk}/peta-jalan/", {"target": "5", "years": "2"})
    assert bad.context["plan"] is None
    assert bad.context["form"].errors["target"]


def test_a_coordinator_sees_only_their_unit(scored: Any) -> None:
    region, round_ = scored
    client, user = signed_in(region, Role.UNIT_COORDINATOR)
    own, other = WorkUnit.objects.filter(
        pk__in=Score.objects.filter(round=round_).values("unit_id")
    ).order_by("pk")[:2]
    own.coordinators.add(user)
    page = client.get(f"/hasil/{round_.pk}/")
    assert [u.key for u in page.context["figures"].units] == [str(own.pk)]
    assert page.context["figures"].region is None
    assert client.get(f"/hasil/{round_.pk}/unit/{own.pk}/").status_code == 200
    assert client.get(f"/hasil/{round_.pk}/unit/{other.pk}/").status_code == 403
    assert client.get(f"/hasil/{round_.pk}/unit/{other.pk}/laporan.pdf").status_code == 403
    rows = client.get(f"/hasil/{round_.pk}/ekspor.csv").content.decode("utf-8-sig").splitlines()
    assert len(rows) - 1 == Score.objects.filter(round=round_, unit=own).count()
    assert client.get(f"/hasil/{round_.pk}/kualitas/").status_code == 403
    assert client.get(f"/hasil/{round_.pk}/peta-jalan/").status_code == 403


def test_an_employee_sees_their_own_result_once_published(scored: Any) -> None:
    _region, round_ = scored
    score = Score.objects.filter(round=round_).select_related("employee").first()
    participant = Participant.objects.get(round=round_, employee=score.employee)
    client = Client(HTTP_HOST=HOST)
    response = client.post("/tes/", {"nip": score.employee.nip, "code": codes.code_for(participant)})
    assert response["Location"] == "/tes/mulai/"
    assert client.get("/tes/mulai/")["Location"] == "/tes/hasil/"
    page = client.get("/tes/hasil/")
    assert page.context["score"] == score
    assert page.context["plan"].total_jp <= 20
    assert client.get("/tes/hasil.pdf")["Content-Type"] == "application/pdf"

    Round.objects.filter(pk=round_.pk).update(state=Round.State.CLOSED)
    assert "score" not in client.get("/tes/hasil/").context
    assert Client(HTTP_HOST=HOST).get("/tes/hasil/")["Location"] == "/tes/"


def test_a_round_with_immediate_results_scores_the_attempt_on_first_view(scored: Any) -> None:
    region, _ = scored
    round_ = open_round(region, name="Ronde hasil langsung", result_timing="immediate")
    participant = Participant.objects.filter(round=round_).select_related("employee").first()
    client = Client(HTTP_HOST=HOST)
    client.post("/tes/", {"nip": participant.employee.nip, "code": codes.code_for(participant)})
    client.post("/tes/mulai/", {"consent": "1"})
    attempt = Attempt.objects.get(participant=participant)
    for seq, code in enumerate(attempt.item_order, start=1):  # the first option of every item
        options = attempt.option_order[code]
        response = options if attempt.item_types[code] == "ordering" else options[:1]
        saving.save_answer(attempt, code, response, False, seq, str(uuid.uuid4()))
    taking.submit(attempt)
    page = client.get("/tes/hasil/")
    assert page.status_code == 200
    assert Score.objects.get(attempt=attempt).index == page.context["score"].index


def test_the_catalogue_is_the_default_until_the_region_edits_it(scored: Any) -> None:
    region, _ = scored
    client, _ = signed_in(region, Role.REGION_ADMIN)
    assert client.get("/pelatihan/").status_code == 200
    assert TrainingCourse.objects.count() >= 30
    course = TrainingCourse.objects.order_by("code").first()
    refused = client.post(
        f"/pelatihan/{course.pk}/",
        {
            "code": course.code,
            "title": course.title,
            "jp": 30,
            "cost_idr": 0,
            "level_from": 3,
            "level_to": 2,
            "competences": "1.1, 9.9",
        },
    )
    assert refused.status_code == 200
    errors = refused.context["form"].errors
    assert "9.9" in errors["competences"][0]
    assert errors["jp"]
    assert errors["level_to"]
    saved = client.post(
        f"/pelatihan/{course.pk}/",
        {
            "code": course.code,
            "title": "Pelatihan Kearsipan Digital Kukar",
            "jp": 6,
            "cost_idr": 150000,
            "level_from": 1,
            "level_to": 2,
            "competences": "1.3; 3.1",
            "active": "on",
        },
    )
    assert saved.status_code == 302
    course.refresh_from_db()
    assert course.competences == ["1.3", "3.1"]
    coordinator, _ = signed_in(region, Role.UNIT_COORDINATOR)
    assert coordinator.get(f"/pelatihan/{course.pk}/").status_code == 403
