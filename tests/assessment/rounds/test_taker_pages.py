"""The employee's pages around the test: the start page outside a session window and when resuming,
signing out, and a result page left idle (issue #15, points 6 and 7)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from assessment.rounds.models import Attempt, Participant, Round, Session
from assessment.rounds.services import codes, taking
from assessment.rounds.taker_views import IDLE_KEY, RESULT_IDLE_SECONDS, SESSION_KEY
from tests.assessment.rounds.conftest import open_round

HOST = "samarinda.localhost"
BUDI = "198703122010011003"


def _client_for(round_: Round) -> Client:
    participant = Participant.objects.get(round=round_, employee__nip=BUDI)
    client = Client(HTTP_HOST=HOST)
    assert (
        client.post("/tes/", {"nip": BUDI, "code": codes.code_for(participant)})["Location"] == "/tes/mulai/"
    )
    return client


def test_outside_a_session_the_start_page_says_when_the_next_one_is(staffed: Any) -> None:
    round_ = open_round(staffed)
    tz = staffed.tzinfo
    tomorrow = timezone.localtime(timezone.now(), tz).date() + timedelta(days=1)
    starts = datetime.combine(tomorrow, time(0, 0), tzinfo=tz)
    Session.objects.filter(round=round_).delete()
    Session.objects.create(
        round=round_, starts_at=starts + timedelta(hours=8), ends_at=starts + timedelta(hours=11, minutes=30)
    )
    client = _client_for(round_)
    page = client.get("/tes/mulai/")
    html = page.content.decode()
    facts = page.context["facts"]
    assert not facts.can_start
    assert facts.next_session is not None
    # Before the taker taps anything: the day and the times in the region's own zone, no start button.
    assert 'id="no-session"' in html
    assert "pukul 08:00 sampai 11:30 " + staffed.time_zone in html  # the page is in Indonesian
    assert f"{tomorrow.day} " in html
    assert str(tomorrow.year) in html
    assert 'name="consent"' not in html
    refused = client.post("/tes/mulai/", {"consent": "1"})  # a stale page's tap is refused, with the reason
    assert refused.status_code == 200
    assert refused.context["error"]
    assert not Attempt.objects.exists()

    Session.objects.all().delete()  # no session left at all: the page says to ask the coordinator
    html = client.get("/tes/mulai/").content.decode()
    assert "tidak ada sesi lain yang dijadwalkan" in html
    assert 'name="consent"' not in html


def test_resuming_shows_the_time_left_and_does_not_ask_for_consent_again(staffed: Any) -> None:
    round_ = open_round(staffed, time_limit_minutes=45)
    client = _client_for(round_)
    first = client.get("/tes/mulai/").content.decode()
    assert 'name="consent"' in first
    assert client.post("/tes/mulai/", {}).status_code == 200  # no consent: not started
    assert not Attempt.objects.exists()
    assert client.post("/tes/mulai/", {"consent": "1"})["Location"] == "/tes/kerjakan/"
    attempt = Attempt.objects.get()
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline_at=timezone.now() + timedelta(minutes=17, seconds=30)
    )
    # Even outside every session: an attempt in progress resumes until its own deadline.
    Session.objects.filter(round=round_).update(ends_at=timezone.now() - timedelta(minutes=1))

    page = client.get("/tes/mulai/")
    html = page.content.decode()
    assert page.context["facts"].resuming
    assert 'id="time-left"' in html
    assert "Sisa waktu 18 menit" in html
    assert 'name="consent"' not in html
    assert 'id="no-session"' not in html
    assert client.post("/tes/mulai/", {})["Location"] == "/tes/kerjakan/"  # continue: no consent asked


def test_signing_out_ends_the_session(staffed: Any) -> None:
    round_ = open_round(staffed)
    client = _client_for(round_)
    assert client.post("/tes/mulai/", {"consent": "1"}).status_code == 302
    assert 'action="/tes/keluar/"' in client.get("/tes/kerjakan/").content.decode()
    assert client.get("/tes/keluar/").status_code == 405  # a link cannot sign anybody out
    out = client.post("/tes/keluar/")
    assert out["Location"] == "/tes/?keluar=1"
    assert SESSION_KEY not in client.session
    assert client.get("/tes/kerjakan/")["Location"] == "/tes/"
    assert client.get("/tes/api/state").status_code == 401
    assert "Anda sudah keluar" in client.get(out["Location"]).content.decode()


def test_a_result_page_left_idle_signs_out_but_a_test_in_progress_never_does(
    staffed: Any, monkeypatch: Any
) -> None:
    round_ = open_round(staffed, result_timing="immediate")
    client = _client_for(round_)
    client.post("/tes/mulai/", {"consent": "1"})
    clock = [1_000_000.0]
    monkeypatch.setattr("assessment.rounds.taker_views.time.time", lambda: clock[0])

    # In progress: the result page changes nothing in the session, however long the taker is away.
    assert client.get("/tes/hasil/").status_code == 200
    assert IDLE_KEY not in client.session
    clock[0] += 3600
    assert client.get("/tes/api/state").status_code == 200

    attempt = Attempt.objects.get()
    taking.submit(attempt)
    page = client.get("/tes/selesai/")
    assert 'data-idle-seconds="300"' in page.content.decode()
    assert 'id="see-result"' in page.content.decode()
    assert client.session.get_expiry_age() == RESULT_IDLE_SECONDS  # the server forgets it too
    clock[0] += RESULT_IDLE_SECONDS - 10
    assert client.get("/tes/hasil/").status_code == 200  # within the limit: the clock restarts
    clock[0] += RESULT_IDLE_SECONDS + 1
    gone = client.get("/tes/hasil/")
    assert gone["Location"] == "/tes/?keluar=idle"
    assert SESSION_KEY not in client.session
    assert client.get("/tes/hasil/")["Location"] == "/tes/"
    assert "tanpa aktivitas" in client.get("/tes/?keluar=idle").content.decode()

    # Signing in again starts afresh: the session's usual lifetime, no idle clock carried over.
    again = _client_for(round_)
    assert again.session.get_expiry_age() != RESULT_IDLE_SECONDS
