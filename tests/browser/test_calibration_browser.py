"""Through a real browser (issue #17): the platform operator starts a national calibration on the closed
rounds of two consenting regions, follows the run (a real Celery worker), reads the proposal's report,
leaves out the item DIF put in category C, and accepts it as version 1; the region admin then sees
"Parameter baru tersedia" on the round's page and re-scores the round under version 1 explicitly.

The rounds are simulated takers (``scored_round``); one item is made to favour women strongly in both
regions (women mostly right, men mostly wrong) so the Mantel-Haenszel screening has a category C item to
show. Screenshots at 1280 and 360 px go to .ikd/screenshots/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from assessment.instrument.models import CalibrationJob, Item, ParameterSet
from assessment.results.models import ScoringRun
from assessment.rounds.models import Answer, Attempt, Round
from tenants.models import Region
from tests.assessment.results.conftest import scored_round
from tests.browser.conftest import remove_scored_rounds, screenshot
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.browser

OPERATOR_EMAIL = "kalibrasi-nasional@ikd.go.id"
ADMIN_EMAIL = "kalibrasi@samarindakota.go.id"
TAKERS = 180


def _plant_dif(region: Region, round_: Round, code: str) -> None:
    """Women answer ``code`` right nine times in ten, men one time in four, whatever their ability: an
    item that functions differently by sex (not a perfect split, whose odds ratio would be infinite)."""
    rng = np.random.default_rng(17)
    with schema_context(region.schema_name):
        item = Item.objects.get(bank=round_.bank, code=code)
        right = [item.key[0]]
        wrong = [next(o["id"] for o in item.options if o["id"] != item.key[0])]
        answers = Answer.objects.filter(attempt__participant__round=round_, item_code=code).select_related(
            "attempt__participant__employee"
        )
        for answer in answers:
            chance = 0.9 if answer.attempt.participant.employee.sex == "P" else 0.25
            answer.response = right if rng.random() < chance else wrong
        Answer.objects.bulk_update(list(answers), ["response"])


def _remove_round_data(region: Region, keep_users: set[int]) -> None:
    """A region's rounds, people and the users made here (its own admin stays): the region part of
    ``remove_scored_rounds`` for region B, whose admin is not Samarinda's."""
    from assessment.people.models import Employee, ImportJob, WorkUnit
    from assessment.results.models import TrainingCourse

    with schema_context(region.schema_name):
        Round.objects.all().delete()  # cascades to sessions, attempts, answers, scores, events
        for model in (TrainingCourse, Employee, ImportJob):
            model.objects.all().delete()
        while WorkUnit.objects.exists():
            WorkUnit.objects.filter(children__isnull=True).delete()
        User.objects.exclude(pk__in=keep_users).delete()


def _remove_operator() -> None:
    """Raw delete: the ORM's collector would look for region tables in the public schema."""
    from allauth.account.models import EmailAddress

    users = User.objects.filter(email=OPERATOR_EMAIL)
    for model in (Authenticator, User.groups.through, User.user_permissions.through, EmailAddress):
        model.objects.filter(user__in=users).delete()
    users._raw_delete(users.db)


@pytest.fixture
def contributing(committed: None) -> Iterator[dict[str, Any]]:
    """A closed round of 180 takers in Samarinda and in Balikpapan, both consenting; one planted DIF item."""
    samarinda = Region.objects.get(code="64.72")
    balikpapan = Region.objects.get(code="64.71")
    with schema_context(balikpapan.schema_name):
        keep = set(User.objects.values_list("pk", flat=True))
    try:
        call_command("load_instrument")
        with schema_context(samarinda.schema_name):
            round_a = scored_round(samarinda, employees=200, takers=TAKERS)
        with schema_context(balikpapan.schema_name):
            round_b = scored_round(balikpapan, employees=200, takers=TAKERS)
        common = set(round_a.form_items) & set(round_b.form_items)
        planted = next(
            i.code
            for i in Item.objects.filter(bank=round_a.bank, code__in=common, is_anchor=False).order_by("code")
            if i.type == Item.Type.SINGLE_CHOICE
        )
        _plant_dif(samarinda, round_a, planted)
        _plant_dif(balikpapan, round_b, planted)
        Region.objects.filter(pk__in=[samarinda.pk, balikpapan.pk]).update(contributes_to_calibration=True)
        admin = make_user(samarinda, Role.REGION_ADMIN, email=ADMIN_EMAIL, full_name="Sri Handayani")
        yield {"region": samarinda, "round": round_a, "other": balikpapan, "planted": planted, "admin": admin}
    finally:
        Region.objects.filter(pk__in=[samarinda.pk, balikpapan.pk]).update(contributes_to_calibration=False)
        CalibrationJob.objects.all().delete()
        _remove_round_data(balikpapan, keep)
        remove_scored_rounds(samarinda)


