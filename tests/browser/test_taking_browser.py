"""Through a real phone-sized browser: take the test, lose the connection, reload, resume, submit; and
let the time run out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context

from assessment.instrument.models import Area, Competence, Framework, Item, ItemBank, ProficiencyLevel
from assessment.people.models import Employee, ImportJob, WorkUnit
from assessment.people.services import staging, units
from assessment.rounds.models import Answer, Attempt, Participant, Round, RoundEvent, Session
from assessment.rounds.services import codes
from tenants.models import Region
from tests.assessment.people.test_import import ROW_1, ROW_2, csv
from tests.assessment.rounds.conftest import open_round
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser
BUDI = "198703122010011003"


@pytest.fixture
def open_test(committed: None) -> Iterator[tuple[Region, Round]]:
    region = Region.objects.get(code="64.72")
    call_command("load_instrument")
    with schema_context(region.schema_name):
        units.create_unit(code="DINKES", name="Dinas Kesehatan", kind="dinas")
        staging.import_file(csv(ROW_1, ROW_2), "p.csv")
        round_ = open_round(region, form_length=60, time_limit_minutes=60)
    yield region, round_
    with schema_context(region.schema_name):
        for model in (
            Answer,
            Attempt,
            Participant,
            Session,
            RoundEvent,
            Round,
            Employee,
            ImportJob,
            WorkUnit,
        ):
            model.objects.all().delete()
        from accounts.models import User

        User.objects.exclude(email="admin@samarinda.go.id").delete()
    # Raw deletes: the ORM's collector would look for rounds in the public schema, which has none.
    for model in (Item, ItemBank, Competence, Area, ProficiencyLevel, Framework):
        model.objects.all()._raw_delete(model.objects.db)


def sign_in(page: Any, base: str, region: Region, *, resume: bool = False) -> None:
    """Budi signs in and starts (consent), or with ``resume`` picks up the attempt he already started
    (another device: the start page offers to resume it)."""
    with schema_context(region.schema_name):
        code = codes.code_for(Participant.objects.get(employee__nip=BUDI))
    page.goto(f"{base}/tes/")
    page.locator("#nip").fill(BUDI)
    page.locator("#code").fill(code)
    page.locator("main form button[type=submit]").click()
    if resume:
        page.locator("#resume button[type=submit]").click()
    else:
        page.locator("#consent").check()
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/tes/kerjakan/")
    item_shown(page)


def item_shown(page: Any) -> None:
    """Wait for the item on screen: its options, or the list of an ordering item (which has no
    ``.option``), as the form's shuffled order may put one first."""
    page.locator("#item fieldset.options").wait_for()


def choose(page: Any, nth: int) -> str:
    """Answer the item on screen with its nth option (or reorder an ordering item); returns its code."""
    option = page.locator(".option input").nth(nth)
    if option.count():
        option.check()
    else:
        page.locator(".ordering button").nth(1 + 2 * nth).click()
    return page.locator("#item .item-number").inner_text()


def test_offline_answers_survive_a_reload_and_are_stored_once(
    open_test: tuple[Region, Round], web_port: int, phone: Any
) -> None:
    region, _round = open_test
    base = f"http://samarinda.localhost:{web_port}"
    page = phone.new_page()
    sign_in(page, base, region)
    for _ in range(30):  # half of the 60-item test, online
        choose(page, 0)
        page.locator("#next").click()
    # Functions, not expressions: Playwright evaluates an expression with eval(), which the page's
    # Content-Security-Policy refuses (no 'unsafe-eval').
    page.wait_for_function(
        "() => document.getElementById('save-status').textContent.indexOf('tersimpan') >= 0 || "
        "document.getElementById('save-status').textContent.indexOf('saved') >= 0"
    )
    phone.set_offline(True)
    for _ in range(3):  # offline: a first choice, then the one that counts
        choose(page, 0)
        choose(page, 1)
        page.locator("#next").click()
    page.locator("#connection").wait_for()
    screenshot(page, "taking-offline-360")
    page.reload()  # offline: the service worker serves the page, the answers come from this device
    item_shown(page)
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(
        "() => JSON.parse(localStorage.getItem('ikd:' + "
        "document.getElementById('taker').dataset.attempt + ':queue') || '[]').length === 0"
    )
    page.locator("#show-summary").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#submit").click()
    page.wait_for_url(f"{base}/tes/selesai/")
    screenshot(page, "taking-done-360")

    with schema_context(region.schema_name):
        attempt = Attempt.objects.get(participant__employee__nip=BUDI)
        assert attempt.state == "submitted"
        stored = {a.item_code: a for a in attempt.answers.all()}
        assert len(stored) == 33  # thirty online, three offline: each stored once
        items = dict(Item.objects.filter(code__in=stored).values_list("code", "type"))
        for code in attempt.item_order[30:33]:
            first, second = attempt.option_order[code][:2]
            expected = {"multiple_response": [first, second], "ordering": None}.get(items[code], [second])
            if expected is None:  # an ordering item: two moves of the first option, all options kept
                assert sorted(stored[code].response) == sorted(attempt.option_order[code])
            else:
                assert stored[code].response == expected, (code, items[code])


def test_the_timer_runs_out_and_the_test_submits_itself(
    open_test: tuple[Region, Round], web_port: int, phone: Any
) -> None:
    region, _round = open_test
    base = f"http://samarinda.localhost:{web_port}"
    page = phone.new_page()
    sign_in(page, base, region)
    choose(page, 0)
    with schema_context(region.schema_name):  # the server's clock says the time is nearly up
        Attempt.objects.update(deadline_at=timezone.now() + timedelta(seconds=4))
    page.reload()
    item_shown(page)
    page.wait_for_url(f"{base}/tes/selesai/", timeout=30_000)
    with schema_context(region.schema_name):
        attempt = Attempt.objects.get()
        assert attempt.state == "submitted"
        assert attempt.answers.count() == 1
