"""The employee's pages on a 360 px phone (issue #15, points 2, 5, 6 and 7): the sign-in measured, the
start page outside a session window, submitting from the last item, resuming, signing out, a result
shown at once and again after the round closed, and a result page that signs out when left idle."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.results.models import Score
from assessment.results.planning import shown_value
from assessment.results.services import closing
from assessment.rounds.models import Attempt, Participant, Round, Session
from assessment.rounds.services import codes, taking
from tenants.models import Region
from tests.assessment.results.test_immediate_results import _answer_everything
from tests.browser.conftest import screenshot
from tests.browser.test_taking_browser import BUDI, item_shown, open_test
from tests.factories import make_user

pytestmark = pytest.mark.browser
__all__ = ["open_test"]  # the fixture, used by name below


def _code(region: Region) -> str:
    with schema_context(region.schema_name):
        return codes.code_for(Participant.objects.get(employee__nip=BUDI))


def _sign_in(page: Any, base: str, region: Region) -> None:
    page.goto(f"{base}/tes/")
    page.locator("#nip").fill(BUDI)
    page.locator("#code").fill(_code(region))
    page.locator("main form button[type=submit]").click()


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return box


def test_sign_in_start_outside_a_session_last_item_resume_and_sign_out(
    open_test: tuple[Region, Round], web_port: int, phone: Any
) -> None:
    region, round_ = open_test
    base = f"http://samarinda.localhost:{web_port}"
    page = phone.new_page()

    # 5. The sign-in, measured: 44 px fields with 16 px text, a numeric keypad for the NIP, a code
    # field that nothing corrects, everything inside the 360 px screen.
    page.goto(f"{base}/tes/")
    for field in ("#nip", "#code"):
        box = _box(page, field)
        assert box["height"] >= 44, (field, box)
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 360
        size = page.locator(field).evaluate("el => getComputedStyle(el).fontSize")
        assert float(size.removesuffix("px")) >= 16, (field, size)
    assert page.locator("#nip").get_attribute("inputmode") == "numeric"
    assert page.locator("#nip").get_attribute("type") == "text"
    code = page.locator("#code")
    assert code.get_attribute("autocorrect") == "off"
    assert code.get_attribute("autocapitalize") == "characters"
    assert code.get_attribute("spellcheck") == "false"
    assert _box(page, "main form button[type=submit]")["height"] >= 44
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    screenshot(page, "taker-login-360")

    # 6. Outside every session window: the start page says when the next session is, before any tap.
    with schema_context(region.schema_name):
        sessions = list(Session.objects.filter(round=round_).values_list("pk", "starts_at", "ends_at"))
        tomorrow = timezone.localtime(timezone.now(), region.tzinfo).date() + timedelta(days=1)
        starts = datetime.combine(tomorrow, time(8, 0), tzinfo=region.tzinfo)
        Session.objects.filter(round=round_).update(starts_at=starts, ends_at=starts + timedelta(hours=3))
    _sign_in(page, base, region)
    page.wait_for_url(f"{base}/tes/mulai/")
    notice = page.locator("#no-session")
    assert notice.is_visible()
    assert f"pukul 08:00 sampai 11:00 {region.time_zone}" in notice.inner_text()
    assert str(tomorrow.year) in notice.inner_text()
    assert page.locator("#consent").count() == 0
    assert _box(page, "#no-session")["y"] < 780  # on the first screen
    screenshot(page, "taker-start-no-session-360")

    with schema_context(region.schema_name):  # the session is on again
        for pk, start, end in sessions:
            Session.objects.filter(pk=pk).update(starts_at=start, ends_at=end)
    page.reload()
    page.locator("#consent").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/tes/kerjakan/")
    item_shown(page)

    # 6. From the last item, submitting is one tap away.
    page.locator("#show-summary").click()
    page.locator("#summary-list li button").last.click()
    item_shown(page)
    assert page.locator("#progress").inner_text().endswith(" 60 dari 60")
    assert page.locator("#next").is_hidden()
    finish = page.locator("#finish")
    assert finish.is_visible()
    assert finish.inner_text() == "Periksa dan kirim"
    screenshot(page, "taker-last-item-360")
    finish.click()
    submit = page.locator("#submit")
    submit.wait_for()
    assert submit.is_visible()
    assert submit.is_enabled()
    box = _box(page, "#submit")
    assert 0 <= box["y"] <= 780 - box["height"]  # on screen: no scrolling past 60 rows to find it
    assert page.locator("#summary-count").inner_text() == "0 dari 60 soal sudah dijawab"
    screenshot(page, "taker-last-item-summary-360")

    # 6. Resuming: the time left, no consent again.
    page.goto(f"{base}/tes/mulai/")
    left = page.locator("#time-left")
    assert left.is_visible()
    assert left.inner_text() in {"Sisa waktu 60 menit", "Sisa waktu 59 menit"}
    assert page.locator("#consent").count() == 0
    screenshot(page, "taker-resume-360")
    page.locator("#resume button[type=submit]").click()
    page.wait_for_url(f"{base}/tes/kerjakan/")
    item_shown(page)

    # 7. Signing out from the test page.
    signout = page.locator("#taker-signout button")
    assert signout.is_visible()
    assert _box(page, "#taker-signout button")["height"] >= 44
    signout.click()
    page.wait_for_url(f"{base}/tes/?keluar=1")
    assert page.locator("#signed-out").is_visible()
    screenshot(page, "taker-signed-out-360")
    page.goto(f"{base}/tes/kerjakan/")
    page.wait_for_url(f"{base}/tes/")
    with schema_context(region.schema_name):
        assert Attempt.objects.get().state == Attempt.State.IN_PROGRESS  # signing out submits nothing


def test_result_at_once_again_after_the_close_and_idle_sign_out(
    open_test: tuple[Region, Round], web_port: int, phone: Any
) -> None:
    region, round_ = open_test
    base = f"http://samarinda.localhost:{web_port}"
    with schema_context(region.schema_name):
        Round.objects.filter(pk=round_.pk).update(result_timing=Round.ResultTiming.IMMEDIATE)
        participant = Participant.objects.get(round=round_, employee__nip=BUDI)
        _answer_everything(taking.start(participant))  # the answers, given on the server's side
    page = phone.new_page()
    _sign_in(page, base, region)
    page.wait_for_url(f"{base}/tes/mulai/")
    page.locator("#resume button[type=submit]").click()
    item_shown(page)
    page.locator("#show-summary").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#submit").click()
    page.wait_for_url(f"{base}/tes/selesai/")
    screenshot(page, "taker-done-immediate-360")

    # 2. The result, at once.
    page.locator("#see-result").click()
    page.wait_for_url(f"{base}/tes/hasil/")
    with schema_context(region.schema_name):
        score = Score.objects.get(attempt__participant=participant)
    assert page.locator("#my-index").inner_text() == f"{shown_value(score.index):.1f}".replace(".", ",")
    assert page.locator("#taker-signout button").is_visible()
    screenshot(page, "result-immediate-360")

    # 2. The round closes; the employee signs in again on another phone and sees the same result.
    with schema_context(region.schema_name):
        closing.change_state(round_, Round.State.CLOSED, make_user(region, Role.REGION_ADMIN))
    page.close()
    page = phone.new_page()
    page.clock.install()  # the page's timers, moved on below instead of waited for
    _sign_in(page, base, region)
    page.wait_for_url(f"{base}/tes/hasil/")
    assert page.locator("#my-index").inner_text() == f"{shown_value(score.index):.1f}".replace(".", ",")
    screenshot(page, "result-after-close-360")

    # 7. Left alone: a warning a minute before, then signed out.
    page.clock.fast_forward("04:05")
    warning = page.locator("#idle-warning")
    warning.wait_for()
    assert "5 menit tanpa aktivitas" in warning.inner_text()
    screenshot(page, "result-idle-warning-360")
    page.clock.fast_forward("01:00")
    page.wait_for_url(f"{base}/tes/?keluar=idle")
    assert "tanpa aktivitas" in page.locator("#signed-out").inner_text()
    screenshot(page, "result-idle-signed-out-360")
    page.goto(f"{base}/tes/hasil/")
    page.wait_for_url(f"{base}/tes/")  # the session is gone on the server too
