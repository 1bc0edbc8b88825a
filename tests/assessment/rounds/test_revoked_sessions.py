"""Revoking an access code ends the sessions opened with it, not only future sign-ins.

The attack: someone signs in with a code that is not theirs (a lost slip, a code passed on); the
coordinator revokes it. Before, the session they already had went on saving answers and reading the
result. Now every taker request compares the session's code version with the participant's.
"""

from __future__ import annotations

from typing import Any

from django.test import Client

from accounts.roles import Role
from assessment.rounds.models import Answer, Attempt, Participant
from assessment.rounds.services import codes
from assessment.rounds.taker_views import SESSION_KEY, VERSION_KEY
from tests.assessment.rounds.test_answer_shapes import BUDI, save, signed_in
from tests.factories import make_user


def test_a_revoked_code_ends_the_session_opened_with_it(staffed: Any) -> None:
    intruder, attempt = signed_in(staffed)
    order = attempt.item_order
    single = next(code for code in order if attempt.item_types[code] == "single_choice")
    option = attempt.option_order[single][0]
    assert save(intruder, single, [option]).status_code == 200
    assert intruder.get("/tes/api/state").status_code == 200
    assert intruder.get("/tes/hasil/").status_code == 200  # signed in: "no result yet"

    participant = Participant.objects.get(pk=attempt.participant_id)
    new_code = codes.revoke(participant, make_user(staffed, Role.REGION_ADMIN))

    state = intruder.get("/tes/api/state")
    assert (state.status_code, state.json()["code"]) == (401, "login")
    refused = save(intruder, single, [attempt.option_order[single][1]], seq=2)
    assert (refused.status_code, refused.json()["code"]) == (401, "login")
    seen = intruder.post("/tes/api/lihat", {"seen": order[:2]}, content_type="application/json")
    assert seen.status_code == 401
    assert intruder.post("/tes/api/kirim").status_code == 401
    for page in ("/tes/kerjakan/", "/tes/mulai/", "/tes/selesai/", "/tes/hasil/", "/tes/hasil.pdf"):
        response = intruder.get(page)
        assert (response.status_code, response["Location"]) == (302, "/tes/"), page
    attempt.refresh_from_db()
    assert attempt.state == "in_progress"
    assert attempt.seen_items == []
    assert Answer.objects.get(attempt=attempt, item_code=single).response == [option]  # unchanged

    # The employee signs in again with the new code and carries on.
    owner = Client(HTTP_HOST="samarinda.localhost")
    assert owner.post("/tes/", {"nip": BUDI, "code": new_code})["Location"] == "/tes/mulai/"
    assert save(owner, single, [attempt.option_order[single][1]], seq=3).json()["outcome"] == "saved"
    assert owner.get("/tes/api/state").status_code == 200
    assert owner.post("/tes/api/kirim").json()["state"] == "submitted"
    assert Attempt.objects.get(pk=attempt.pk).state == "submitted"


def test_a_session_from_before_versions_were_kept_counts_as_the_first_code(staffed: Any) -> None:
    client, attempt = signed_in(staffed)
    session = client.session
    del session[VERSION_KEY]
    session.save()
    assert client.get("/tes/api/state").status_code == 200
    Participant.objects.filter(pk=attempt.participant_id).update(code_version=2)
    assert client.get("/tes/api/state").status_code == 401
    assert SESSION_KEY not in client.session  # the session forgets the participant
