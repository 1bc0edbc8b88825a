"""The operator's calibration pages (issue #17): who may open them, the refusals at the field, the report
of a proposal, the acceptance with items left out, and the round page's explicit re-score offer.

Proposals are made here as the national service stores them (``proposed_set``: the JSON of a national
run, with one DIF category C item and one misfitting item), so the pages are tested without running a
calibration; the browser test (tests/browser/test_calibration_browser.py) runs the real one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from assessment.instrument.calibration import jobs, versions
from assessment.instrument.models import CalibrationJob, Item, ItemBank, ParameterSet
from assessment.rounds.models import RoundEvent
from tests.assessment.results.conftest import scored_round
from tests.factories import PASSWORD, make_user

PUBLIC = "localhost"
SOURCES = (("64.72", "Kota Samarinda", "kota", 360), ("64.71", "Kota Balikpapan", "kota", 320))


def operator_client(email: str = "kalibrasi-ops@ikd.go.id") -> Client:
    operator = make_user(None, Role.PLATFORM_OPERATOR, email=email, full_name="Rina Operator")
    client = Client(HTTP_HOST=PUBLIC)
    assert client.post("/akun/login/", {"login": operator.email, "password": PASSWORD}).status_code == 302
    # Signed in with a password; the TOTP set up now stands for the activation step the console demands.
    Authenticator.objects.create(user=operator, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return client


def _bank() -> ItemBank:
    call_command("load_instrument", verbosity=0)
    return ItemBank.objects.filter(code="ikd-nasional").order_by("pk").first()  # type: ignore[return-value]


def proposed_set(
    bank: ItemBank, sources: Sequence[tuple[str, str, str, int]] = SOURCES, per_area: int = 6
) -> tuple[ParameterSet, str, str]:
    """A proposed national set as ``national.propose_national`` stores it, on the first ``per_area``
    free items and first two anchors of each area; returns it with its DIF category C item and its
    misfitting item."""
    items = list(Item.objects.filter(bank=bank).select_related("competence__area").order_by("code"))
    by_area: dict[int, list[Item]] = {}
    for item in items:
        by_area.setdefault(int(item.competence.area.code), []).append(item)
    chosen: list[Item] = []
    for area_items in by_area.values():
        chosen += [i for i in area_items if not i.is_anchor][:per_area]
        chosen += [i for i in area_items if i.is_anchor][:2]
    free = [i for i in chosen if not i.is_anchor]
    c_item, misfit = free[1].code, free[2].code
    params: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    fit: dict[str, Any] = {}
    for k, item in enumerate(chosen):
        p = item.params
        area = int(item.competence.area.code)
        if not item.is_anchor:
            guess = 0.2 if item.type == Item.Type.SINGLE_CHOICE else 0.0
            params[item.code] = {
                "a": round(float(p.get("a", 1.0)) * 1.1, 4),
                "b": round(float(p.get("b", 0.0)) + 0.15, 4),
                "steps": list(p.get("steps") or []),
                "c": guess,
            }
            errors[item.code] = {
                "a": 0.08,
                "b": 0.06 + k / 1000,
                "c": 0.03 if guess else None,
                "steps": [0.1 for _ in p.get("steps") or []],
            }
        flags = ["anchor"] if item.is_anchor else []
        if item.code == misfit:
            flags.append("misfit")
        fit[item.code] = {
            "area": area,
            "fixed": item.is_anchor,
            "n": 680,
            "p": 0.4,
            "infit": 1.42 if item.code == misfit else 0.98,
            "outfit": 1.51 if item.code == misfit else 1.01,
            "sx2": 10.0,
            "sx2_df": 8,
            "rmsea": 0.061 if item.code == misfit else 0.012,
            "displacement": 0.05 if item.is_anchor else None,
            "flags": flags,
        }
    persons = sum(s[3] for s in sources)
    areas = sorted(by_area)
    area_models = {
        str(a): {
            "model": "3PL" if a == areas[0] else "2PL",
            "fit": [
                {"model": "2PL", "log_likelihood": -4123.456, "n_params": 12, "aic": 8270.9, "bic": 8325.1},
                {"model": "2PL+c", "log_likelihood": -4120.1, "n_params": 12, "aic": 8264.2, "bic": 8318.4},
                {"model": "3PL", "log_likelihood": -4101.7, "n_params": 18, "aic": 8239.4, "bic": 8300.6},
            ],
            "groups": [
                {
                    "group": g,
                    "region": s[0],
                    "region_name": s[1],
                    "n": s[3],
                    "mean": 0.0 if g == 0 else 0.234,
                    "sd": 1.0 if g == 0 else 0.912,
                }
                for g, s in enumerate(sources)
            ],
        }
        for a in areas
    }
    anchors = [i for i in chosen if i.is_anchor]
    drift = {
        "computed": True,
        "reason": "",
        "areas": [
            {
                "area": a,
                "A": 1.0123,
                "B": -0.0456,
                "n_items": 2,
                "item_ids": [i.code for i in anchors if int(i.competence.area.code) == a],
                "holds": True,
                "reason": "",
                "rounds": 1,
                "dropped": [],
                "items": [
                    {
                        "id": i.code,
                        "b_reference": 0.5,
                        "b_linked": 0.62,
                        "displacement": 0.12,
                        "flagged": False,
                        "dropped": False,
                    }
                    for i in anchors
                    if int(i.competence.area.code) == a
                ],
            }
            for a in areas
        ],
    }
    dif_items = [
        {
            "id": i.code,
            "area": int(i.competence.area.code),
            "n_reference": 300,
            "n_focal": 380,
            "delta": -1.87 if i.code == c_item else 0.21,
            "se_delta": 0.31 if i.code == c_item else 0.25,
            "chi2": 14.2 if i.code == c_item else 0.4,
            "p_value": 0.0002 if i.code == c_item else 0.5,
            "category": "C" if i.code == c_item else "A",
        }
        for i in free
    ]
    dif = {
        "computed": True,
        "reason": "",
        "comparisons": [
            {"variable": "sex", "reference": "L", "focal": "P", "items": dif_items},
            {
                "variable": "region_kind",
                "reference": "kota",
                "focal": "kabupaten",
                "items": [{**d, "category": "A", "delta": 0.1} for d in dif_items],
            },
        ],
    }
    parameter_set = ParameterSet.objects.create(
        bank=bank,
        kind=ParameterSet.Kind.NATIONAL,
        label=f"kalibrasi-{date.today():%Y-%m-%d}",
        source=f"national: {len(sources)} region(s), {persons} persons",
        sources=[
            {
                "region": code,
                "region_name": name,
                "region_kind": kind,
                "round": 10 + n,
                "round_name": f"Pengukuran IKD 2026 {name}",
                "bank": f"{bank.code} {bank.version}",
                "persons": count,
            }
            for n, (code, name, kind, count) in enumerate(sources)
        ],
        params=params,
        previous={i.code: i.params for i in free},
        standard_errors=errors,
        fit=fit,
        areas=[
            {
                "area": a,
                "persons": persons,
                "items": len(by_area[a]),
                "anchors": 2,
                "scale": "logit",
                "pop_mean": 0.0,
                "pop_sd": 1.0,
                "iterations": 40,
                "converged": True,
                "max_change": 0.0001,
            }
            for a in areas
        ],
        area_models=area_models,
        drift=drift,
        dif=dif,
        review=[{"code": c_item, "reasons": ["dif_c:sex:P"]}, {"code": misfit, "reasons": ["misfit"]}],
    )
    return parameter_set, c_item, misfit


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ------------------------------------------------------------------------------------------- access


def test_only_the_platform_operator_opens_the_calibration_pages(db: Any, region_a: Any) -> None:
    parameter_set, _c, _m = proposed_set(_bank())
    pages = [
        "/operator/kalibrasi/",
        "/operator/kalibrasi/baru/",
        f"/operator/kalibrasi/set/{parameter_set.pk}/",
    ]
    anonymous = Client(HTTP_HOST=PUBLIC)
    for url in pages:
        response = anonymous.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"/akun/login/?next={url}")
    viewer = make_user(None, Role.NATIONAL_VIEWER, email="pemantau@ikd.go.id")
    client = Client(HTTP_HOST=PUBLIC)
    assert client.post("/akun/login/", {"login": viewer.email, "password": PASSWORD}).status_code == 302
    for url in pages:
        assert client.get(url).status_code == 403
    accept = f"/operator/kalibrasi/set/{parameter_set.pk}/terima/"
    assert client.post(accept, {"confirm": "on"}).status_code == 403
    # A region admin, on the region's own site: the operator's pages do not exist there.
    admin = make_user(region_a, Role.REGION_ADMIN)
    region = Client(HTTP_HOST="samarinda.localhost")
    assert region.post("/akun/login/", {"login": admin.email, "password": PASSWORD}).status_code == 302
    assert region.get("/operator/kalibrasi/").status_code == 404
    parameter_set.refresh_from_db()
    assert parameter_set.accepted_at is None

    operator = operator_client()
    for url in pages:
        assert operator.get(url).status_code == 200


def test_the_list_shows_sets_runs_and_the_consenting_regions(db: Any, region_a: Any) -> None:
    bank = _bank()
    parameter_set, _c, _m = proposed_set(bank)
    running = CalibrationJob.objects.create(
        bank=bank, choices=[{"region": "64.72", "round": 3}], state="running", step="screening items for DIF"
    )
    failed = CalibrationJob.objects.create(
        bank=bank, choices=[{"region": "64.72", "round": 4}], state="failed", failure="Too few persons."
    )
    region_a.contributes_to_calibration = True
    region_a.save(update_fields=["contributes_to_calibration"])

    response = operator_client().get("/operator/kalibrasi/")
    page = _text(response)
    row = re.search(rf'<tr data-set="{parameter_set.pk}">.*?</tr>', page)
    assert row is not None
    assert "diusulkan" in row.group(0)
    assert "nasional" in row.group(0)
    assert ">680<" in row.group(0)  # persons: 360 + 320
    assert f'data-job="{running.pk}"' in page
    assert "sedang dihitung" in page
    assert f'data-job="{failed.pk}"' in page
    assert "gagal" in page
    assert "Too few persons." in page
    assert "Parameter saat ini: sementara" in page  # the bank was never calibrated
    contributors = page[page.index('id="contributors"') :]
    assert "Kota Samarinda" in contributors
    assert "Kota Balikpapan" not in contributors  # region B has not consented
    assert 'href="/operator/kalibrasi/baru/"' in page


# ------------------------------------------------------------------------------- choosing the rounds


def _options(bank: ItemBank, *rows: tuple[str, str, int, int]) -> list[jobs.RoundOption]:
    return [
        jobs.RoundOption(
            code,
            name,
            "kota",
            round_id,
            f"Pengukuran {round_id}",
            bank.pk,
            f"{bank.code} {bank.version}",
            "closed",
            persons,
            date(2026, 11, 20),
        )
        for code, name, round_id, persons in rows
    ]


def test_starting_a_calibration_is_refused_at_the_field(
    db: Any, region_a: Any, region_b: Any, monkeypatch: Any
) -> None:
    bank = _bank()
    region_a.contributes_to_calibration = True
    region_a.save(update_fields=["contributes_to_calibration"])
    offered = _options(bank, ("64.72", "Kota Samarinda", 901, 150), ("64.72", "Kota Samarinda", 902, 120))
    monkeypatch.setattr(jobs, "available_rounds", lambda bank=None: offered)
    client = operator_client()

    page = _text(client.get("/operator/kalibrasi/baru/"))
    assert "Kota Samarinda" in page
    assert "Pengukuran 901" in page
    assert "150 pengerjaan terkirim" in page
    assert "paling sedikit 200 orang" in page  # the minimum, shown before choosing

    def refusal(data: dict[str, Any]) -> str:
        response = client.post("/operator/kalibrasi/baru/", data)
        assert response.status_code == 400
        error = re.search(r'<ul class="errorlist" id="id_rounds_error"[^>]*>(.*?)</ul>', _text(response))
        assert error is not None, "the refusal is shown at the rounds field"
        return error.group(1)

    assert "Pilih paling sedikit satu ronde" in refusal({})
    assert "bukan ronde tertutup dari daerah yang bersedia" in refusal({"rounds": ["64.71:5"]})
    too_few = refusal({"rounds": ["64.72:901"]})
    assert "150 orang" in too_few
    assert "paling sedikit 200" in too_few
    # Both rounds together are enough, but the service finds round 901 is not a round of region A.
    assert "901" in refusal({"rounds": ["64.72:901", "64.72:902"]})
    assert not CalibrationJob.objects.exists()

    # A region that withdrew its consent after the page was loaded: the service refuses it.
    offered[:] = _options(bank, ("64.71", "Kota Balikpapan", 7, 400))
    withdrawn = refusal({"rounds": ["64.71:7"]})
    assert "Balikpapan" in withdrawn
    assert not CalibrationJob.objects.exists()


def test_a_valid_choice_starts_the_run_and_its_page_polls_until_the_proposal(
    db: Any, region_a: Any, monkeypatch: Any
) -> None:
    bank = _bank()
    offered = _options(bank, ("64.72", "Kota Samarinda", 901, 150), ("64.72", "Kota Samarinda", 902, 120))
    monkeypatch.setattr(jobs, "available_rounds", lambda bank=None: offered)
    started: list[Any] = []

    def start(bank_: ItemBank, choices: Any, requested_by: str, *, min_persons: int) -> CalibrationJob:
        started.append((bank_, list(choices), requested_by, min_persons))
        return CalibrationJob.objects.create(
            bank=bank_,
            choices=[{"region": c.region, "round": c.round} for c in choices],
            requested_by=requested_by,
        )

    monkeypatch.setattr(jobs, "start_national_calibration", start)
    client = operator_client()
    response = client.post("/operator/kalibrasi/baru/", {"rounds": ["64.72:901", "64.72:902"]})
    job = CalibrationJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/operator/kalibrasi/proses/{job.pk}/"
    assert started == [
        (
            bank,
            [jobs.RoundChoice("64.72", 901), jobs.RoundChoice("64.72", 902)],
            "kalibrasi-ops@ikd.go.id",
            200,
        )
    ]

    page = _text(client.get(f"/operator/kalibrasi/proses/{job.pk}/"))
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "2 ronde dari 1 daerah" in page

    CalibrationJob.objects.filter(pk=job.pk).update(
        state="failed", failure="The chosen rounds share no items."
    )
    page = _text(client.get(f"/operator/kalibrasi/proses/{job.pk}/"))
    assert 'http-equiv="refresh"' not in page
    assert "Kalibrasi gagal:" in page
    assert "share no items" in page

    parameter_set, _c, _m = proposed_set(bank)
    CalibrationJob.objects.filter(pk=job.pk).update(state="done", parameter_set=parameter_set)
    response = client.get(f"/operator/kalibrasi/proses/{job.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/operator/kalibrasi/set/{parameter_set.pk}/"


# --------------------------------------------------------------------------------------- the report


def test_the_report_says_what_the_proposal_rests_on_and_what_needs_review(db: Any) -> None:
    parameter_set, c_item, misfit = proposed_set(_bank())
    page = _text(operator_client().get(f"/operator/kalibrasi/set/{parameter_set.pk}/"))

    sources = page[page.index('id="sources"') : page.index('id="models"')]
    assert "Kota Samarinda" in sources
    assert "Kota Balikpapan" in sources
    assert ">360<" in sources
    assert ">320<" in sources
    assert "680" in sources
    models = page[page.index('id="models"') : page.index('id="drift"')]
    assert "3PL: tebakan diestimasi" in models
    assert "dipilih" in models
    assert "-4.123,5" in models or "−4.123,5" in models or "-4123,5" in models  # Indonesian decimals
    assert "8.300,6" in models or "8300,6" in models
    assert "0,23" in models
    assert "0,91" in models
    drift = page[page.index('id="drift"') : page.index('id="items"')]
    assert "A = 1,012" in drift
    assert "B = -0,046" in drift
    assert "bertahan" in drift
    items = page[page.index('id="items"') : page.index('id="dif"')]
    assert f'data-item="{misfit}" class="row-flagged"' in items
    assert "1,42" in items
    assert "(0,08)" in items  # standard errors next to the estimates
    dif = page[page.index('id="dif"') : page.index('id="accept"')]
    assert "Jenis kelamin" in dif
    assert "perempuan" in dif
    assert "laki-laki" in dif
    assert "-1,87" in dif
    assert "perlu ditelaah" in dif
    assert f'name="leave_out" value="{c_item}" form="accept-form"' in dif
    assert "tinggalkan dari penskoran pada versi berikutnya" in dif
    accept = page[page.index('id="accept"') :]
    assert "Terima sebagai versi 1" in accept
    assert f'value="{misfit}"' in accept  # a misfitting item may be left out too
    assert "Rina Operator" in accept


def test_acceptance_needs_the_confirmation_and_refuses_unknown_items(db: Any) -> None:
    parameter_set, c_item, _m = proposed_set(_bank())
    client = operator_client()
    url = f"/operator/kalibrasi/set/{parameter_set.pk}/terima/"

    response = client.post(url, {"leave_out": [c_item]})
    assert response.status_code == 400
    page = _text(response)
    assert "Centang kotak konfirmasi" in page
    assert f'value="{c_item}" form="accept-form" data-leave-out="{c_item}" checked' in page  # kept ticked

    response = client.post(url, {"leave_out": ["BUKAN-BUTIR"], "confirm": "on"})
    assert response.status_code == 400
    assert "BUKAN-BUTIR" in _text(response)

    parameter_set.refresh_from_db()
    assert parameter_set.accepted_at is None
    assert parameter_set.version is None


def test_accepting_makes_the_next_version_with_the_items_left_out(db: Any) -> None:
    bank = _bank()
    parameter_set, c_item, _m = proposed_set(bank)
    client = operator_client()
    response = client.post(
        f"/operator/kalibrasi/set/{parameter_set.pk}/terima/", {"leave_out": [c_item], "confirm": "on"}
    )
    assert response.status_code == 302
    parameter_set.refresh_from_db()
    assert parameter_set.version == 1
    assert parameter_set.excluded == [c_item]
    assert parameter_set.accepted_by == "Rina Operator <kalibrasi-ops@ikd.go.id>"
    assert versions.current(ItemBank.objects.get(pk=bank.pk)).set_id == parameter_set.pk
    assert Item.objects.get(bank=bank, code=c_item).params == parameter_set.params[c_item]

    page = _text(client.get(response["Location"]))
    assert "Diterima sebagai versi 1 oleh Rina Operator" in page
    assert "Ini versi yang berlaku saat ini" in page
    assert "tetap memakai versi yang dipakai saat diskor" in page
    assert f'<span class="code">{c_item}</span>' in page[page.index('id="excluded"') :]
    assert 'id="accept-form"' not in page  # nothing more to accept
    assert "ditinggalkan dari penskoran" in page

    again = client.post(f"/operator/kalibrasi/set/{parameter_set.pk}/terima/", {"confirm": "on"})
    assert again.status_code == 400  # accepted once only (the service's refusal)


# ----------------------------------------------------------------------- the round page (region side)


@pytest.fixture
def scored(region_a: Any) -> Iterator[tuple[Any, Any]]:
    """Region A's round, closed and scored on the bank's provisional parameters."""
    call_command("load_instrument", verbosity=0)
    with schema_context(region_a.schema_name):
        yield region_a, scored_round(region_a, employees=150, takers=120)


def test_the_round_page_offers_the_explicit_rescore_only_for_a_newer_version(scored: Any) -> None:
    region, round_ = scored
    admin = make_user(region, Role.REGION_ADMIN, email="admin-skor@samarinda.go.id")
    client = Client(HTTP_HOST="samarinda.localhost")
    assert client.post("/akun/login/", {"login": admin.email, "password": PASSWORD}).status_code == 302
    url = f"/ronde/{round_.pk}/"

    page = _text(client.get(url))
    assert 'id="new-parameters"' not in page
    assert "Parameter baru tersedia" not in page

    with schema_context("public"):
        parameter_set, c_item, _m = proposed_set(round_.bank)
    page = _text(client.get(url))
    assert "Parameter baru tersedia" not in page  # proposed only: nothing new for the region

    from assessment.instrument import calibration

    with schema_context("public"):
        calibration.accept(parameter_set, "ops@ikd.go.id", leave_out=[c_item])
    page = _text(client.get(url))
    section = page[page.index('id="new-parameters"') :]
    assert "Parameter baru tersedia" in section
    assert "sementara" in section  # the round rests on the provisional parameters
    assert "680 orang" in section
    assert "2 daerah" in section
    assert "1 butir" in section
    assert "Skor ulang dengan versi 1" in section
    assert f'name="parameter_set" value="{parameter_set.pk}"' in section
    assert "data-confirm=" in section

    response = client.post(f"/ronde/{round_.pk}/skor-ulang/versi/", {"parameter_set": parameter_set.pk})
    assert response.status_code == 302
    assert response["Location"] == url
    event = RoundEvent.objects.filter(round=round_, action="rescored_under").get()
    assert event.details["to_version"] == 1
    page = _text(client.get(url))
    assert "Penskoran dengan parameter versi 1 dimulai" in page
    assert "Parameter baru tersedia" not in page  # the round now rests on version 1 (scoring pending)


def test_the_rescore_step_refuses_a_set_not_accepted(scored: Any) -> None:
    region, round_ = scored
    admin = make_user(region, Role.REGION_ADMIN, email="admin-tolak@samarinda.go.id")
    client = Client(HTTP_HOST="samarinda.localhost")
    assert client.post("/akun/login/", {"login": admin.email, "password": PASSWORD}).status_code == 302
    with schema_context("public"):
        parameter_set, _c, _m = proposed_set(round_.bank)
    response = client.post(
        f"/ronde/{round_.pk}/skor-ulang/versi/", {"parameter_set": parameter_set.pk}, follow=True
    )
    page = _text(response)
    assert 'class="alert alert-error"' in page
    assert str(parameter_set.pk) in page
    assert not RoundEvent.objects.filter(round=round_, action="rescored_under").exists()


def test_the_report_is_available_in_english(db: Any) -> None:
    parameter_set, c_item, _m = proposed_set(_bank())
    client = operator_client()
    client.cookies["django_language"] = "en"
    page = _text(client.get(f"/operator/kalibrasi/set/{parameter_set.pk}/"))
    assert "What the proposal rests on" in page
    assert "3PL: guessing estimated" in page
    assert "-1.87" in page  # English decimals
    assert "needs review" in page
    assert "leave out of scoring in the next version" in page
    assert f'name="leave_out" value="{c_item}" form="accept-form"' in page
    assert "Accept as version 1" in page
