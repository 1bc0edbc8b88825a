"""Each wired event is emitted by the real action (opening and closing a round, announcing results,
finishing an import), received by a real HTTP receiver; nothing is sent for a change rolled back."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.people.models import ImportJob
from assessment.people.tasks import check_import, commit_import
from assessment.results.services import closing
from assessment.rounds.models import Round
from assessment.rounds.services import lifecycle
from tests.assessment.people.test_import import ROW_1, ROW_2, csv
from tests.assessment.rounds.conftest import open_round, staffed  # noqa: F401 - a fixture
from tests.factories import make_user
from webhooks.events import Event
from webhooks.models import Delivery, Endpoint
from webhooks.services import signing

from .conftest import Receiver

ALL = [str(e) for e in Event if e is not Event.TEST]


def received(receiver: Receiver) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in receiver.requests]


def test_a_round_opened_closed_and_announced_is_sent(
    staffed: Any,  # noqa: F811
    eager: None,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with schema_context(staffed.schema_name):
        hook = Endpoint.objects.create(url=receiver.url, events=ALL)
        admin = make_user(staffed, Role.REGION_ADMIN)
        with django_capture_on_commit_callbacks(execute=True):
            round_ = open_round(staffed, admin, name="Pengukuran IKD 2026")
        with django_capture_on_commit_callbacks(execute=True):  # the scoring task runs eagerly too
            round_ = closing.change_state(round_, Round.State.CLOSED, admin, close_in_progress=True)
        with django_capture_on_commit_callbacks(execute=True):
            round_ = closing.change_state(round_, Round.State.PUBLISHED, admin)
        assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SUCCEEDED}
    events = received(receiver)
    assert [e["type"] for e in events] == ["round.opened", "round.closed", "results.announced"]
    assert all(e["data"]["round"] == {"id": round_.pk, "name": "Pengukuran IKD 2026"} for e in events)
    assert events[0]["data"]["previous_state"] == "scheduled"
    assert events[1]["data"]["previous_state"] == "open"
    for request in receiver.requests:
        signing.verify(request.body, request.headers["IKD-Signature"], hook.secret)


def close_then_fail(round_: Round, admin: Any) -> None:
    """A close whose transaction rolls back (a later step of the same action failed)."""
    try:
        with transaction.atomic():
            lifecycle.transition(round_, Round.State.CLOSED, admin)
            raise RuntimeError("something after the close failed")
    except RuntimeError:
        return
    raise AssertionError("not rolled back")


def test_nothing_is_sent_when_the_change_is_rolled_back(
    staffed: Any,  # noqa: F811
    eager: None,
    receiver: Receiver,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with schema_context(staffed.schema_name):
        Endpoint.objects.create(url=receiver.url, events=ALL)
        admin = make_user(staffed, Role.REGION_ADMIN)
        with django_capture_on_commit_callbacks(execute=True):
            round_ = open_round(staffed, admin)
        receiver.requests.clear()
        before = Delivery.objects.count()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            close_then_fail(round_, admin)
        assert Delivery.objects.count() == before
        assert Round.objects.get(pk=round_.pk).state == Round.State.OPEN
    assert callbacks == []
    assert receiver.requests == []


def test_a_finished_import_is_sent_with_counts_only(
    region_a: Any, eager: None, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    with schema_context(region_a.schema_name):
        Endpoint.objects.create(url=receiver.url, events=["import.finished"])
        job = ImportJob.objects.create(
            filename="pegawai.csv",
            content=csv(ROW_1, ROW_2),
            state=ImportJob.State.CHECKING,
            create_units=True,
        )
        assert check_import.run(str(job.pk)) == ImportJob.State.CHECKED
        assert receiver.requests == []  # checking is not finishing
        ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.QUEUED)
        with django_capture_on_commit_callbacks(execute=True):
            assert commit_import.run(str(job.pk)) == ImportJob.State.DONE
    (event,) = received(receiver)
    assert event["type"] == "import.finished"
    assert event["data"]["import"]["id"] == str(job.pk)
    assert event["data"]["import"]["state"] == "done"
    assert event["data"]["import"]["summary"]["new"] == 2
    body = receiver.requests[0].body.decode()
    assert "198703122010011003" not in body
    assert "Siti" not in body
