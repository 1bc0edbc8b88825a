"""A new region knows what to do next (#15, point 9): the dashboard's setup checklist follows the region
from nothing to an open round, counts employees in the register (not accounts), explains the trial; the
round's history reads as sentences in the region's time zone."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.utils import formats, translation

from accounts.roles import Role
from assessment.people import demo as people_demo
from assessment.people.models import WorkUnit
from assessment.rounds.models import RoundEvent
from assessment.rounds.services import lifecycle
from assessment.rounds.services.audit import history
from tests.assessment.results.test_pages import signed_in
from tests.assessment.rounds.conftest import settings_for
from tests.factories import make_user


def _state(client: Any) -> tuple[dict[str, bool], str | None, str]:
    page = client.get("/")
    assert page.status_code == 200
    checklist = page.context["checklist"]
    steps = {s.key: s.done for s in checklist.steps}
    return steps, checklist.next_step.key if checklist.next_step else None, page.content.decode()


def test_the_checklist_follows_a_new_region_to_its_open_round(region_a: Any) -> None:
    client, admin = signed_in(region_a, Role.REGION_ADMIN)
    steps, next_step, html = _state(client)
    assert list(steps) == ["units", "register", "round", "sessions", "sheets", "open"]
    assert not any(steps.values())
    assert next_step == "units"
    assert 'id="status-explained"' in html
    assert "Uji coba" in html
    assert 'data-step="units"' in html
    assert "is-next" in html

    people_demo.seed(region_a, count=40)
    make_user(region_a, Role.EMPLOYEE)  # an account that is not an employee in the register
    steps, next_step, html = _state(client)
    assert steps["units"]
    assert steps["register"]
    assert next_step == "round"
    assert re.search(r'id="register-count">40<', html)  # employees in the register, not accounts
    assert "40 pegawai dalam register" in html

    call_command("load_instrument")
    round_ = lifecycle.create_round(settings_for(), admin)
    steps, next_step, html = _state(client)
    assert steps["round"]
    assert next_step == "sessions"
    assert 'id="round-state"' in html
    assert "Draf" in html
    lifecycle.add_session(round_, date(2026, 12, 7), time(8, 0), time(10, 0), region_a.tzinfo, admin)
    lifecycle.set_participants(round_, mode="all", actor=admin)
    lifecycle.transition(round_, "scheduled", admin)
    steps, next_step, html = _state(client)
    assert steps["sessions"]
    assert next_step == "sheets"
    unit = WorkUnit.objects.filter(participations__round=round_).first()
    assert client.get(f"/ronde/{round_.pk}/kode/{unit.pk}.xlsx").status_code == 200
    steps, next_step, _html = _state(client)
    assert steps["sheets"]
    assert next_step == "open"
    lifecycle.transition(round_, "open", admin)
    steps, next_step, html = _state(client)
    assert all(steps.values())
    assert next_step is None
    assert "6 dari 6 langkah selesai" in html


def test_round_history_reads_as_sentences_in_the_regions_time_zone(region_a: Any) -> None:
    client, admin = signed_in(region_a, Role.REGION_ADMIN)
    admin.full_name = "Siti Aminah, S.Kom."
    admin.save(update_fields=["full_name"])
    call_command("load_instrument")
    people_demo.seed(region_a, count=12)
    round_ = lifecycle.create_round(settings_for(), admin)
    lifecycle.add_session(round_, date(2026, 12, 7), time(8, 0), time(10, 0), region_a.tzinfo, admin)
    lifecycle.set_participants(round_, mode="all", actor=admin)
    lifecycle.transition(round_, "scheduled", admin)

    html = client.get(f"/ronde/{round_.pk}/").content.decode()
    items = re.findall(r'<li><time datetime="[^"]+">([^<]+)</time>([^<]+)</li>', html)
    texts = [t for _w, t in items]
    assert len(items) == RoundEvent.objects.filter(round=round_).count() == 4
    assert "Siti Aminah, S.Kom. membuat ronde." in texts  # no "S.Kom.." either
    assert any("Senin, 7 Desember 2026, 08:00–10:00 WITA" in t for t in texts), texts
    assert any("12 ditambahkan" in t for t in texts), texts
    assert "Siti Aminah, S.Kom. mengubah ronde dari draf menjadi terjadwal." in texts
    assert "=" not in "".join(texts)
    assert "state_changed" not in html
    event = RoundEvent.objects.filter(round=round_).order_by("at").first()
    local = event.at.astimezone(ZoneInfo("Asia/Makassar"))
    with translation.override("id"):
        expected = f"{formats.date_format(local, 'j F Y')} {formats.time_format(local, 'H:i')} WITA"
    assert expected in [w for w, _t in items]

    # The same events read in the zone given: a region in WIT sees them an hour later.
    with translation.override("en"):
        wit = history(round_, ZoneInfo("Asia/Jayapura"), "WIT")
    assert any("Monday, 7 December 2026, 09:00–11:00 WIT" in e.text for e in wit), [e.text for e in wit]