@pytest.fixture
def operator_cookie(committed: None) -> Iterator[dict[str, Any]]:
    """A signed-in operator's session (the authenticator made after signing in stands for the TOTP step the
    console demands, as in tests/tenants/test_status.py)."""
    operator = make_user(None, Role.PLATFORM_OPERATOR, email=OPERATOR_EMAIL, full_name="Rina Operator")
    client = Client(HTTP_HOST="localhost")
    assert client.post("/akun/login/", {"login": OPERATOR_EMAIL, "password": PASSWORD}).status_code == 302
    Authenticator.objects.create(user=operator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    try:
        yield {
            "name": "sessionid",
            "value": client.cookies["sessionid"].value,
            "domain": "localhost",
            "path": "/",
        }
    finally:
        _remove_operator()


def _fits(page: Any, width: int) -> bool:
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


def test_operator_calibrates_nationally_leaves_out_a_dif_item_and_the_region_rescores(
    contributing: dict[str, Any],
    operator_cookie: dict[str, Any],
    celery_worker: str,
    web_port: int,
    browser: Any,
) -> None:
    planted = contributing["planted"]
    site = f"http://localhost:{web_port}"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    context.add_cookies([operator_cookie])
    page = context.new_page()

    # The list: no set yet, both regions consent, one closed round each.
    page.goto(f"{site}/operator/kalibrasi/")
    contributors = page.locator("#contributors")
    assert "Kota Samarinda" in contributors.inner_text()
    assert "Kota Balikpapan" in contributors.inner_text()
    assert contributors.locator("tr[data-region='64.72'] td").nth(2).inner_text() == str(TAKERS)
    screenshot(page, "calibration-list-1280")

    # Choosing nothing is refused at the field, in Indonesian.
    page.get_by_role("link", name="Kalibrasi nasional baru").click()
    page.wait_for_url(f"{site}/operator/kalibrasi/baru/")
    page.get_by_role("button", name="Mulai kalibrasi").click()
    assert "Pilih paling sedikit satu ronde." in page.locator("#id_rounds_error").inner_text()
    # One round alone holds too few persons.
    page.locator("[data-region='64.72'] input[type=checkbox]").check()
    page.get_by_role("button", name="Mulai kalibrasi").click()
    assert "paling sedikit 200" in page.locator("#id_rounds_error").inner_text()
    screenshot(page, "calibration-new-refused-1280")

    # Both rounds: the run starts and its page follows it until the proposal is there.
    page.locator("[data-region='64.71'] input[type=checkbox]").check()
    assert page.locator("[data-region='64.72'] input[type=checkbox]").is_checked()  # kept after the refusal
    page.get_by_role("button", name="Mulai kalibrasi").click()
    page.wait_for_url(f"{site}/operator/kalibrasi/proses/*/")
    screenshot(page, "calibration-running-1280")
    page.wait_for_url(f"{site}/operator/kalibrasi/set/*/", timeout=240_000)
    parameter_set = ParameterSet.objects.get(kind=ParameterSet.Kind.NATIONAL)
    assert parameter_set.accepted_at is None

    # The report: what it rests on, the models, drift, the items and the planted DIF item.
    assert page.locator("#set-state").inner_text() == "diusulkan"
    assert page.locator("#persons").inner_text() == str(2 * TAKERS)
    sources = page.locator("#sources").inner_text()
    assert "Kota Samarinda" in sources
    assert "Kota Balikpapan" in sources
    assert page.locator("#models [data-model]").count() == 5
    assert "Pergeseran butir jangkar" in page.locator("#drift").inner_text()
    assert page.locator("#items-table tbody tr").count() == len(parameter_set.fit)
    flagged = page.locator(f"#dif-sex tr[data-dif-item='{planted}']")
    assert "perlu ditelaah" in flagged.inner_text()
    screenshot(page, "calibration-report-1280")

    # Accepting without the confirmation is refused by the server (the box is only a checkbox).
    flagged.get_by_label("tinggalkan dari penskoran pada versi berikutnya").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Terima sebagai versi 1").click()
    page.locator("#id_confirm_error").wait_for()
    assert "Centang kotak konfirmasi" in page.locator("#id_confirm_error").inner_text()
    assert page.locator(f"#dif-sex tr[data-dif-item='{planted}'] input[type=checkbox]").is_checked()
    ParameterSet.objects.get(pk=parameter_set.pk, accepted_at__isnull=True)

    page.get_by_label("Saya telah membaca laporan ini").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Terima sebagai versi 1").click()
    page.locator(".alert-success").first.wait_for()
    assert "Diterima sebagai versi 1 oleh Rina Operator" in page.locator("#accepted").inner_text()
    assert "Ini versi yang berlaku saat ini" in page.locator("#current-version").inner_text()
    assert planted in page.locator("#excluded").inner_text()
    screenshot(page, "calibration-accepted-1280")
    parameter_set.refresh_from_db()
    assert (parameter_set.version, parameter_set.excluded) == (1, [planted])
    assert parameter_set.accepted_by == f"Rina Operator <{OPERATOR_EMAIL}>"

    # On a phone: the report and the list fit the screen; the wide tables scroll inside their boxes.
    page.set_viewport_size({"width": 360, "height": 780})
    for name, url in {
        "calibration-report-360": f"{site}/operator/kalibrasi/set/{parameter_set.pk}/",
        "calibration-list-360": f"{site}/operator/kalibrasi/",
        "calibration-new-360": f"{site}/operator/kalibrasi/baru/",
    }.items():
        page.goto(url)
        assert _fits(page, 360), name
        screenshot(page, name)
    context.close()

    # The region admin: the round page offers the new version, and re-scores under it only when asked.
    region, round_ = contributing["region"], contributing["round"]
    base = f"http://samarinda.localhost:{web_port}"
    for width in (1280, 360):
        admin_context = browser.new_context(viewport={"width": width, "height": 900}, locale="id-ID")
        admin = admin_context.new_page()
        admin.goto(f"{base}/akun/login/")
        admin.locator("input[name=login]").fill(ADMIN_EMAIL)
        admin.locator("input[name=password]").fill(PASSWORD)
        admin.locator("main form button[type=submit]").click()
        admin.wait_for_url(f"{base}/")
        admin.goto(f"{base}/ronde/{round_.pk}/")
        offer = admin.locator("#new-parameters")
        assert "Parameter baru tersedia" in offer.inner_text()
        assert "360 orang dari 2 daerah" in offer.inner_text()
        assert _fits(admin, width)
        offer.scroll_into_view_if_needed()
        screenshot(admin, f"calibration-round-offer-{width}")
        if width == 360:
            admin.once("dialog", lambda dialog: dialog.accept())
            offer.get_by_role("button", name="Skor ulang dengan versi 1").click()
            admin.locator(".alert-success").wait_for()
            assert (
                "Penskoran dengan parameter versi 1 dimulai" in admin.locator(".alert-success").inner_text()
            )
            screenshot(admin, "calibration-round-rescoring-360")
        admin_context.close()

    # The worker scores the round under version 1; the round then rests on it and offers nothing new.
    with schema_context(region.schema_name):
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            run = ScoringRun.objects.get(round=round_)
            if (
                run.state in {ScoringRun.State.DONE, ScoringRun.State.FAILED}
                and "rescore_to" not in run.parameters
            ):
                break
            time.sleep(1)
        assert run.state == ScoringRun.State.DONE, run.failure
        assert run.parameters.get("set_id") == parameter_set.pk
        assert Attempt.objects.filter(participant__round=round_).count() == TAKERS
