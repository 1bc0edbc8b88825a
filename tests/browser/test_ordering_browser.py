"""Through a real phone-sized browser: an ordering item's shown order is confirmed as the answer, by tap
and by keyboard, and stored as a full permutation; the items shown are reported to the server."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import schema_context

from assessment.rounds.models import Answer, Attempt, Round
from tenants.models import Region
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.test_taking_browser import BUDI, item_shown, open_test, sign_in

pytestmark = pytest.mark.browser
__all__ = ["open_test"]  # the fixture, used by name below

# Functions, not expressions: Playwright evaluates an expression with eval(), which the page's
# Content-Security-Policy refuses (no 'unsafe-eval').
QUEUE_EMPTY = (
    "() => JSON.parse(localStorage.getItem('ikd:' + "
    "document.getElementById('taker').dataset.attempt + ':queue') || '[]').length === 0"
)


@pytest.fixture
def phone_390(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID", has_touch=True)
    yield context
    context.close()


def go_to(page: Any, current: int, target: int) -> None:
    for _ in range(target - current):
        page.locator("#next").click()
    item_shown(page)
    assert page.locator("#progress").inner_text().split()[1] == str(target + 1)  # "Soal 7 dari 60"


def shown_order(page: Any) -> list[str]:
    return list(page.locator(".ordering li").evaluate_all("items => items.map(li => li.dataset.option)"))


def stored(region: Region, code: str) -> list[str]:
    with schema_context(region.schema_name):
        return list(Answer.objects.get(attempt__participant__employee__nip=BUDI, item_code=code).response)


def test_the_shown_order_of_an_ordering_item_is_confirmed_as_the_answer(
    open_test: tuple[Region, Round], web_port: int, phone_390: Any
) -> None:
    region, _round = open_test
    base = f"http://samarinda.localhost:{web_port}"
    page = phone_390.new_page()
    sign_in(page, base, region)
    with schema_context(region.schema_name):
        attempt = Attempt.objects.get(participant__employee__nip=BUDI)
    orderings = [n for n, code in enumerate(attempt.item_order) if attempt.item_types[code] == "ordering"]
    assert len(orderings) >= 2, "the form should hold two ordering items"
    first, second = orderings[:2]

    # By tap: the control is on screen at phone width, and saves the order as shown.
    go_to(page, 0, first)
    code = attempt.item_order[first]
    confirm = page.locator("#confirm-order")
    confirm.scroll_into_view_if_needed()
    assert confirm.is_visible()
    assert confirm.inner_text() == "Simpan urutan ini"
    box = confirm.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert box["height"] >= 40  # a finger-sized target
    screenshot(page, "ordering-confirm-390")
    shown = shown_order(page)
    assert shown == attempt.option_order[code]  # not answered yet: the taker's shuffled order
    confirm.tap()
    page.locator("#order-saved").wait_for()
    assert page.evaluate("document.activeElement.id") == "order-saved"  # the confirmation is announced
    assert page.locator("#confirm-order").count() == 0
    page.wait_for_function(QUEUE_EMPTY)
    screenshot(page, "ordering-confirmed-390")
    assert stored(region, code) == shown
    assert sorted(shown) == sorted(attempt.option_order[code])  # a full permutation
    with schema_context(region.schema_name):  # the save carried the report of the items shown so far
        seen = Attempt.objects.get(pk=attempt.pk).seen_items
    assert seen[: first + 1] == attempt.item_order[: first + 1]

    # By keyboard: the control follows the arrows in the tab order, and Enter saves.
    go_to(page, first, second)
    code = attempt.item_order[second]
    shown = shown_order(page)
    page.locator(".ordering li").last.locator("button").first.focus()  # the last option's "up"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "confirm-order"
    page.keyboard.press("Enter")
    page.locator("#order-saved").wait_for()
    page.wait_for_function(QUEUE_EMPTY)
    assert stored(region, code) == shown
    assert (SCREENSHOTS / "ordering-confirm-390.png").exists()
