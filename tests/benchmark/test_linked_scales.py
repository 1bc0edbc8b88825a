"""Rounds on a newer bank version are compared with the older version's rounds where the versions are
linked through common items, and kept apart, with the reason shown, where they are not (issue #17)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np

from accounts.roles import Role
from assessment.results.services.publishing import release_from_people
from benchmark.services import national
from benchmark.services import publishing as benchmark
from tests.accounts.test_access import signed_in
from tests.benchmark.test_publishing import INSTRUMENT, NEXT_INSTRUMENT, SKEWED, figures_for, simulate
from tests.factories import make_user


def test_a_linked_version_joins_the_older_scale_and_an_unlinked_one_stays_apart(db: Any) -> None:
    rng = np.random.default_rng(47)
    old = benchmark.publish(
        figures_for("64.02", release_from_people(simulate(rng, 120, 2.2, SKEWED), None), round_key="uji:1")
    )
    linked = benchmark.publish(
        replace(
            figures_for(
                "64.72",
                release_from_people(simulate(rng, 150, 2.6, SKEWED), None),
                round_key="uji:1",
                held_on=date(2025, 10, 1),
                instrument=NEXT_INSTRUMENT,
            ),
            scale=INSTRUMENT,
            scale_note="2027.1 linked to the scale of 2026.1 through 42 common items",
        )
    )
    unlinked = benchmark.publish(
        replace(
            figures_for(
                "64.03",
                release_from_people(simulate(rng, 110, 2.4, SKEWED), None),
                round_key="uji:1",
                held_on=date(2025, 10, 2),
                instrument=NEXT_INSTRUMENT,
            ),
            scale_note="not linked: in area 3 only 3 common items held (5 needed)",
        )
    )
    assert linked.scale == INSTRUMENT
    assert unlinked.scale == NEXT_INSTRUMENT  # on its own version's scale
    rows = national.regions(national.resolve(instrument=INSTRUMENT, period=2025))
    assert {(r.code, r.publication, r.instrument) for r in rows} == {
        ("64.02", old.pk, ""),
        ("64.72", linked.pk, NEXT_INSTRUMENT),
    }
    apart = national.regions(national.resolve(instrument=NEXT_INSTRUMENT, period=2025))
    assert [(r.code, r.publication) for r in apart] == [("64.03", unlinked.pk)]
    assert national.overview(national.resolve(instrument=INSTRUMENT, period=2025)).national.people == 270

    client = signed_in("localhost", make_user(None, Role.NATIONAL_VIEWER))
    ranking = client.get("/nasional/peringkat/", {"versi": INSTRUMENT, "tahun": 2025}).content.decode()
    assert f"{NEXT_INSTRUMENT}, ditautkan" in ranking
    profile = client.get("/nasional/wilayah/64.03/").content.decode()
    assert "only 3 common items held" in profile
