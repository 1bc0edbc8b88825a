"""The demo's national benchmark: many regions, two rounds each, through the publishing step, and said
to be simulated wherever they are shown."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.core.management import call_command

from accounts.roles import Role
from assessment.results import demo
from assessment.results.services import benchmark_simulation
from benchmark.models import Publication, PublishedCell
from tenants import wilayah
from tests.accounts.test_access import signed_in
from tests.factories import make_user


def test_demo_fills_the_benchmark_with_simulated_rounds_of_many_regions(region_a: Any) -> None:
    call_command("load_instrument", verbosity=0)
    demo.seed_benchmark(region_a)

    simulated = Publication.objects.filter(round_key__startswith=benchmark_simulation.ROUND_KEY_PREFIX)
    rounds = Counter(simulated.values_list("region_code", flat=True))
    kinds = Counter(wilayah.get(code).kind for code in rounds)  # type: ignore[union-attr]
    assert kinds[wilayah.Kind.KABUPATEN] + kinds[wilayah.Kind.KOTA] >= 100
    assert set(rounds.values()) == {2}  # two rounds each
    assert region_a.code not in rounds  # the demo region's own rounds are its own
    assert not simulated.filter(simulated=False).exists()
    assert set(simulated.values_list("period", flat=True)) == set(demo.BENCHMARK_YEARS)
    # Through the publishing step: each round has its protected cells, segments included.
    cells = PublishedCell.objects.filter(publication__in=simulated)
    assert cells.filter(dimension="region").count() == simulated.count()
    assert cells.exclude(dimension="region").exists()

    demo.seed_benchmark(region_a)  # running the demo again adds nothing
    assert simulated.count() == sum(rounds.values())

    viewer = signed_in("localhost", make_user(None, Role.NATIONAL_VIEWER))
    for url in ("/nasional/", "/nasional/peringkat/", f"/nasional/wilayah/{next(iter(rounds))}/"):
        page = viewer.get(url).content.decode()
        assert 'id="simulated-note"' in page, url
        assert "Angka simulasi" in page, url
