"""The portal's downloads: the ranked regions under the chosen filters, as CSV or XLSX."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from benchmark.segments import kind_label
from benchmark.services import national
from frontend.tabular import write_csv, write_xlsx

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def query(filters: national.Filters) -> str:
    """The filters as a query string, for links that keep them."""
    params = {
        "versi": filters.instrument,
        "tahun": filters.period or "",
        "provinsi": filters.province,
        "jenis": filters.kind,
    }
    return urlencode({k: v for k, v in params.items() if v})


def ranking_file(
    rows: Sequence[national.RegionRow], filters: national.Filters, fmt: str
) -> tuple[bytes, str, str]:
    if fmt not in FORMATS:
        raise ValueError(fmt)
    headers = [
        _("Rank"),
        _("Code"),
        _("Region"),
        _("Kind"),
        _("Province"),
        _("Round"),
        _("Held on"),
        # The version each round used: a later version linked to this scale shows its own (issue #17).
        _("Instrument version"),
        _("Participants"),
        _("Eligible"),
        _("Index"),
        _("Lower bound (95%)"),
        _("Upper bound (95%)"),
        *[_("Area %(n)s") % {"n": a} for a in range(1, 6)],
        _("Simulated"),
        # The national figure of the same filters beside each region, with its coverage (benchmark.coverage),
        # so a download says what the pages say when the figure rests on few regions or people.
        _("National index"),
        _("National index: regions"),
        _("National index: people"),
        _("National index: coverage"),
    ]
    nat = national.weighted("all", "all", rows)
    nat_columns = [
        nat.mean,
        nat.regions,
        nat.people,
        _("limited coverage") if nat.limited else _("meets the coverage rule"),
    ]
    body = [
        [
            r.rank,
            r.code,
            r.name,
            kind_label(r.kind),
            r.province_name,
            r.round_name,
            r.held_on,
            r.instrument or filters.instrument,
            r.participants,
            r.eligible,
            r.mean,
            r.ci_low,
            r.ci_high,
            *r.area_means,
            r.simulated,
            *nat_columns,
        ]
        for r in rows
    ]
    stem = f"ikd-peringkat-{filters.instrument.replace(' ', '-')}-{filters.period or ''}".rstrip("-")
    if fmt == "csv":
        return write_csv(headers, body), FORMATS[fmt], f"{stem}.csv"
    return write_xlsx(headers, body, sheet_title=_("Ranking")), FORMATS[fmt], f"{stem}.xlsx"


def cached_file(filters: national.Filters, fmt: str) -> tuple[bytes, str, str]:
    """The download, built once per generation, filters and language (the warm-up builds the default
    ones after each change)."""
    return national.cached(
        f"export-{fmt}",
        f"{filters.key()}|{get_language()}",
        lambda: ranking_file(national.regions(filters), filters, fmt),
    )
