"""The talent view as the region admin uses it (#18, point 7): the list with its filters and counts, the
figures equal to the result page's, the export, the shortlist with its evidence, access and audit."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from assessment.people.models import Employee, WorkUnit
from assessment.results.models import Score, TrainingCourse
from assessment.results.planning import shown_value
from assessment.results.services import catalogue, reading, segments
from assessment.talent.services import register
from assessment.talent.services.register import TalentFilters
from assessment.talent.services.shortlist import MAX_TIES_SHOWN, ShortlistRequest, shortlist
from assessment.training.models import Source, TrainingRecord
from audit.models import Event
from tests.assessment.results.test_pages import HOST, signed_in
from tests.factories import PASSWORD, make_user


def _latest_complete(round_: Any) -> dict[int, Score]:
    return {s.employee_id: s for s in Score.objects.filter(round=round_, complete=True)}


def _ids(filters: TalentFilters, on: date) -> set[int]:
    return set(register.employees(filters, on).values_list("pk", flat=True))


def test_the_list_shows_each_employees_latest_result_as_the_result_page_does(scored: Any) -> None:
    region, round_ = scored
    admin, _ = signed_in(region, Role.REGION_ADMIN)
    page = admin.get("/talenta/")
    assert page.status_code == 200
    talent = page.context["page"]
    active = Employee.objects.filter(is_active=True).count()
    scores = _latest_complete(round_)
    assert talent.total == active
    assert talent.level_counts["none"] == active - len(scores)
    for level in (1, 2, 3, 4):
        assert talent.level_counts[str(level)] == sum(1 for s in scores.values() if s.level == level)
    html = page.content.decode()
    assert 'role="img"' in html
    assert "level-badge" in html
    assert len(talent.rows) == register.PAGE_SIZE

    # Every row with a result carries the stored figures, named and rounded as the result page does.
    fw = reading.framework_of(round_)
    checked = 0
    for row in talent.rows:
        score = scores.get(row.employee_id)
        if score is None:
            assert row.result is None
            continue
        checked += 1
        assert row.result.index == score.index
        assert row.result.level == score.level
        assert row.result.shown == shown_value(score.index)
        assert row.result.level_name == fw.levels[score.level]
        expected = reading.area_rows(score, fw)
        assert [(m.area, m.name, m.score, m.level) for m in row.result.areas] == [
            (str(a["area"]), a["name"], a["score"], a["level"]) for a in expected
        ]
        assert row.result.answered == score.answered
        assert row.result.round_id == round_.pk
        assert f'href="/hasil/{round_.pk}/pegawai/{row.employee_id}/"' in html
    assert checked > 0

    # The second page continues the first; a page beyond the last shows the last.
    second = admin.get("/talenta/", {"page": "2"}).context["page"]
    assert {r.employee_id for r in second.rows}.isdisjoint({r.employee_id for r in talent.rows})
    assert admin.get("/talenta/", {"page": "999"}).context["page"].page == talent.pages


def test_an_incomplete_attempt_leaves_the_employee_unmeasured(scored: Any) -> None:
    _region, round_ = scored
    score = Score.objects.filter(round=round_, complete=True).order_by("pk").first()
    Score.objects.filter(pk=score.pk).update(complete=False, index=None, level=0)
    on = timezone.localdate()
    assert score.employee_id in _ids(TalentFilters(level="none"), on)
    assert score.employee_id not in _ids(TalentFilters(level=str(score.level)), on)


def test_filters_match_the_segment_rules_and_take_sub_units(scored: Any) -> None:
    _region, _round = scored
    on = timezone.localdate()
    people = list(Employee.objects.filter(is_active=True))
    everyone = {e.pk for e in people}
    # Rank group and age band: the SQL filters select exactly whom the results' own functions put there.
    for key in (*register.RANK_GROUPS, register.NOT_RECORDED):
        wanted = "" if key == register.NOT_RECORDED else key
        expected = {e.pk for e in people if segments.rank_group(e.employment_status, e.rank) == wanted}
        assert _ids(TalentFilters(rank_group=key), on) == expected, key
    some_age = 0
    for key in (*register.AGE_BANDS, register.NOT_RECORDED):
        wanted = "" if key == register.NOT_RECORDED else key
        expected = {e.pk for e in people if segments.age_band(e.birth_date, on) == wanted}
        some_age += len(expected)
        assert _ids(TalentFilters(age_band=key), on) == expected, key
    assert some_age == len(everyone)
    # Birthdays at the edge of a band: 30 today is 30-39, 30 tomorrow is still under 30.
    edge = people[0]
    Employee.objects.filter(pk=edge.pk).update(birth_date=on.replace(year=on.year - 30))
    assert edge.pk in _ids(TalentFilters(age_band="30-39"), on)
    Employee.objects.filter(pk=edge.pk).update(
        birth_date=date(on.year - 30, on.month, on.day) + (date(2001, 1, 2) - date(2001, 1, 1))
    )
    assert edge.pk in _ids(TalentFilters(age_band="<30"), on)

    for kind in Employee.PositionType.values:
        expected = {e.pk for e in people if e.position_type == kind}
        assert _ids(TalentFilters(position_type=kind), on) == expected

    # A unit with a sub-unit: filtering by the parent takes the sub-unit's people too.
    parent = WorkUnit.objects.filter(employees__is_active=True).distinct().first()
    child = WorkUnit.objects.create(
        code="SUB-1", name="Bidang Aplikasi", name_key="bidang aplikasi", parent=parent
    )
    grandchild = WorkUnit.objects.create(code="SUB-2", name="Seksi Data", name_key="seksi data", parent=child)
    moved = [e for e in people if e.unit_id != parent.pk][:2]
    Employee.objects.filter(pk=moved[0].pk).update(unit=child)
    Employee.objects.filter(pk=moved[1].pk).update(unit=grandchild)
    in_parent = _ids(TalentFilters(unit_id=parent.pk), on)
    assert {moved[0].pk, moved[1].pk} <= in_parent
    assert in_parent == set(
        Employee.objects.filter(is_active=True, unit__in=[parent, child, grandchild]).values_list(
            "pk", flat=True
        )
    )
    assert _ids(TalentFilters(unit_id=grandchild.pk), on) == {moved[1].pk}

    # Through the page: the filters combine, the count says how many match.
    admin, _ = signed_in(_region, Role.REGION_ADMIN)
    page = admin.get("/talenta/", {"unit": parent.pk, "position_type": "pelaksana", "level": "2"})
    expected = _ids(TalentFilters(unit_id=parent.pk, position_type="pelaksana", level="2"), on)
    assert page.context["page"].total == len(expected)
    assert {r.employee_id for r in page.context["page"].rows} <= expected


def test_sorting_by_index_and_by_jp(scored: Any) -> None:
    _region, round_ = scored
    on = timezone.localdate()
    rows = register.talent_page(TalentFilters(sort="-index"), on=on).rows
    indexes = [r.result.index for r in rows if r.result]
    assert indexes == sorted(indexes, reverse=True)
    assert len(indexes) == len(rows)
    someone = Score.objects.filter(round=round_, complete=True).order_by("-pk").first().employee
    TrainingRecord.objects.create(
        employee=someone,
        course_title="Literasi Data",
        title_key="literasi data",
        completed_on=on,
        jp=Decimal("12.5"),
        source=Source.MANUAL,
    )
    first = register.talent_page(TalentFilters(sort="-jp"), on=on).rows[0]
    assert first.employee_id == someone.pk
    assert first.jp == Decimal("12.5")


def test_shortlist_ranks_by_the_area_score_with_its_evidence(scored: Any) -> None:
    region, round_ = scored
    on = timezone.localdate()
    catalogue.ensure_seeded()
    fw = reading.framework_of(round_)
    area = fw.areas[0][0]
    scores = _latest_complete(round_)
    at_level = sorted(
        (s for s in scores.values() for a in s.areas if str(a["area"]) == area and a["level"] >= 2),
        key=lambda s: (-next(a["score"] for a in s.areas if str(a["area"]) == area), -(s.index or 0)),
    )
    assert len(at_level) > 5
    # JP in a course of the area counts as the area's; another course only in the year's total.
    area_course = next(
        c
        for c in TrainingCourse.objects.all()
        if any(fw.competences.get(x, ("",))[0] == area for x in c.competences)
    )
    best = at_level[0].employee
    TrainingRecord.objects.create(
        employee=best,
        course_title=area_course.title,
        title_key="a",
        completed_on=on,
        jp=Decimal(8),
        source=Source.MANUAL,
        course=area_course,
    )
    TrainingRecord.objects.create(
        employee=best,
        course_title="Lain",
        title_key="b",
        completed_on=on,
        jp=Decimal(3),
        source=Source.MANUAL,
    )

    result = shortlist(
        ShortlistRequest(role="Analis data Diskominfo", area=area, min_level=2, wanted=5), on=on
    )
    assert result.eligible == len(at_level)
    assert not result.too_few
    assert [e.employee_id for e in result.chosen] == [s.employee_id for s in at_level[:5]]
    first = result.chosen[0]
    stored = next(a for a in at_level[0].areas if str(a["area"]) == area)
    assert (first.area.score, first.area.se, first.area.level) == (
        stored["score"],
        stored["se"],
        stored["level"],
    )
    assert first.area.level_name == fw.levels[stored["level"]]
    assert first.result.round_name == round_.name
    assert first.result.answered == at_level[0].answered
    assert first.result.administered == sum(a["n"] for a in at_level[0].areas)
    assert (first.jp_year, first.jp_area) == (Decimal(11), Decimal(8))
    assert first.provisional  # the loaded instrument's parameters are provisional

    admin, _ = signed_in(region, Role.REGION_ADMIN)
    page = admin.get(
        "/talenta/shortlist/",
        {"role": "Analis data Diskominfo", "area": area, "min_level": "2", "wanted": "5"},
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('id="candidate-') >= 5
    assert 'id="ranking-basis"' in html
    assert "sementara" in html.lower()
    assert "Analis data Diskominfo" in html


def test_shortlist_says_when_too_few_qualify_and_explains_ties(scored: Any) -> None:
    region, round_ = scored
    on = timezone.localdate()
    area = reading.framework_of(round_).areas[1][0]
    top = [
        s
        for s in _latest_complete(round_).values()
        for a in s.areas
        if str(a["area"]) == area and a["level"] >= 3
    ]
    wanted = len(top) + 3
    result = shortlist(
        ShortlistRequest(role="Pranata komputer", area=area, min_level=3, wanted=wanted), on=on
    )
    assert result.too_few
    assert result.eligible == len(top)
    assert len(result.chosen) == len(top)
    admin, _ = signed_in(region, Role.REGION_ADMIN)
    html = admin.get(
        "/talenta/shortlist/",
        {"role": "Pranata komputer", "area": area, "min_level": "3", "wanted": str(wanted)},
    ).content.decode()
    assert f"Hanya {len(top)} pegawai memenuhi" in html

    # Three people put above everyone (scores past the scale's top, so nobody else comes between): the
    # last two share a score on both sides of a cut of two; the one with the higher index is chosen.
    first, second, third = list(_latest_complete(round_).values())[:3]
    for score, value, index in ((first, 5.0, 3.0), (second, 4.9, 3.5), (third, 4.9, 3.4)):
        areas = [dict(a) for a in score.areas]
        for a in areas:
            if str(a["area"]) == area:
                a.update(score=value, low=value - 0.3, high=value + 0.3, level=4)
        Score.objects.filter(pk=score.pk).update(areas=areas, index=index)
    tied = shortlist(ShortlistRequest(role="x", area=area, min_level=1, wanted=2), on=on)
    assert [e.employee_id for e in tied.chosen] == [first.employee_id, second.employee_id]
    assert [e.employee_id for e in tied.ties_at_cut] == [third.employee_id]
    assert tied.chosen[-1].tied
    assert not tied.chosen[0].tied
    assert tied.within_error >= 1  # the third's interval reaches the second's
    html = admin.get(
        "/talenta/shortlist/", {"role": "x", "area": area, "min_level": "1", "wanted": "2"}
    ).content.decode()
    assert 'id="ties"' in html
    assert f'id="candidate-{third.employee_id}"' in html

    # Many sharing the last score: all counted, the first MAX_TIES_SHOWN shown with their evidence.
    many = list(_latest_complete(round_).values())[3 : 3 + MAX_TIES_SHOWN + 5]
    for score in many:
        areas = [dict(a) for a in score.areas]
        for a in areas:
            if str(a["area"]) == area:
                a.update(score=4.9, low=4.6, high=5.2, level=4)
        Score.objects.filter(pk=score.pk).update(areas=areas, index=1.0)
    crowded = shortlist(ShortlistRequest(role="x", area=area, min_level=1, wanted=2), on=on)
    assert crowded.tied_total == len(many) + 1
    assert len(crowded.ties_at_cut) == MAX_TIES_SHOWN
    assert crowded.ties_at_cut[0].employee_id == third.employee_id  # rank order kept: higher index first
    html = admin.get(
        "/talenta/shortlist/", {"role": "x", "area": area, "min_level": "1", "wanted": "2"}
    ).content.decode()
    assert f"{len(many) + 1} pegawai lain memiliki skor yang sama" in html
    assert f"Yang ditampilkan {MAX_TIES_SHOWN} orang pertama" in html


def test_only_the_region_admin_gets_in_and_every_look_is_audited(scored: Any, region_b: Any) -> None:
    region, round_ = scored
    coordinator, user = signed_in(region, Role.UNIT_COORDINATOR)
    WorkUnit.objects.first().coordinators.add(user)
    taker, _ = signed_in(region, Role.EMPLOYEE)
    urls = [
        "/talenta/",
        "/talenta/ekspor.csv",
        "/talenta/ekspor.xlsx",
        "/talenta/shortlist/?role=x&area=1&min_level=3&wanted=5",
    ]
    before = Event.objects.count()
    for client in (coordinator, taker):
        for url in urls:
            assert client.get(url).status_code == 403, url
    assert Client(HTTP_HOST=HOST).get("/talenta/").status_code == 302  # signed out: to the sign-in page
    # Region B's admin: their session means nothing on region A's site, and they cannot sign in there.
    other = make_user(region_b, Role.REGION_ADMIN)
    outsider = Client(HTTP_HOST="balikpapan.localhost")
    assert outsider.post("/akun/login/", {"login": other.email, "password": PASSWORD}).status_code == 302
    assert outsider.get("/talenta/").status_code == 200
    for url in urls:
        response = outsider.get(url, HTTP_HOST=HOST)
        assert response.status_code in {302, 403}, url
    assert (
        Client(HTTP_HOST=HOST).post("/akun/login/", {"login": other.email, "password": PASSWORD}).status_code
        == 200
    )
    assert Event.objects.filter(kind__startswith="talent.").count() == 0  # region B's look stays in B
    assert Event.objects.count() - before <= 4  # sign-ins only

    admin, _ = signed_in(region, Role.REGION_ADMIN)
    unit = WorkUnit.objects.first()
    admin.get("/talenta/", {"unit": unit.pk, "rank_group": "III", "q": "Siti"})
    viewed = Event.objects.filter(kind="talent.viewed").order_by("-id").first()
    assert viewed.details["filters"] == {
        "unit_id": unit.pk,
        "rank_group": "III",
        "query": "Siti",
        "sort": "name",
    }
    admin.get("/talenta/ekspor.csv", {"level": "3"})
    exported = Event.objects.filter(kind="export.personal_data").order_by("-id").first()
    assert exported.details["what"] == "talent_list"
    assert exported.details["format"] == "csv"
    assert exported.details["filters"]["level"] == "3"
    area = reading.framework_of(round_).areas[0][0]
    admin.get("/talenta/shortlist/", {"role": "Analis", "area": area, "min_level": "3", "wanted": "2"})
    listed = Event.objects.filter(kind="talent.shortlisted").order_by("-id").first()
    assert listed.details["filters"]["area"] == area
    assert listed.details["filters"]["wanted"] == 2
    assert len(listed.details["employees"]) <= 2
    assert admin.get("/talenta/ekspor.pdf").status_code == 404


def test_the_export_is_the_filtered_list_and_formula_safe(scored: Any) -> None:
    region, round_ = scored
    score = (
        Score.objects.filter(round=round_, complete=True).select_related("employee").order_by("pk").first()
    )
    hostile = Employee.objects.get(pk=score.employee_id)
    hostile.full_name = '=HYPERLINK("http://evil.example","klik")'
    hostile.save()
    WorkUnit.objects.filter(pk=hostile.unit_id).update(name="+SUM(1;2)")
    admin, _ = signed_in(region, Role.REGION_ADMIN)
    filters = {"unit": str(hostile.unit_id)}
    expected = _ids(TalentFilters(unit_id=hostile.unit_id), timezone.localdate())

    body = admin.get("/talenta/ekspor.csv", filters).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0][:3] == ["NIP", "Nama", "Unit Kerja"]
    assert len(rows) - 1 == len(expected)
    mine = next(r for r in rows if r[0] == hostile.nip)
    assert mine[1].startswith("'=")
    assert mine[2].startswith("'+")
    assert mine[rows[0].index("Indeks")] == f"{round(score.index, 2)}".replace(".", ",")

    book = openpyxl.load_workbook(io.BytesIO(admin.get("/talenta/ekspor.xlsx", filters).content))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) - 1 == len(expected)
    cells = next(r for r in sheet.iter_rows() if r[0].value == hostile.nip)
    assert cells[1].data_type == "s"
    assert str(cells[1].value).startswith("'=")
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_jp_sort_sums_this_years_records_ties_by_name_and_the_export_follows_it(scored: Any) -> None:
    on = timezone.localdate()
    a, b, c = Employee.objects.filter(is_active=True).order_by("full_name", "pk")[:3]

    def record(employee: Employee, jp: str, when: date, key: str) -> None:
        TrainingRecord.objects.create(
            employee=employee, course_title=key, title_key=key, completed_on=when, jp=Decimal(jp),
            source=Source.MANUAL,
        )  # fmt: skip

    record(c, "4", on, "etika")
    record(c, "4.5", on, "literasi")  # 8.5 this year, as b: equal JP go by name
    record(b, "8.5", on, "etika")
    record(a, "30", date(on.year - 1, 6, 1), "etika")  # last year's: not counted
    rows = register.talent_page(TalentFilters(sort="-jp"), on=on).rows
    assert [(r.employee_id, r.jp) for r in rows[:2]] == [(b.pk, Decimal("8.5")), (c.pk, Decimal("8.5"))]
    assert next(r.jp for r in rows if r.employee_id == a.pk) == Decimal(0)
    exported = [r.employee_id for r in register.all_rows(TalentFilters(sort="-jp"), on=on)]
    assert exported[:2] == [b.pk, c.pk]
    assert exported[: len(rows)] == [r.employee_id for r in rows]
