"""Parallel forms on test day and in scoring (issue #17): a round with two forms hands them out in
balanced shares within each session, a taker keeps theirs, sees and answers only its items, and scoring
treats the other form's items as never given."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.instrument.models import Item, ItemBank
from assessment.people import demo as people_demo
from assessment.results.models import Score, ScoringRun
from assessment.results.services import scoring, simulation
from assessment.results.services.answers import coded_responses, item_specs, load_responses
from assessment.rounds.models import Attempt, Participant, Round, Session
from assessment.rounds.services import lifecycle, page_reports, saving, taking
from assessment.scoring.responses import code_responses
from tests.assessment.rounds.conftest import open_round, settings_for
from tests.factories import PASSWORD, make_user


@pytest.fixture
def crowd(region_a: Any) -> Iterator[Any]:
    """Region A with the national bank and 40 employees."""
    call_command("load_instrument")
    with schema_context(region_a.schema_name):
        people_demo.seed(region_a, count=40)
        yield region_a


def participants(round_: Round) -> list[Participant]:
    return list(Participant.objects.filter(round=round_).select_related("round").order_by("pk"))


def check_own_form(round_: Round, attempt: Attempt) -> None:
    own = set(round_.forms[attempt.form])
    assert len(attempt.item_order) == len(own) == round_.form_length
    assert set(attempt.item_order) == own
    assert set(attempt.option_order) == own
    assert set(attempt.item_types) == own


def test_a_session_hands_out_both_forms_in_turn(crowd: Any) -> None:
    round_ = open_round(crowd, form_count=2)
    assert len(round_.forms) == 2
    assert round_.form_items == sorted(
        set(round_.forms[0]) | set(round_.forms[1]), key=round_.form_items.index
    )
    assert len(set(round_.form_items)) > 60  # the forms differ outside the anchor block
    anchors = set(Item.objects.filter(bank=round_.bank, is_anchor=True).values_list("code", flat=True))
    first, second = anchors & set(round_.forms[0]), anchors & set(round_.forms[1])
    assert first | second == anchors  # 2027.1: 6 of 9 per area on each form, all 9 in the round
    assert len(first & second) * 2 >= len(first)

    attempts = [taking.start(p) for p in participants(round_)]
    forms = [a.form for a in attempts]
    assert Counter(forms) == {0: 20, 1: 20}
    assert all(a != b for a, b in itertools.pairwise(forms))  # one after the other: the other form
    assert sum(Session.objects.filter(round=round_).values_list("starts", flat=True)) == 40
    for attempt in attempts:
        check_own_form(round_, attempt)
        attempt.refresh_from_db()
        check_own_form(round_, attempt)


def test_every_session_gives_every_form_its_share(crowd: Any) -> None:
    admin = make_user(crowd, Role.REGION_ADMIN)
    round_ = open_round(crowd, admin, form_count=3)
    later = timezone.localtime(timezone.now(), crowd.tzinfo).date() + timedelta(days=2)
    lifecycle.add_session(round_, later, time(8, 0), time(12, 0), crowd.tzinfo, admin)
    people = participants(round_)
    today = [taking.start(p) for p in people[:17]]
    at = datetime.combine(later, time(9, 0), tzinfo=crowd.tzinfo)
    that_day = [taking.start(p, now=at) for p in people[17:]]
    for sitting, size in ((today, 17), (that_day, 23)):
        shares = Counter(a.form for a in sitting)
        assert set(shares) == {0, 1, 2}
        assert max(shares.values()) - min(shares.values()) <= 1
        assert sum(shares.values()) == size
    second = Session.objects.get(round=round_, starts_at=at.replace(hour=8))
    assert second.starts == 23


def test_a_taker_keeps_their_form_on_reload_and_another_device(crowd: Any) -> None:
    round_ = open_round(crowd, form_count=2)
    people = participants(round_)
    first = taking.start(people[0])
    for other in people[1:4]:
        taking.start(other)
    again = taking.start(people[0])  # a reload, or the same code on another device
    assert (again.pk, again.form, again.item_order) == (first.pk, first.form, first.item_order)
    assert sum(Session.objects.filter(round=round_).values_list("starts", flat=True)) == 4  # no new start
    view = taking.taker_view(again)
    assert [item["code"] for item in view["items"]] == first.item_order
    assert {item["code"] for item in view["items"]} == set(round_.forms[first.form])


def test_answers_to_the_other_forms_items_are_refused(crowd: Any) -> None:
    round_ = open_round(crowd, form_count=2)
    person = participants(round_)[0]
    attempt = taking.start(person)
    foreign = next(c for c in round_.forms[1 - attempt.form] if c not in round_.forms[attempt.form])
    option = Item.objects.get(bank=round_.bank, code=foreign).options[0]["id"]
    with pytest.raises(taking.TakingError) as refused:
        saving.save_answer_for(person.pk, foreign, [option], False, 1, str(uuid.uuid4()))
    assert refused.value.code == "item"
    with pytest.raises(taking.TakingError) as refused:
        saving.save_answer(attempt, foreign, [option], False, 2, str(uuid.uuid4()))
    assert refused.value.code == "item"
    mine = next(c for c in attempt.item_order if attempt.item_types[c] != "ordering")
    own_option = attempt.option_order[mine][0]
    assert (
        saving.save_answer_for(person.pk, mine, [own_option], False, 3, str(uuid.uuid4())).outcome == "saved"
    )
    assert page_reports.record_seen(person.pk, [foreign, mine]) == 1  # the other form's code is ignored
    attempt.refresh_from_db()
    assert attempt.seen_items == [mine]
    assert list(attempt.answers.values_list("item_code", flat=True)) == [mine]


def test_starting_with_two_forms_costs_no_extra_query(crowd: Any) -> None:
    one = open_round(crowd, name="Satu paket")
    two = open_round(crowd, name="Dua paket", form_count=2)
    counts = []
    for round_ in (one, two):
        first, person = participants(round_)[:2]
        taking.start(first)  # the bank's items are read once per process (bank_items): both rounds alike
        with CaptureQueriesContext(connection) as queries:
            taking.start(person)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    assert Session.objects.filter(round=one).get().starts == 0  # one form: the session row is not written


def test_the_form_count_is_part_of_the_instrument(crowd: Any) -> None:
    admin = make_user(crowd, Role.REGION_ADMIN)
    with pytest.raises(lifecycle.RoundError, match="1 to 4 parallel forms"):
        lifecycle.create_round(settings_for(form_count=5), admin)
    round_ = open_round(crowd, admin, form_count=2)
    with pytest.raises(lifecycle.RoundError, match="instrument"):
        lifecycle.update_round(round_, settings_for(form_count=3), admin)
    # A draft that goes back from scheduled builds its forms again with the new count.
    draft = lifecycle.create_round(settings_for(name="Draf", form_count=2), admin)
    lifecycle.add_session(
        draft, timezone.localdate() + timedelta(days=3), time(8), time(9), crowd.tzinfo, admin
    )
    lifecycle.set_participants(draft, mode="all", actor=admin)
    draft = lifecycle.transition(draft, "scheduled", admin)
    assert len(draft.forms) == 2
    draft = lifecycle.transition(draft, "draft", admin)
    draft = lifecycle.update_round(draft, settings_for(name="Draf", form_count=3), admin)
    assert (draft.forms, draft.form_items) == ([], [])
    draft = lifecycle.transition(draft, "scheduled", admin)
    assert len(draft.forms) == 3
    # A bank too small for separate forms is refused on the form count, with the reason: the 2026.1 bank
    # (one level-4 item per competence) cannot give two 100-item forms that differ in half their items.
    old_bank = ItemBank.objects.get(code="ikd-nasional", version="2026.1")
    big = lifecycle.create_round(
        settings_for(name="Panjang", bank=old_bank, form_length=100, form_count=2), admin
    )
    lifecycle.add_session(
        big, timezone.localdate() + timedelta(days=3), time(8), time(9), crowd.tzinfo, admin
    )
    lifecycle.set_participants(big, mode="all", actor=admin)
    with pytest.raises(lifecycle.RoundError, match="cannot give 2 parallel forms of 100 items") as refused:
        lifecycle.transition(big, "scheduled", admin)
    assert refused.value.field == "form_count"


def test_the_round_page_shows_the_forms(crowd: Any) -> None:
    admin = make_user(crowd, Role.REGION_ADMIN)
    round_ = open_round(crowd, admin, form_count=2)
    for person in participants(round_)[:5]:
        taking.start(person)
    client = Client(HTTP_HOST="samarinda.localhost")
    client.post("/akun/login/", {"login": admin.email, "password": PASSWORD})
    page = client.get(f"/ronde/{round_.pk}/").content.decode()
    assert 'id="forms"' in page
    assert "Paket soal paralel" in page  # the settings field, in Indonesian
    assert "peserta satu sesi tidak semuanya mendapat butir yang sama" in page
    shared = len(set(round_.forms[0]) & set(round_.forms[1]))
    assert f"2 paket paralel masing-masing berisi 60 soal, seluruhnya {120 - shared} soal berbeda" in page
    started = Counter(a.form for a in Attempt.objects.filter(participant__round=round_))
    assert sorted(started.values()) == [2, 3]


# --------------------------------------------------------------------------- scoring


def test_a_round_with_two_forms_scores_each_taker_on_their_own_form(crowd: Any) -> None:
    admin = make_user(crowd, Role.REGION_ADMIN)
    round_ = open_round(crowd, admin, name="Pengukuran dua paket", form_count=2)
    simulation.simulate_attempts(round_, participants(round_), seed=11)
    attempts = list(Attempt.objects.filter(participant__round=round_).order_by("pk"))
    assert Counter(a.form for a in attempts) == {0: 20, 1: 20}
    for attempt in attempts:
        own = set(round_.forms[attempt.form])
        assert set(attempt.item_order) == set(attempt.seen_items) == own
        assert set(attempt.answers.values_list("item_code", flat=True)) <= own

    specs = item_specs(round_)
    assert [s.id for s in specs] == round_.form_items  # the union of the forms
    coded = coded_responses(specs, load_responses(round_, specs))
    columns = {s.id: j for j, s in enumerate(specs)}
    for row, attempt in enumerate(attempts):
        other = [columns[c] for c in round_.form_items if c not in round_.forms[attempt.form]]
        assert coded.not_reached[row, other].all()  # never given: not administered
        assert not coded.omitted[row, other].any()
        assert not coded.answered[row, other].any()
        assert not coded.administered[row, other].any()
        assert coded.n_reached[row] <= 60

    round_ = lifecycle.transition(round_, Round.State.CLOSED, admin)
    scoring.score_round(round_)
    scores = Score.objects.filter(round=round_)
    assert scores.count() == 40
    complete = [s for s in scores if s.complete]
    assert len(complete) >= 36
    assert all(s.index is not None for s in complete)
    run = ScoringRun.objects.get(round=round_)
    assert len(run.quality["items"]) == len(round_.form_items)


def test_completeness_counts_only_the_takers_own_items(crowd: Any) -> None:
    """35 of 60 own items answered is complete, although the two forms together hold more than 70."""
    round_ = open_round(crowd, form_count=2)
    specs = item_specs(round_)
    assert len(specs) > 70
    form = round_.forms[0]
    by_id = {s.id: s for s in specs}
    answers = {code: list(by_id[code].key[:1]) for code in form[:35]}
    for code in form[:35]:
        if by_id[code].type in {"ordering", "multiple_response"}:  # the whole key is a full answer
            answers[code] = list(by_id[code].key)
    coded = code_responses(specs, [answers, answers], orders=[form, []])
    assert coded.complete.tolist() == [True, False]  # no order: every item counts, 35 < half of them
    assert int(coded.answered[0].sum()) == 35
    assert np.array_equal(
        coded.not_reached[0], np.array([s.id not in form or s.id in form[35:] for s in specs])
    )
