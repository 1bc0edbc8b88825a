"""The region's training roadmap (PDF): every count, index and sum of money in Indonesian form
(``10.303``, ``1,48``, ``Rp 7.500.000``), as on the roadmap page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from assessment.results.planning import Roadmap
from assessment.rounds.models import Round
from frontend.pdf import build, decimal, integer, markup, paragraph, rupiah

from .common import basis_sentence, styles, table


def roadmap_pdf(plan: Roadmap, region_name: str, round_name: str, round_: Round | None = None) -> bytes:
    sheet = styles()
    years = ", ".join(f"tahun {k}: {decimal(v)}" for k, v in enumerate(plan.projected_index, start=1))
    story: list[Any] = [
        paragraph(
            markup("<b>Peta Jalan Pelatihan Kompetensi Digital</b><br/>{region}", region=region_name),
            sheet["Title"],
        ),
        paragraph(f"Berdasarkan {round_name}", sheet["Heading3"]),
        paragraph(
            f"Dari indeks {decimal(plan.start_index)} menuju target {decimal(plan.target_index)}. "
            f"Proyeksi: {years}. "
            f"{'Target tercapai.' if plan.reached else 'Target belum tercapai dalam jangka waktu ini.'} "
            f"{integer(plan.people_trained)} pegawai, {integer(plan.total_jp)} JP, "
            f"{rupiah(plan.total_cost_idr)}, dalam 20 JP per pegawai per tahun.",
            sheet["Normal"],
        ),
        paragraph(
            "Asumsi perencanaan: setiap pelatihan yang diselesaikan menaikkan kompetensi yang dibangunnya "
            "seperempat tingkat. Ini alat bantu perencanaan, bukan hasil pengukuran; ronde berikutnya "
            "menunjukkan perubahan yang sebenarnya.",
            sheet["Italic"],
        ),
        *([paragraph(basis_sentence(round_), sheet["Italic"])] if round_ is not None else []),
    ]
    sections: list[tuple[str, Sequence[Sequence[object]], list[float], tuple[int, ...]]] = [
        (
            "Per pelatihan",
            [["Kode", "Pelatihan", "Pegawai", "JP", "Biaya"]]
            + [
                [c.code, c.title, integer(c.people), integer(c.jp_total), rupiah(c.cost_total)]
                for c in plan.by_course
            ],
            [20 * mm, 76 * mm, 22 * mm, 24 * mm, 38 * mm],
            (2, 3, 4),
        ),
        (
            "Per unit kerja",
            [["Unit kerja", "Pegawai", "JP", "Biaya", "Indeks kini", "Proyeksi"]]
            + [
                [
                    u.unit,
                    integer(u.people),
                    integer(u.jp_total),
                    rupiah(u.cost_total),
                    decimal(u.start_index),
                    decimal(u.projected_index),
                ]
                for u in plan.by_unit
            ],
            [62 * mm, 20 * mm, 22 * mm, 36 * mm, 20 * mm, 20 * mm],
            (1, 2, 3, 4, 5),
        ),
        (
            "Per kompetensi",
            [["Kompetensi", "Pegawai"]] + [[c.competence, integer(c.people)] for c in plan.by_competence],
            [140 * mm, 40 * mm],
            (1,),
        ),
    ]
    for title, rows, widths, numeric in sections:
        story += [
            Spacer(1, 4 * mm),
            paragraph(title, sheet["Heading4"]),
            table(rows, widths, numeric=numeric),
        ]
    return build(f"Peta jalan {region_name}", story)
