"""The region's report (PDF), to hand to a Bupati or Wali Kota, and a unit's or a coordinator's report.

The region's report runs: a cover (the region's name and optional logo, the round and its date), a
one-page executive summary (``summary``), the charts (areas against the national mean, the levels,
the units heat map), the unit table, the groups, and a method note that says what every figure rests
on. A unit's report (``unit_ids``) is shorter: the unit against the region, its competences.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer

from assessment.results import logo
from assessment.results.models import Aggregate
from assessment.results.reports.standing import Standing, standing
from assessment.results.reports.summary import Summary, proposed_roadmap, summary
from assessment.results.services import publishing, reading
from assessment.results.services.reading import SMALL_GROUP, Framework, RoundFigures
from assessment.rounds.models import Round
from benchmark import coverage
from frontend import pdf_charts
from frontend.pdf import build, decimal, image, integer, markup, paragraph, percent
from tenants.models import Region

from .common import LEVELS, WIDTH, basis_sentence, long_date, styles, table

SUMMARY_TITLE = "Ringkasan eksekutif"
CHARTS_TITLE = "Gambaran per area"
HEAT_ROWS = 20  # units per heat-map block


def _centred(base: ParagraphStyle, name: str, **overrides: Any) -> ParagraphStyle:
    return ParagraphStyle(name, parent=base, alignment=TA_CENTER, **overrides)


def _cover(round_: Round, region: Region, standing_: Standing) -> list[Any]:
    sheet = styles()
    tz = region.tzinfo
    held = publishing.held_on(round_, tz)
    printed = timezone.now().astimezone(tz).date()
    story: list[Any] = [Spacer(1, 25 * mm)]
    picture = logo.current()
    if picture is not None:
        story += [image(picture, 50 * mm, 40 * mm), Spacer(1, 10 * mm)]
    else:
        story.append(Spacer(1, 20 * mm))
    title = _centred(sheet["Title"], "cover-title", fontSize=22, leading=28)
    story += [
        paragraph("Laporan Indeks Kompetensi Digital ASN", title),
        Spacer(1, 6 * mm),
        paragraph(region.name, _centred(sheet["Heading1"], "cover-region", fontSize=20, leading=26)),
        paragraph(
            # A province's own report names no province under it; a kabupaten or kota names its own.
            "" if region.kind == Region.Kind.PROVINSI else f"Provinsi {region.province_name}",
            _centred(sheet["Normal"], "cover-province", fontSize=12, leading=16),
        ),
        Spacer(1, 14 * mm),
        paragraph(round_.name, _centred(sheet["Heading2"], "cover-round", fontSize=15, leading=20)),
        paragraph(
            f"Pelaksanaan tes: {long_date(held)}",
            _centred(sheet["Normal"], "cover-held", fontSize=11, leading=15),
        ),
        paragraph(
            f"Laporan dibuat: {long_date(printed)}",
            _centred(sheet["Normal"], "cover-printed", fontSize=11, leading=15),
        ),
        Spacer(1, 30 * mm),
    ]
    note = _centred(sheet["Italic"], "cover-note", fontSize=9, leading=12)
    if standing_.own_simulated:
        story.append(
            paragraph("Data ronde ini adalah simulasi (data demo), bukan hasil pengukuran nyata.", note)
        )
    story += [paragraph(basis_sentence(round_), note), PageBreak()]
    return story


def _summary_page(figures: RoundFigures, facts: Summary, round_: Round) -> list[Any]:
    sheet = styles()
    body = ParagraphStyle("summary-body", parent=sheet["Normal"], fontSize=9.5, leading=13, spaceAfter=3)
    lead = ParagraphStyle("summary-lead", parent=body, fontName="Helvetica-Bold", fontSize=11, leading=15)
    national = any(n is not None for _, _, n in facts.areas)
    rows: list[list[object]] = [
        ["Area kompetensi", "Rata-rata wilayah", *(["Rata-rata nasional"] if national else [])]
    ]
    rows += [[name, decimal(mean), *([decimal(n)] if national else [])] for name, mean, n in facts.areas]
    widths = [120 * mm, 30 * mm, 30 * mm] if national else [140 * mm, 40 * mm]
    story: list[Any] = [
        paragraph(SUMMARY_TITLE, sheet["Heading1"]),
        paragraph(facts.index, lead),
        paragraph(facts.participation, body),
        Spacer(1, 2 * mm),
        table(rows, widths, numeric=(1, 2)),
        Spacer(1, 2 * mm),
        paragraph(facts.strongest, body),
        paragraph(facts.weakest, body),
        paragraph("Posisi di antara wilayah", sheet["Heading3"]),
        paragraph(facts.national, body),
    ]
    if facts.province:
        story.append(paragraph(facts.province, body))
    if facts.coverage:
        story.append(paragraph(facts.coverage, body))
    story += [
        paragraph("Usulan peta jalan pelatihan", sheet["Heading3"]),
        paragraph(facts.roadmap, body),
        Spacer(1, 3 * mm),
        paragraph(basis_sentence(round_), sheet["Italic"]),
        PageBreak(),
    ]
    return story


def _heat_rows(units: list[Aggregate]) -> list[pdf_charts.HeatRow]:
    shown = sorted((u for u in units if u.n and u.mean is not None), key=lambda u: (-(u.mean or 0), u.label))
    return [
        pdf_charts.HeatRow(
            u.label,
            (*(u.area_means[k] if k < len(u.area_means) else None for k in range(5)), u.mean),
            "*" if u.n < SMALL_GROUP else "",
        )
        for u in shown
    ]


def _charts(figures: RoundFigures, fw: Framework, head: Aggregate, standing_: Standing) -> list[Any]:
    sheet = styles()
    names = [f"{code}. {name}" for code, name in fw.areas]
    reference = (
        list(standing_.area_means) if standing_.national is not None and standing_.area_means else None
    )
    story: list[Any] = [
        paragraph(CHARTS_TITLE, sheet["Heading2"]),
        paragraph(
            "Rata-rata setiap area pada skala 1–4"
            + (" dengan garis rata-rata nasional." if reference else "."),
            sheet["Normal"],
        ),
        Spacer(1, 3 * mm),
        pdf_charts.area_bars(
            names,
            [head.area_means[k] if k < len(head.area_means) else None for k in range(len(names))],
            reference=reference,
            reference_label=f"Rata-rata nasional ({integer(standing_.national_regions)} wilayah)"
            if reference
            else "",
        ),
        Spacer(1, 6 * mm),
        paragraph("Sebaran tingkat kompetensi", sheet["Heading2"]),
        paragraph(
            f"Porsi peserta di setiap tingkat, dari model populasi ronde ({integer(head.n)} peserta).",
            sheet["Normal"],
        ),
        Spacer(1, 3 * mm),
        pdf_charts.level_bars(
            [f"{k} {LEVELS[k]}" for k in (1, 2, 3, 4)], list(head.level_shares or [0.0] * 4)
        ),
    ]
    rows = _heat_rows(figures.units)
    if rows:
        legend = "; ".join(f"Area {code}: {name}" for code, name in fw.areas)
        columns = [f"Area {code}" for code, _ in fw.areas] + ["Indeks"]
        # Short blocks, so a page break falls between blocks and the heading stays with the first one.
        maps = pdf_charts.heat_maps(columns, rows, rows_per_drawing=HEAT_ROWS)
        heading = [
            paragraph("Unit kerja per area", sheet["Heading2"]),
            paragraph(
                "Rata-rata setiap unit per area dan indeksnya, dari yang tertinggi; warna lebih gelap "
                f"berarti nilai lebih tinggi. {legend}. Unit bertanda * punya kurang dari {SMALL_GROUP} "
                "peserta: angkanya dibaca dengan hati-hati.",
                sheet["Normal"],
            ),
            Spacer(1, 3 * mm),
            maps[0],
        ]
        story += [KeepTogether(heading), *maps[1:]]
    return story


def _unit_table(figures: RoundFigures) -> list[Any]:
    sheet = styles()
    rows: list[list[object]] = [["Unit kerja", "Diundang", "Ikut", "Partisipasi", "Indeks", "Selang 95%"]]
    rows += [
        [
            f"{u.label}{' *' if u.n and u.n < SMALL_GROUP else ''}",
            integer(u.eligible),
            integer(u.n),
            percent(u.n / u.eligible) if u.eligible else "–",
            decimal(u.mean),
            f"{decimal(u.ci_low)}–{decimal(u.ci_high)}" if u.ci_low is not None else "–",
        ]
        for u in figures.units
    ]
    return [
        CondPageBreak(60 * mm),
        paragraph("Unit kerja", sheet["Heading2"]),
        paragraph(
            f"Unit dengan kurang dari {SMALL_GROUP} peserta ditandai * dan tidak diperingkat.",
            sheet["Normal"],
        ),
        Spacer(1, 2 * mm),
        table(rows, [76 * mm, 20 * mm, 18 * mm, 22 * mm, 16 * mm, 28 * mm], numeric=(1, 2, 3, 4, 5)),
    ]


def _segments(figures: RoundFigures) -> list[Any]:
    sheet = styles()
    story: list[Any] = []
    for label, group in figures.segments:
        rows: list[list[object]] = [["Kelompok", "Peserta", "Indeks", "Selang 95%"]]
        rows += [
            [g.label, integer(g.n), decimal(g.mean), f"{decimal(g.ci_low)}–{decimal(g.ci_high)}"]
            for g in group
        ]
        story.append(
            KeepTogether(
                [
                    Spacer(1, 3 * mm),
                    paragraph(label, sheet["Heading4"]),
                    table(rows, [90 * mm, 25 * mm, 25 * mm, 40 * mm], numeric=(1, 2, 3)),
                ]
            )
        )
    return story


def _method(round_: Round, head: Aggregate | None, standing_: Standing | None) -> list[Any]:
    sheet = styles()
    body = ParagraphStyle("method", parent=sheet["Normal"], fontSize=8.5, leading=11.5, spaceAfter=4)
    notes = [
        "Skala 1–4: 1 Dasar, 2 Menengah, 3 Mahir, 4 Sangat Mahir. Tes mengukur lima area kompetensi digital "
        "(kerangka DigComp): indeks adalah rata-rata kelima area.",
        "Selang kepercayaan 95% menunjukkan ketidakpastian pengukuran dan sampel; kelompok kecil dibaca "
        f"dengan hati-hati (unit dengan kurang dari {SMALL_GROUP} peserta tidak diperingkat).",
        "Angka kelompok dihitung dari model populasi ronde (nilai plausibel), bukan dari rata-rata skor "
        "pribadi; tes yang tidak lengkap (kurang dari separuh soal dijawab) tidak dihitung"
        + (f" ({integer(head.incomplete)} tes)." if head is not None and head.incomplete else "."),
        basis_sentence(round_),
    ]
    if standing_ is not None:
        notes.append(
            "Posisi nasional dan provinsi berasal dari tolok ukur nasional yang diterbitkan: angka agregat "
            "yang dilindungi (sel kurang dari 10 orang tidak diterbitkan), satu ronde terakhir per wilayah "
            "untuk versi instrumen dan tahun yang sama; peringkat dan rata-rata pembanding hanya "
            f"ditunjukkan bila paling sedikit {integer(coverage.MIN_REGIONS)} wilayah dan "
            f"{integer(coverage.MIN_PEOPLE)} peserta punya data (aturan cakupan tolok ukur)."
        )
        notes.append(
            "Peta jalan adalah alat bantu perencanaan: setiap pelatihan yang diselesaikan diasumsikan "
            "menaikkan kompetensi yang dibangunnya seperempat tingkat; ronde berikutnya menunjukkan "
            "perubahan sebenarnya."
        )
    return [
        CondPageBreak(50 * mm),
        paragraph("Catatan metode", sheet["Heading2"]),
        *[paragraph(n, body) for n in notes],
    ]


def _region_report(round_: Round, region: Region, figures: RoundFigures, fw: Framework) -> bytes:
    head = figures.region
    standing_ = standing(round_, region)
    story = _cover(round_, region, standing_)
    facts = summary(figures, fw, standing_, proposed_roadmap(round_, head)) if head is not None else None
    if facts is not None and head is not None:
        story += _summary_page(figures, facts, round_)
        story += _charts(figures, fw, head, standing_)
    else:
        story.append(paragraph("Ronde ini belum punya angka wilayah.", styles()["Normal"]))
    if figures.units:
        story += _unit_table(figures)
    story += _segments(figures)
    story += _method(round_, head, standing_)
    return build(f"Laporan IKD {region.name}", story)


def _unit_report(round_: Round, region: Region, figures: RoundFigures, fw: Framework, subject: str) -> bytes:
    sheet = styles()
    region_row = reading.figures(round_).region
    head = figures.units[0] if len(figures.units) == 1 else None
    story: list[Any] = [
        paragraph(
            markup("<b>Laporan Indeks Kompetensi Digital ASN</b><br/>{region}", region=region.name),
            sheet["Title"],
        ),
        paragraph(f"{round_.name} — {subject}", sheet["Heading3"]),
    ]
    if head is not None and head.n:
        story += [
            paragraph(
                markup(
                    "Indeks: <b>{mean}</b> dari 4 (selang kepercayaan 95%: {low}–{high}); "
                    "{n} peserta dari {eligible} pegawai yang diundang.",
                    mean=decimal(head.mean),
                    low=decimal(head.ci_low),
                    high=decimal(head.ci_high),
                    n=integer(head.n),
                    eligible=integer(head.eligible),
                ),
                sheet["Normal"],
            ),
            Spacer(1, 4 * mm),
            table(
                [
                    ["Tingkat", *[f"{k} {LEVELS[k]}" for k in (1, 2, 3, 4)]],
                    ["Porsi pegawai", *[percent(s) for s in head.level_shares]],
                ],
                [40 * mm, 35 * mm, 35 * mm, 35 * mm, 35 * mm],
                numeric=(1, 2, 3, 4),
            ),
            Spacer(1, 4 * mm),
            paragraph("Rata-rata per area", sheet["Heading4"]),
            table(
                [["Area", "Unit", "Kabupaten/Kota"]]
                + [
                    [
                        f"{code}. {name}",
                        decimal(head.area_means[k]),
                        decimal(region_row.area_means[k]) if region_row is not None else "–",
                    ]
                    for k, (code, name) in enumerate(fw.areas)
                ],
                [120 * mm, 30 * mm, 30 * mm],
                numeric=(1, 2),
            ),
        ]
        competences = sorted(head.competence_means.items(), key=lambda kv: kv[1])
        region_competences = (region_row.competence_means or {}) if region_row is not None else {}
        story += [
            Spacer(1, 4 * mm),
            paragraph("Kompetensi, dari yang paling perlu dikembangkan", sheet["Heading4"]),
            table(
                [["Kompetensi", "Unit", "Kabupaten/Kota"]]
                + [
                    [
                        f"{c} {fw.competences.get(c, ('', c, ''))[1]}",
                        decimal(v),
                        decimal(region_competences.get(c)),
                    ]
                    for c, v in competences
                ],
                [120 * mm, 30 * mm, 30 * mm],
                numeric=(1, 2),
            ),
        ]
    if len(figures.units) > 1:
        story += _unit_table(figures)
    story += _method(round_, head, None)
    return build(f"Laporan IKD {subject}", story)


def region_report_pdf(
    round_: Round, region: Region, unit_ids: list[int] | None = None, unit_name: str | None = None
) -> bytes:
    """The region's report, or (with ``unit_ids``) a unit's or a coordinator's units' report."""
    fw = reading.framework_of(round_)
    figures = reading.figures(round_, unit_ids)
    if unit_ids is None:
        return _region_report(round_, region, figures, fw)
    return _unit_report(round_, region, figures, fw, unit_name or "Unit yang dikoordinasi")


__all__ = ["CHARTS_TITLE", "SUMMARY_TITLE", "WIDTH", "region_report_pdf"]
