"""Built, then switched: while the warm-up builds a publication's pages, viewers are served the previous
state's built pages (nobody builds), then the new state; a withdrawal or a naming change shows at once;
without a warm-up the new state shows when the wait expires (``benchmark.services.generation``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from benchmark import tasks
from benchmark.models import Generation, Publication
from benchmark.services import generation, publishing
from tests.benchmark.conftest import PEERS, publish_regions
from tests.benchmark.test_prebuild import LINKED, built_nothing_on_request

pytestmark = pytest.mark.django_db


def mean_of(client: Client, code: str) -> float | None:
    listed = {r["code"]: r for r in client.get("/api/nasional/wilayah/").json()["results"]}
    return listed[code]["mean"] if code in listed else None


def committed(change: Any, capture: Any, delay: Any = None) -> None:
    """Run ``change`` and then its on-commit callbacks, as a real commit would, with the task's queueing
    replaced by ``delay`` (the warm-up does not run until the test says so)."""
    cache.delete(tasks.PENDING)
    with mock.patch.object(tasks.warm_portal, "delay", delay or mock.Mock()):
        with capture(execute=False) as callbacks:
            change()
        for callback in callbacks:
            callback()


def test_viewers_get_the_built_state_until_the_new_one_is_built(
    published: Any, viewer: Client, django_capture_on_commit_callbacks: Any
) -> None:
    tasks.warm_portal()
    for url in LINKED:
        assert viewer.get(url).status_code == 200, url
    before = mean_of(viewer, "64.02")
    committed(lambda: publish_regions(("64.02",), years=(2025,), seed=77), django_capture_on_commit_callbacks)
    after = Publication.objects.get(region_code="64.02", period=2025).mean
    assert after != before
    patches = built_nothing_on_request()
    with patches[0], patches[1], patches[2], patches[3], patches[4]:
        for url in LINKED:  # the warm-up is still to come: the previous state, built, and nobody builds
            assert viewer.get(url).status_code == 200, url
        assert mean_of(viewer, "64.02") == before
    tasks.warm_portal()  # built: every request from now on reads the new state, still built
    with patches[0], patches[1], patches[2], patches[3], patches[4]:
        assert mean_of(viewer, "64.02") == after
        for url in LINKED:
            assert viewer.get(url).status_code == 200, url


def test_a_withdrawal_shows_at_once(
    published: Any, viewer: Client, django_capture_on_commit_callbacks: Any
) -> None:
    tasks.warm_portal()
    assert mean_of(viewer, "64.02") is not None
    key = Publication.objects.get(region_code="64.02", period=2025).round_key
    committed(lambda: publishing.withdraw("64.02", key), django_capture_on_commit_callbacks)
    assert mean_of(viewer, "64.02") is None  # not one more request serves the withdrawn figures
    assert viewer.get("/api/nasional/wilayah/").json()["count"] == len(PEERS) - 1


def test_a_withdrawn_round_never_comes_back_while_a_later_publication_is_built(
    published: Any, viewer: Client, django_capture_on_commit_callbacks: Any
) -> None:
    tasks.warm_portal()  # the built state still holds 64.02's figures
    key = Publication.objects.get(region_code="64.02", period=2025).round_key
    committed(lambda: publishing.withdraw("64.02", key), django_capture_on_commit_callbacks)
    other = next(code for code in PEERS if code != "64.02")
    committed(lambda: publish_regions((other,), years=(2025,), seed=80), django_capture_on_commit_callbacks)
    assert mean_of(viewer, "64.02") is None  # not the older built state, which still had it
    assert not generation.built(111, started=0.0)  # a run from before the withdrawal never switches
    tasks.warm_portal()
    assert mean_of(viewer, "64.02") is None


def test_a_naming_change_shows_at_once(
    published: Any, viewer: Client, django_capture_on_commit_callbacks: Any
) -> None:
    tasks.warm_portal()
    token = generation.current()
    committed(lambda: publishing.set_naming("64.02", False), django_capture_on_commit_callbacks)
    with mock.patch.object(generation, "_pin", mock.Mock(active=True, value=None, viewer=True)):
        assert generation.current() != token


def test_without_a_warm_up_the_new_state_shows_when_the_wait_ends(
    published: Any, viewer: Client, django_capture_on_commit_callbacks: Any
) -> None:
    tasks.warm_portal()
    before = mean_of(viewer, "64.02")
    committed(lambda: publish_regions(("64.02",), years=(2025,), seed=78), django_capture_on_commit_callbacks)
    assert mean_of(viewer, "64.02") == before
    later = timezone.now() + timedelta(seconds=generation.WARMING_SECONDS + 1)
    with mock.patch.object(timezone, "now", return_value=later):  # the wait is over and no worker came
        assert mean_of(viewer, "64.02") == Publication.objects.get(region_code="64.02", period=2025).mean
    Generation.objects.update(warming_until=None)
    assert mean_of(viewer, "64.02") == Publication.objects.get(region_code="64.02", period=2025).mean


def test_a_broker_that_refuses_the_warm_up_leaves_nobody_waiting(
    published: Any, viewer: Client, django_capture_on_commit_callbacks: Any
) -> None:
    tasks.warm_portal()
    refused = mock.Mock(side_effect=ConnectionError("broker down"))
    committed(
        lambda: publish_regions(("64.02",), years=(2025,), seed=79),
        django_capture_on_commit_callbacks,
        refused,
    )
    refused.assert_called_once()
    assert mean_of(viewer, "64.02") == Publication.objects.get(region_code="64.02", period=2025).mean
    assert cache.get(tasks.PENDING) is None  # the next change queues a warm-up again


def test_a_run_that_started_earlier_never_switches_back(db: Any) -> None:
    Generation.objects.update_or_create(pk=1, defaults={"value": 333})
    assert generation.built(222, started=200.0)
    assert not generation.built(111, started=100.0)  # an older run finishing late
    assert Generation.objects.get(pk=1).served == 222
    assert generation.built(333, started=300.0)
    assert Generation.objects.get(pk=1).served == 333
