"""Rounds: the state machine, participants, codes, time, and answers saved exactly once."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from assessment.instrument.models import ItemBank
from assessment.rounds.models import Answer, Attempt, Participant, Round, RoundEvent
from assessment.rounds.services import codes, lifecycle, saving, taking
from tests.assessment.rounds.conftest import open_round, settings_for
from tests.factories import make_user

BUDI = "198703122010011003"


def test_state_machine_guards_every_transition(staffed: Any) -> None:
    admin = make_user(staffed, Role.REGION_ADMIN)
    round_ = lifecycle.create_round(settings_for(), admin)
    with pytest.raises(lifecycle.RoundError, match="session"):
        lifecycle.transition(round_, "scheduled", admin)
    with pytest.raises(lifecycle.RoundError, match="cannot become"):
        lifecycle.transition(round_, "open", admin)
    now = timezone.localtime(timezone.now(), staffed.tzinfo)
    lifecycle.add_session(
        round_,
        now.date(),
        now.time().replace(hour=0, minute=0),
        now.time().replace(hour=23, minute=59),
        staffed.tzinfo,
        admin,
    )
    with pytest.raises(lifecycle.RoundError, match="participants"):
        lifecycle.transition(round_, "scheduled", admin)
    lifecycle.set_participants(round_, mode="all", actor=admin)
    round_ = lifecycle.transition(round_, "scheduled", admin)
    assert len(round_.form_items) == 60
    assert ItemBank.objects.get(pk=round_.bank_id).locked_at is not None  # the bank is frozen now
    for state in ("open", "closed", "published"):
        round_ = lifecycle.transition(round_, state, admin)
    with pytest.raises(lifecycle.RoundError):
        lifecycle.transition(round_, "open", admin)
    actions = list(RoundEvent.objects.filter(round=round_).values_list("action", flat=True))
    assert actions.count("state_changed") == 4
    assert {"participants_set", "session_added", "created"} <= set(actions)


def test_instrument_cannot_change_once_scheduled(staffed: Any) -> None:
    round_ = open_round(staffed)
    with pytest.raises(lifecycle.RoundError, match="instrument"):
        lifecycle.update_round(round_, settings_for(form_length=40), None)
    lifecycle.update_round(round_, settings_for(name="Pengukuran IKD 2026 (ulang)"), None)  # names may change


def test_participants_by_units_and_nip_list(staffed: Any) -> None:
    admin = make_user(staffed, Role.REGION_ADMIN)
    round_ = lifecycle.create_round(settings_for(), admin)
    from assessment.people.models import WorkUnit

    change = lifecycle.set_participants(round_, mode="units", units=[WorkUnit.objects.get(code="KEC-TGR")])
    assert change.added == 1
    with pytest.raises(lifecycle.RoundError, match=r"Line 2"):
        lifecycle.set_participants(round_, mode="nips", nips_text=f"{BUDI}\n12345\n")
    change = lifecycle.set_participants(round_, mode="nips", nips_text=f"{BUDI}\n")
    assert (change.added, change.removed) == (1, 1)


def test_code_login_revocation_and_wrong_codes(staffed: Any) -> None:
    round_ = open_round(staffed)
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    code = codes.code_for(participant)
    assert len(code) == 8
    assert codes.check_login(BUDI, code.lower()) == participant
    new_code = codes.revoke(participant, None)
    assert new_code != code
    assert codes.check_login(BUDI, code) is None  # the printed code no longer works
    assert codes.check_login(BUDI, new_code) == participant
    assert RoundEvent.objects.filter(round=round_, action="code_revoked").exists()


# Wrong codes are limited per client, not per NIP: tests/accounts/test_rate_limits.py.


def started(staffed: Any, **overrides: Any) -> tuple[Round, Attempt]:
    round_ = open_round(staffed, **overrides)
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    return round_, taking.start(participant)


def test_answers_are_saved_once_and_never_overwritten_by_older_writes(staffed: Any) -> None:
    _, attempt = started(staffed)
    item = next(c for c in attempt.item_order if attempt.item_types[c] != "ordering")
    options = attempt.option_order[item]
    key = str(uuid.uuid4())
    assert saving.save_answer(attempt, item, [options[0]], False, 1, key).outcome == "saved"
    assert saving.save_answer(attempt, item, [options[0]], False, 1, key).outcome == "duplicate"  # a retry
    assert saving.save_answer(attempt, item, [options[1]], True, 3, str(uuid.uuid4())).outcome == "saved"
    late = saving.save_answer(
        attempt, item, [options[2]], False, 2, str(uuid.uuid4())
    )  # sent before, arrived after
    assert late.outcome == "stale"
    answer = Answer.objects.get(attempt=attempt, item_code=item)
    assert (answer.response, answer.flagged, answer.seq) == ([options[1]], True, 3)
    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_bad_answers_are_refused(staffed: Any) -> None:
    _, attempt = started(staffed)
    item = attempt.item_order[0]
    with pytest.raises(taking.TakingError, match="not part of your test"):
        saving.save_answer(attempt, "IKD-9.9-99", ["a"], False, 1, str(uuid.uuid4()))
    with pytest.raises(taking.TakingError, match="options"):
        saving.save_answer(attempt, item, ["z"], False, 1, str(uuid.uuid4()))


def test_answers_after_the_deadline_are_refused_and_the_attempt_submits(staffed: Any) -> None:
    _, attempt = started(staffed)
    item = attempt.item_order[0]
    later = attempt.deadline_at + timedelta(seconds=30)
    with pytest.raises(taking.TakingError, match="Time is up"):
        saving.save_answer(
            attempt, item, [attempt.option_order[item][0]], False, 1, str(uuid.uuid4()), now=later
        )
    attempt.refresh_from_db()
    assert attempt.state == "submitted"
    assert attempt.submitted_automatically


def test_time_extension_and_reopening_are_audited(staffed: Any) -> None:
    round_, attempt = started(staffed)
    admin = make_user(staffed, Role.REGION_ADMIN)
    deadline = attempt.deadline_at
    attempt = taking.extend_time(attempt, 15, admin, "listrik padam")
    assert attempt.deadline_at == deadline + timedelta(minutes=15)
    taking.submit(attempt)
    with pytest.raises(taking.TakingError):
        taking.extend_time(attempt, 5, admin)
    attempt = taking.reopen(attempt, 10, admin, "terkirim tidak sengaja")
    assert attempt.state == "in_progress"
    events = dict(RoundEvent.objects.filter(round=round_).values_list("action", "details"))
    assert events["time_extended"]["minutes"] == 15
    assert events["attempt_reopened"]["reason"] == "terkirim tidak sengaja"


def test_no_start_outside_a_session(staffed: Any) -> None:
    round_ = open_round(staffed)
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    with pytest.raises(taking.TakingError, match="no test session"):
        taking.start(participant, now=timezone.now() + timedelta(days=3))


def test_the_answer_key_never_reaches_the_browser(staffed: Any) -> None:
    round_ = open_round(staffed)
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    client = Client(HTTP_HOST="samarinda.localhost")
    response = client.post("/tes/", {"nip": BUDI, "code": codes.code_for(participant)})
    assert response["Location"] == "/tes/mulai/"
    assert client.post("/tes/mulai/", {"consent": "1"})["Location"] == "/tes/kerjakan/"
    state = client.get("/tes/api/state").json()
    assert len(state["items"]) == 60
    text = str(state)
    for secret in ("'key'", "explanation", "params"):
        assert secret not in text
    # A single-choice item: the shuffle follows the participant's id, so the first item may be any type.
    item = next(i for i in state["items"] if i["type"] == "single_choice")
    saved = client.post(
        "/tes/api/jawab",
        {"item": item["code"], "response": [item["options"][0]["id"]], "seq": 1, "key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert saved.json()["outcome"] == "saved"
    assert client.post("/tes/api/kirim").json()["state"] == "submitted"
    refused = client.post(
        "/tes/api/jawab",
        {"item": item["code"], "response": [], "seq": 2, "key": str(uuid.uuid4())},
        content_type="application/json",
    )
    assert refused.status_code == 409
    assert "already been submitted" in refused.json()["error"] or "sudah dikirim" in refused.json()["error"]


def test_wrong_code_gets_a_clear_message(staffed: Any) -> None:
    open_round(staffed)
    response = Client(HTTP_HOST="samarinda.localhost").post("/tes/", {"nip": BUDI, "code": "AAAAAAAA"})
    assert response.status_code == 400
    assert "NIP" in response.content.decode()


def test_live_progress_and_code_sheets(staffed: Any) -> None:
    round_, _ = started(staffed)
    admin = make_user(staffed, Role.REGION_ADMIN)
    client = Client(HTTP_HOST="samarinda.localhost")
    from tests.factories import PASSWORD

    client.post("/akun/login/", {"login": admin.email, "password": PASSWORD})
    data = client.get(f"/ronde/{round_.pk}/pantau.json").json()
    assert data["totals"] == {"invited": 3, "started": 1, "submitted": 0}
    unit = data["units"][0]["unit_id"]
    pdf = client.get(f"/ronde/{round_.pk}/kode/{unit}.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert client.get(f"/ronde/{round_.pk}/kode/{unit}.xlsx").status_code == 200
    assert "Siti Aminah" in client.get(f"/ronde/{round_.pk}/belum-mulai.csv").content.decode("utf-8-sig")


def test_employee_with_email_signs_in_by_emailed_code(staffed: Any) -> None:
    """allauth's sign-in by code: the code goes to the employee's email and leads to the test."""
    import re

    from django.core import mail

    from assessment.people.models import Employee

    round_ = open_round(staffed)
    budi = Employee.objects.get(nip=BUDI)
    assert budi.user is not None
    assert budi.user.email == "budi@kukarkab.go.id"
    assert not budi.user.has_usable_password()
    # Siti has no email, so no account: she uses NIP and code.
    assert Employee.objects.get(nip="199001052015032001").user is None

    client = Client(HTTP_HOST="samarinda.localhost")
    page = client.get("/tes/")
    assert "/akun/login/code/?next=/tes/" in page.content.decode()
    mail.outbox.clear()
    sent = client.post("/akun/login/code/?next=/tes/", {"email": "budi@kukarkab.go.id"})
    assert sent.status_code == 302
    code = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", mail.outbox[-1].body, re.M)
    assert code is not None, mail.outbox[-1].body
    confirmed = client.post(sent["Location"], {"code": code.group(1)})
    assert confirmed.status_code == 302
    landing = client.get(confirmed["Location"])
    assert landing["Location"] == "/tes/mulai/"
    assert client.get("/tes/mulai/").context["participant"].round == round_

    # A wrong code does not sign in.
    other = Client(HTTP_HOST="samarinda.localhost")
    sent = other.post("/akun/login/code/?next=/tes/", {"email": "budi@kukarkab.go.id"})
    refused = other.post(sent["Location"], {"code": "AAAA-AAAA"})
    assert refused.status_code == 200
    assert other.get("/tes/").status_code == 200


def test_a_second_start_at_the_same_moment_resumes_the_first_ones_attempt(staffed: Any) -> None:
    """Two taps on Mulai from two devices: both requests loaded the taker before either attempt
    existed; the unique participant refuses the second INSERT and that start returns the first attempt
    (the caller's transaction, here the test's, stays usable)."""
    round_ = open_round(staffed)
    load = Participant.objects.select_related("round__bank", "employee", "attempt")
    first_device = load.get(round=round_, employee__nip="198703122010011003")
    second_device = load.get(pk=first_device.pk)
    assert taking.attempt_of(second_device) is None  # loaded before the first start
    first = taking.start(first_device)
    again = taking.start(second_device)
    assert again.pk == first.pk
    assert again.item_order == first.item_order
    assert Attempt.objects.filter(participant=first_device).count() == 1
