"""Without going back, through a real phone-sized browser: the page reports the items left, answers
given offline and sent late are stored, a change the server refuses as ``locked`` leaves the queue
without holding up the answers behind it, and another device resumes at the furthest item known."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django_tenants.utils import schema_context

from assessment.rounds.models import Attempt, Round
from tenants.models import Region
from tests.browser.test_taking_browser import BUDI, choose, item_shown, open_test, sign_in

pytestmark = pytest.mark.browser
__all__ = ["open_test"]  # a fixture, used by name below


def _attempt(region: Region) -> Attempt:
    with schema_context(region.schema_name):
        return Attempt.objects.get(participant__employee__nip=BUDI)


KEY = "'ikd:' + document.getElementById('taker').dataset.attempt + ':'"  # the page's storage keys


def _storage(page: Any, name: str) -> Any:
    raw = page.evaluate(f"name => localStorage.getItem({KEY} + name)", name)
    return None if raw is None else json.loads(raw)


def _store(page: Any, name: str, value: Any) -> None:
    script = f"([name, value]) => localStorage.setItem({KEY} + name, JSON.stringify(value))"
    page.evaluate(script, [name, value])


def _all_sent(page: Any) -> None:
    """Wait until the answers' queue and the report of items left are empty (acknowledged)."""
    page.wait_for_function(
        "() => { const k = 'ikd:' + document.getElementById('taker').dataset.attempt + ':';"
        " return JSON.parse(localStorage.getItem(k + 'queue') || '[]').length === 0"
        " && Object.keys(JSON.parse(localStorage.getItem(k + 'left') || '{}')).length === 0; }"
    )


def _position(page: Any) -> int:
    return int(page.locator("#progress").inner_text().split()[1])


def test_no_going_back_offline_locked_and_another_device(
    open_test: tuple[Region, Round], web_port: int, browser: Any, phone: Any
) -> None:
    region, round_ = open_test
    with schema_context(region.schema_name):
        Round.objects.filter(pk=round_.pk).update(allow_back=False)
    base = f"http://samarinda.localhost:{web_port}"
    page = phone.new_page()
    sign_in(page, base, region)
    assert page.locator("#prev").is_disabled()

    # Online: items 1 and 2 answered, on to item 3; the page says so with the save or a report.
    choose(page, 0)
    page.locator("#next").click()
    choose(page, 0)
    page.locator("#next").click()
    item_shown(page)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # sends the report now
    _all_sent(page)
    attempt = _attempt(region)
    order = attempt.item_order
    assert set(attempt.item_windows) == set(order[:2])
    assert attempt.reached_item == order[2]

    # Offline: item 3 answered twice, item 4 once, then from the overview on to item 7.
    phone.set_offline(True)
    choose(page, 0)
    choose(page, 1)
    page.locator("#next").click()
    choose(page, 0)
    page.locator("#show-summary").click()
    buttons = page.locator("#summary-list li button")
    assert buttons.nth(0).is_disabled()  # left: no way back
    assert buttons.nth(2).is_disabled()
    buttons.nth(6).click()
    item_shown(page)
    assert _position(page) == 7
    phone.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    _all_sent(page)
    attempt = _attempt(region)
    with schema_context(region.schema_name):
        stored = {a.item_code: a for a in attempt.answers.all()}
    assert set(stored) == set(order[:4])  # the offline answers, late, all stored
    assert set(attempt.item_windows) == set(order[:6])
    for jumped in order[4:6]:  # never shown: no number left for a change
        after, upto = attempt.item_windows[jumped]
        assert after == upto
    assert attempt.reached_item == order[6]

    # A change the page would never make (item 1 again) waits in the queue before a real one: the
    # server refuses it as locked, the page drops it and sends the next; item 1 keeps its answer.
    first = stored[order[0]]
    seq = _storage(page, "seq")
    if attempt.item_types[order[0]] == "ordering":  # another answer of the item's shape
        other = list(reversed(first.response))
    else:
        other = [o for o in attempt.option_order[order[0]] if o not in first.response][:1]
    key = "8a6f1f7e-0c2b-4d3e-9f1a-2b3c4d5e6f70"
    change = {"item": order[0], "response": other, "flagged": False, "seq": seq + 1, "key": key}
    _store(page, "queue", [change])
    _store(page, "seq", seq + 1)
    replies: list[tuple[int, str]] = []
    page.on(
        "response",
        lambda r: (
            replies.append((r.status, r.json().get("code") or r.json().get("outcome")))
            if r.url.endswith("/tes/api/jawab")
            else None
        ),
    )
    page.reload()
    item_shown(page)
    assert _position(page) == 7  # resumed where it was
    choose(page, 0)  # item 7, queued behind the refused change
    _all_sent(page)
    page.wait_for_function("() => document.getElementById('save-status').textContent.length > 0")
    # The page has its replies (its queue is empty); Playwright hands them to this thread a little later.
    for _ in range(100):
        if len(replies) >= 2:
            break
        page.wait_for_timeout(100)
    assert replies[0] == (409, "locked")
    assert (200, "saved") in replies[1:]
    with schema_context(region.schema_name):
        again = {a.item_code: a for a in _attempt(region).answers.all()}
    assert (again[order[0]].response, again[order[0]].seq) == (first.response, first.seq)
    assert order[6] in again

    # Another device (its storage empty) resumes at the furthest item known, not at item 1.
    # A second phone-sized context: storage of its own.
    other_device = browser.new_context(viewport={"width": 360, "height": 780}, locale="id-ID")
    try:
        second = other_device.new_page()
        sign_in(second, base, region, resume=True)
        assert _position(second) == 7
        assert second.locator("#prev").is_disabled()
    finally:
        other_device.close()
