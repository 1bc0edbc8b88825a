"""A signup is a claim: the region publishes nothing nationally until its admin has verified the address and
a platform operator has approved it; a rejection deletes the claim and frees the code.

The attack (anyone signs up as any region, runs a round and publishes it to BKN's national portal) is played
through HTTP: the signup form, the sign-in link, the round page's "publish" button (which only announces the
results to the region's employees, allowed while pending), the separate "send to the national benchmark"
step, the confirmation link from the mail, and the operator's console. Each test runs in the ``db``
transaction (rolled back); the mails and cache clean-up that wait for the commit run through
``django_capture_on_commit_callbacks``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from assessment.people import demo as people_demo
from assessment.results.services import scoring, simulation
from assessment.results.services.publishing import People, release_from_people
from assessment.rounds.models import Participant, Round
from assessment.rounds.services import lifecycle
from benchmark.models import Publication
from benchmark.services import publishing as benchmark
from benchmark.services.cells import DIMENSIONS
from config import ratelimit
from tenants.models import AuditEvent, Domain, Region
from tenants.services import approval
from tests.assessment.rounds.conftest import open_round
from tests.factories import make_region, make_user, schema_exists
from tests.tenants.test_signup import form_data
from tests.tenants.test_status import operator_client

CONFIRM_LINK = re.compile(r"/akun/confirm-email/([^/\s]+)/")


@pytest.fixture(autouse=True)
def _fresh_signup_counters() -> Iterator[None]:
    """These tests sign up several regions from one address; the limit has its own tests."""
    names = [ratelimit.client_name("signup", "127.0.0.1"), ratelimit.overall_name("signup")]
    for name in names:
        ratelimit.reset(name)
    yield
    for name in names:
        ratelimit.reset(name)


def sign_up(
    code: str = "64.02", slug: str = "kukar", email: str = "rina@kukarkab.go.id", **extra: str
) -> Client:
    """Sign up on the public site and follow the sign-in link: the new admin's client on the region's host."""
    response = Client(HTTP_HOST="localhost").post(
        "/daftar/", form_data(code=code, slug=slug, admin_email=email, **extra)
    )
    assert response.status_code == 302, response.content[:3000]
    target = urlsplit(response["Location"])
    site = Client(HTTP_HOST=target.netloc)
    assert site.get(target.path).status_code == 302  # signed in; the confirmation mail is sent
    return site


def confirm_email(site: Client, mail: Any) -> None:
    """What the admin does with the mail: open the link and press the button (on the region's host)."""
    match = CONFIRM_LINK.search(mail.body)
    assert match is not None, mail.body
    assert site.post(f"/akun/confirm-email/{match.group(1)}/").status_code == 302


def closed_scored_round(region: Region, admin_email: str) -> Round:
    """A trial round the admin ran: employees, a session, takers' answers, closed and scored."""
    with schema_context(region.schema_name):
        people_demo.seed(region, count=60)
        admin = User.objects.get(email=admin_email)
        round_ = open_round(region, admin, name="Uji coba IKD")
        takers = list(Participant.objects.filter(round=round_).order_by("pk")[:50])
        simulation.simulate_attempts(round_, takers, seed=7)
        round_ = lifecycle.transition(round_, Round.State.CLOSED, admin)
        scoring.score_round(round_)
        return round_


def publish_round(site: Client, round_: Round) -> str:
    """The round page's "publish" button: the round's results are announced to its employees (only)."""
    response = site.post(f"/ronde/{round_.pk}/", {"action": "transition", "state": "published"}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def send_round(site: Client, round_: Round) -> str:
    """The explicit step: the admin confirms sending the announced round to the national benchmark."""
    response = site.post(f"/tolok-ukur/ronde/{round_.pk}/kirim/", {"confirm": "on"}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def round_state(region: Region, round_: Round) -> str:
    with schema_context(region.schema_name):
        return Round.objects.get(pk=round_.pk).state


def test_an_unverified_unapproved_region_cannot_publish_to_the_national_benchmark(
    db: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    call_command("load_instrument")
    site = sign_up()
    region = Region.objects.get(code="64.02")
    assert region.approval == "pending"
    assert (region.signup_name, region.signup_email) == ("Rina Wulandari", "rina@kukarkab.go.id")
    round_ = closed_scored_round(region, "rina@kukarkab.go.id")  # preparing and a trial round are allowed

    # 1. Straight after signup: the results are announced to the region's employees (a pending region
    # may), but the benchmark step is refused, and its page says what is missing.
    publish_round(site, round_)
    assert round_state(region, round_) == "published"
    assert not Publication.objects.filter(region_code="64.02").exists()
    results = site.get(f"/hasil/{round_.pk}/").content.decode()
    assert 'id="benchmark-refusal"' in results
    assert "hanya pengiriman ke tolok ukur nasional yang menunggu" in results
    step = site.get(f"/tolok-ukur/ronde/{round_.pk}/kirim/").content.decode()
    assert 'id="publish-refusal"' in step
    assert 'type="submit" class="btn btn-primary" disabled' in step
    page = send_round(site, round_)
    assert "Angka tidak dapat dikirim ke tolok ukur nasional" in page
    assert "belum disetujui" in page
    assert "verifikasi alamat email admin" in page
    assert not Publication.objects.filter(region_code="64.02").exists()

    # 2. Verified, not yet approved: still refused, and the operator is what is missing.
    confirm_email(site, mailoutbox[0])
    region.refresh_from_db()
    assert region.signup_email_verified_at is not None
    assert region.approval == "pending"
    page = send_round(site, round_)
    assert "belum disetujui" in page
    assert "verifikasi alamat email admin" not in page
    assert "persetujuan operator platform" in page
    assert not Publication.objects.filter(region_code="64.02").exists()

    # 3. The operator approves: the round goes out, and the admin is told by mail.
    operator = operator_client()
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post("/operator/wilayah/64.02/setujui/")
    assert response.status_code == 302
    region.refresh_from_db()
    assert (region.approval, region.approved_by) == ("approved", "ops@ikd.go.id")
    event = AuditEvent.objects.get(region_code="64.02")
    assert (event.action, event.actor, event.details["signup_email"]) == (
        "approved",
        "ops@ikd.go.id",
        "rina@kukarkab.go.id",
    )
    approved_mail = mailoutbox[-1]
    assert approved_mail.to == ["rina@kukarkab.go.id"]
    assert "disetujui" in approved_mail.subject
    assert "http://kukar.localhost/" in approved_mail.body

    assert Publication.objects.filter(region_code="64.02").count() == 0  # approval alone sends nothing
    send_round(site, round_)
    assert Publication.objects.filter(region_code="64.02").count() == 1


def test_the_operator_cannot_approve_before_the_admin_verified_the_address(db: Any) -> None:
    sign_up()
    response = operator_client().post("/operator/wilayah/64.02/setujui/", follow=True)
    assert response.status_code == 200
    assert Region.objects.get(code="64.02").approval == "pending"
    assert not AuditEvent.objects.filter(region_code="64.02").exists()
    assert "rina@kukarkab.go.id" in response.content.decode()  # the message names who has to act


def test_simulated_figures_do_not_bypass_the_approval(db: Any) -> None:
    """The one publishing step refuses whatever the caller says about the figures."""
    sign_up()
    rng = np.random.default_rng(1)
    areas = np.clip(rng.normal(2.5, 0.4, (40, 5)), 1.0, 4.0)
    people = People(
        index=areas.mean(axis=1),
        areas=areas,
        segments={dimension: [""] * 40 for dimension in DIMENSIONS},
    )
    figures = benchmark.RoundFigures(
        region_code="64.02",
        round_key="r_64_02:1",
        round_name="Uji",
        held_on=date(2026, 8, 1),
        instrument="ikd-nasional 2026.1",
        release=release_from_people(people, 40),
        simulated=True,
    )
    with pytest.raises(benchmark.PublishingError, match="belum disetujui"):
        benchmark.publish(figures)
    assert not Publication.objects.filter(region_code="64.02").exists()


def test_a_confirmation_link_from_one_region_does_not_verify_another(db: Any, mailoutbox: Any) -> None:
    """Keys are per schema: the attacker's own verified signup cannot vouch for the region it claims."""
    sign_up("64.02", "kukar", "rina@kukarkab.go.id")
    mine = sign_up("64.03", "berau-uji", "me@beraukab.go.id")
    key = CONFIRM_LINK.search(mailoutbox[1].body).group(1)  # type: ignore[union-attr]
    victim_site = Client(HTTP_HOST="kukar.localhost")
    victim_site.post(f"/akun/confirm-email/{key}/")
    assert Region.objects.get(code="64.02").signup_email_verified_at is None
    confirm_email(mine, mailoutbox[1])
    assert Region.objects.get(code="64.03").signup_email_verified_at is not None


def test_rejection_frees_the_code_for_the_rightful_owner(
    db: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    sign_up(admin_position="Staf")
    region = Region.objects.get(code="64.02")
    schema = region.schema_name
    operator = operator_client()

    queue = operator.get("/operator/persetujuan/")
    assert queue.status_code == 200
    body = queue.content.decode()
    for shown in ("Kabupaten Kutai Kartanegara", "64.02", "Rina Wulandari", "rina@kukarkab.go.id", "Staf"):
        assert shown in body
    assert [r.code for r, _url in queue.context["rows"]] == ["64.02"]

    # The rightful owner, finding the code taken, is told how to get it back.
    owner_try = Client(HTTP_HOST="localhost").post(
        "/daftar/", form_data(slug="kukar-asli", admin_email="kepala.bkpsdm@kukarkab.go.id")
    )
    assert owner_try.status_code == 200
    assert "menunggu persetujuan" in owner_try.content.decode()

    # A reason is required; without it nothing is deleted.
    assert operator.post("/operator/wilayah/64.02/tolak/", {"reason": " "}).status_code == 400
    assert Region.objects.filter(code="64.02").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(
            "/operator/wilayah/64.02/tolak/", {"reason": "BKPSDM Kukar tidak mengenal pendaftar ini."}
        )
    assert response.status_code == 302
    assert not Region.objects.filter(code="64.02").exists()
    assert not Domain.objects.filter(domain="kukar.localhost").exists()
    assert not schema_exists(schema)
    event = AuditEvent.objects.get(region_code="64.02")
    assert (event.action, event.actor, event.reason) == (
        "rejected",
        "ops@ikd.go.id",
        "BKPSDM Kukar tidak mengenal pendaftar ini.",
    )
    assert (event.details["signup_email"], event.details["signup_position"]) == (
        "rina@kukarkab.go.id",
        "Staf",
    )
    rejected_mail = mailoutbox[-1]
    assert rejected_mail.to == ["rina@kukarkab.go.id"]
    assert "BKPSDM Kukar tidak mengenal pendaftar ini." in rejected_mail.body
    assert Client(HTTP_HOST="kukar.localhost").get("/").status_code == 404

    # The rightful owner signs up for the same code (and the same address) and starts clean.
    sign_up(email="kepala.bkpsdm@kukarkab.go.id")
    owner = Region.objects.get(code="64.02")
    assert (owner.approval, owner.signup_email) == ("pending", "kepala.bkpsdm@kukarkab.go.id")
    with schema_context(owner.schema_name):
        assert list(User.objects.values_list("email", flat=True)) == ["kepala.bkpsdm@kukarkab.go.id"]


def test_rejection_withdraws_what_was_published_under_the_code(
    db: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A region from before approvals may hold figures: a rejected claim leaves none for the owner."""
    from tests.benchmark.conftest import publish_regions

    publish_regions(codes=("64.03",), years=(2025,))
    sign_up("64.03", "berau-uji", "x@beraukab.go.id")
    assert Publication.objects.filter(region_code="64.03").exists()
    response = operator_client().post("/operator/wilayah/64.03/tolak/", {"reason": "Bukan pegawai Berau."})
    assert response.status_code == 302
    assert not Publication.objects.filter(region_code="64.03").exists()


def test_an_approved_region_cannot_be_rejected(db: Any, region_a: Any) -> None:
    response = operator_client().post("/operator/wilayah/64.72/tolak/", {"reason": "Salah"})
    assert response.status_code == 302
    assert Region.objects.filter(code="64.72").exists()
    assert not AuditEvent.objects.filter(region_code="64.72", action="rejected").exists()


def test_the_region_pages_say_what_is_missing(
    db: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    site = sign_up()
    page = site.get("/").content.decode()
    assert "menunggu persetujuan" in page
    assert "verifikasi alamat email admin" in page
    assert "rina@kukarkab.go.id" in page
    assert "/akun/email/" in page  # the admin can ask for the link again
    benchmark_page = site.get("/tolok-ukur/").content.decode()
    assert 'id="publish-refusal"' in benchmark_page

    confirm_email(site, mailoutbox[0])
    page = site.get("/").content.decode()
    assert "menunggu persetujuan" in page
    assert "verifikasi alamat email admin" not in page

    with django_capture_on_commit_callbacks(execute=True):
        operator_client().post("/operator/wilayah/64.02/setujui/")
    page = site.get("/").content.decode()
    assert "menunggu persetujuan" not in page
    assert 'id="publish-refusal"' not in site.get("/tolok-ukur/").content.decode()


def test_only_operators_decide(db: Any, mailoutbox: Any) -> None:
    site = sign_up()
    confirm_email(site, mailoutbox[0])
    anonymous = Client(HTTP_HOST="localhost")
    assert anonymous.post("/operator/wilayah/64.02/setujui/").status_code == 302  # to the sign-in page
    assert anonymous.get("/operator/persetujuan/").status_code == 302
    viewer = make_user(None, Role.NATIONAL_VIEWER, email="analis@bkn.go.id")
    national = Client(HTTP_HOST="localhost")
    national.force_login(viewer)
    assert national.post("/operator/wilayah/64.02/setujui/").status_code == 403
    assert national.get("/operator/persetujuan/").status_code == 403
    assert Region.objects.get(code="64.02").approval == "pending"


def test_a_region_from_before_approvals_waits_for_review_with_its_admin_found(db: Any) -> None:
    """The migration leaves existing regions pending with no signup contact: the queue finds the admin in the
    region's schema, and the demo's seeded approval (an existing Kukar) still works."""
    region = make_region("64.03", "berau-uji", approved=False)
    Region.objects.filter(pk=region.pk).update(signup_email="", signup_name="")
    rows = operator_client().get("/operator/persetujuan/").context["rows"]
    row = next(r for r, _url in rows if r.code == "64.03")
    assert (row.signup_email, row.signup_email_verified_at) == ("admin@berau-uji.go.id", None)
    assert approval.approve_seeded(region, actor="seed_demo").is_approved
    assert AuditEvent.objects.get(region_code="64.03").actor == "seed_demo"


def test_a_rejection_that_fails_halfway_leaves_everything_in_place(db: Any, monkeypatch: Any) -> None:
    """All or nothing: a failure after the rows and the schema went (here: right after the DROP) puts the
    region, its domain and its schema back."""
    from tenants.services import provisioning

    sign_up()
    region = Region.objects.get(code="64.02")
    real_drop = provisioning.drop_schema

    def drop_then_fail(name: str) -> None:
        real_drop(name)
        raise RuntimeError("connection lost")

    monkeypatch.setattr(provisioning, "drop_schema", drop_then_fail)
    with pytest.raises(RuntimeError):
        approval.reject(region, actor="ops@ikd.go.id", reason="Uji")
    assert Region.objects.filter(code="64.02").exists()
    assert Domain.objects.filter(domain="kukar.localhost").exists()
    assert schema_exists(region.schema_name)
    assert not AuditEvent.objects.filter(region_code="64.02").exists()
