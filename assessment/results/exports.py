"""Exports of results: per employee (XLSX, CSV), the region's and a unit's report, an employee's own
result and the roadmap (PDF, XLSX). Documents are in Indonesian: they are printed and filed.

Names (region, round, unit, employee, course) come from users: they enter a PDF only through
``frontend.pdf`` (``paragraph`` escapes plain text; ``markup`` fills trusted templates with escaped
values) and a spreadsheet only through ``frontend.tabular`` (formula-safe)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from reportlab.lib import colors
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table, TableStyle

from assessment.instrument.basis import ParameterBasis
from assessment.results.models import Aggregate, Score
from assessment.results.planning import LearningPlan, Roadmap
from assessment.results.services import reading, segments
from assessment.rounds.models import Round
from frontend.pdf import build, markup, paragraph
from frontend.tabular import write_csv, write_xlsx

LEVELS = {1: "Dasar", 2: "Menengah", 3: "Mahir", 4: "Sangat Mahir"}
SCORE_HEADERS = [
    "NIP",
    "Nama",
    "Unit Kerja",
    "Status Kepegawaian",
    "Jenis Jabatan",
    "Indeks",
    "Tingkat",
    "SE Indeks",
    "Area 1",
    "Area 2",
    "Area 3",
    "Area 4",
    "Area 5",
    "Status tes",
    "Parameter butir",
]
STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3f1f3")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ]
)


def _n(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


def _rp(value: int) -> str:
    return f"Rp {value:,}".replace(",", ".")


def _score_rows(round_: Round, unit_ids: list[int] | None) -> Iterable[list[object]]:
    scores = (
        Score.objects.filter(round=round_)
        .select_related("employee", "unit")
        .order_by("unit__name", "employee__full_name")
    )
    if unit_ids is not None:
        scores = scores.filter(unit_id__in=unit_ids)
    basis = _basis(round_)
    for s in scores.iterator(chunk_size=2000):
        if not s.complete or s.index is None:
            # No index for an incomplete attempt: say so rather than print a level it was never given.
            yield [
                s.employee.nip,
                s.employee.full_name,
                s.unit.name,
                s.status,
                segments.label("position_type", s.position_type),
                "",
                "",
                "",
                *([""] * 5),
                f"Tidak lengkap ({s.answered} soal dijawab)",
                basis.label_id,
            ]
            continue
        yield [
            s.employee.nip,
            s.employee.full_name,
            s.unit.name,
            s.status,
            segments.label("position_type", s.position_type),
            round(s.index, 2),
            f"{s.level} {LEVELS.get(s.level, '')}",
            round(s.index_se or 0.0, 2),
            *(round(a["score"], 2) for a in s.areas),
            "Lengkap",
            basis.label_id,
        ]


@dataclass(frozen=True)
class _Basis:
    """What the figures rest on, in the documents' language (Indonesian): a short label and a sentence."""

    label_id: str
    sentence_id: str


def _basis(round_: Round) -> _Basis:
    scoring = getattr(round_, "scoring", None)
    basis = ParameterBasis.from_json(scoring.parameters if scoring is not None else None)
    with translation.override("id"):
        label = "sementara" if basis.provisional else f"terkalibrasi {basis.label} ({basis.calibrated_on})"
        return _Basis(label, basis.sentence())


def scores_table(round_: Round, unit_ids: list[int] | None, kind: str) -> bytes:
    """Every scored employee (in the given units), formula-safe."""
    rows = _score_rows(round_, unit_ids)
    if kind == "xlsx":
        return write_xlsx(SCORE_HEADERS, rows, sheet_title="Hasil IKD", text_columns=["NIP"])
    return write_csv(SCORE_HEADERS, rows)


def _table(rows: Sequence[Sequence[object]], widths: Sequence[float] | None = None) -> Table:
    table = Table([[str(c) for c in r] for r in rows], colWidths=widths, repeatRows=1)
    table.setStyle(STYLE)
    return table


def region_report_pdf(
    round_: Round, region_name: str, unit_ids: list[int] | None = None, unit_name: str | None = None
) -> bytes:
    """The region's report, or (with ``unit_ids``) a unit's or a coordinator's units' report."""
    styles = getSampleStyleSheet()
    fw = reading.framework_of(round_)
    figures = reading.figures(round_, unit_ids)
    region = Aggregate.objects.filter(round=round_, dimension="region").first()
    subject = unit_name or ("Unit yang dikoordinasi" if unit_ids is not None else region_name)
    story: list[Any] = [
        paragraph(
            markup("<b>Laporan Indeks Kompetensi Digital ASN</b><br/>{region}", region=region_name),
            styles["Title"],
        ),
        paragraph(f"{round_.name} — {subject}", styles["Heading3"]),
    ]
    head = region if unit_ids is None else (figures.units[0] if len(figures.units) == 1 else None)
    if head is not None and head.n:
        story += [
            paragraph(
                markup(
                    "Indeks: <b>{mean}</b> dari 4 (selang kepercayaan 95%: {low}–{high}); "
                    "{n} peserta dari {eligible} pegawai yang diundang.",
                    mean=_n(head.mean),
                    low=_n(head.ci_low),
                    high=_n(head.ci_high),
                    n=head.n,
                    eligible=head.eligible,
                ),
                styles["Normal"],
            ),
            Spacer(1, 4 * mm),
            _table(
                [
                    ["Tingkat", *[f"{k} {LEVELS[k]}" for k in (1, 2, 3, 4)]],
                    ["Porsi pegawai", *[f"{round(s * 100)}%" for s in head.level_shares]],
                ]
            ),
            Spacer(1, 4 * mm),
            paragraph("Rata-rata per area", styles["Heading4"]),
            _table(
                [
                    [
                        "Area",
                        "Rata-rata",
                        *(["Kabupaten/Kota"] if region is not None and head is not region else []),
                    ]
                ]
                + [
                    [
                        f"{code}. {name}",
                        _n(head.area_means[k]),
                        *([_n(region.area_means[k])] if region is not None and head is not region else []),
                    ]
                    for k, (code, name) in enumerate(fw.areas)
                ]
            ),
        ]
        if unit_ids is not None and head is not region:
            competences = sorted(head.competence_means.items(), key=lambda kv: kv[1])
            story += [
                Spacer(1, 4 * mm),
                paragraph("Kompetensi, dari yang paling perlu dikembangkan", styles["Heading4"]),
                _table(
                    [["Kompetensi", "Unit", "Kabupaten/Kota"]]
                    + [
                        [
                            f"{c} {fw.competences.get(c, ('', c, ''))[1]}",
                            _n(v),
                            _n((region.competence_means or {}).get(c) if region else None),
                        ]
                        for c, v in competences
                    ],
                    [110 * mm, 30 * mm, 30 * mm],
                ),
            ]
    if figures.units and (unit_ids is None or len(figures.units) > 1):
        story += [
            Spacer(1, 4 * mm),
            paragraph(
                "Unit kerja (unit dengan kurang dari 30 peserta ditandai * dan tidak diperingkat)",
                styles["Heading4"],
            ),
            _table(
                [["Unit kerja", "Diundang", "Ikut", "Indeks", "Selang 95%"]]
                + [
                    [
                        f"{u.label}{' *' if u.small else ''}",
                        u.eligible,
                        u.n,
                        _n(u.mean),
                        f"{_n(u.ci_low)}–{_n(u.ci_high)}" if u.ci_low is not None else "–",
                    ]
                    for u in figures.units
                ],
                [80 * mm, 20 * mm, 15 * mm, 20 * mm, 35 * mm],
            ),
        ]
    for label, group in figures.segments:
        story += [
            Spacer(1, 3 * mm),
            paragraph(label, styles["Heading4"]),
            _table(
                [["Kelompok", "Peserta", "Indeks", "Selang 95%"]]
                + [[g.label, g.n, _n(g.mean), f"{_n(g.ci_low)}–{_n(g.ci_high)}"] for g in group]
            ),
        ]
    story.append(Spacer(1, 4 * mm))
    story.append(
        paragraph(
            "Skala 1–4: 1 Dasar, 2 Menengah, 3 Mahir, 4 Sangat Mahir. Selang kepercayaan 95% menunjukkan "
            "ketidakpastian pengukuran dan sampel; kelompok kecil dibaca dengan hati-hati. Angka kelompok "
            "dihitung dari model populasi ronde (nilai plausibel), bukan dari rata-rata skor pribadi; tes "
            "yang tidak lengkap (kurang dari separuh soal dijawab) tidak dihitung."
            + (f" Tes tidak lengkap: {head.incomplete}." if head is not None and head.incomplete else ""),
            styles["Italic"],
        )
    )
    story.append(paragraph(_basis(round_).sentence_id, styles["Italic"]))
    return build(f"Laporan IKD {subject}", story)


def person_report_pdf(score: Score, region_name: str, plan: LearningPlan | None = None) -> bytes:
    """An employee's own printable result and learning plan."""
    styles = getSampleStyleSheet()
    fw = reading.framework_of(score.round)
    low, high = reading.index_interval(score)
    areas = reading.area_rows(score, fw)
    competences = reading.competence_rows(score, fw)
    story: list[Any] = [
        paragraph(markup("<b>Hasil Indeks Kompetensi Digital ASN</b>"), styles["Title"]),
        paragraph(f"{score.employee.full_name} — NIP {score.employee.nip}", styles["Heading3"]),
        paragraph(f"{score.unit.name}, {region_name} · {score.round.name}", styles["Normal"]),
        Spacer(1, 4 * mm),
        paragraph(
            markup(
                "Indeks Anda: <b>{index}</b> dari 4, tingkat <b>{level}</b>. Dengan keyakinan 95%, skor "
                "Anda antara {low} dan {high}: tes satu jam tidak bisa lebih tepat dari itu, jadi tingkat "
                "per area bersifat indikatif.",
                index=_n(score.index, 1),
                level=f"{score.level} {LEVELS.get(score.level, '')}",
                low=_n(low, 1),
                high=_n(high, 1),
            ),
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
        _table(
            [["Area", "Skor", "Tingkat"]]
            + [
                [f"{a['area']}. {a['name']}", _n(a["score"]), f"{a['level']} {LEVELS.get(a['level'], '')}"]
                for a in areas
            ],
            [110 * mm, 25 * mm, 35 * mm],
        ),
        Spacer(1, 4 * mm),
        paragraph("Kekuatan", styles["Heading4"]),
        *[
            paragraph(f"{c['code']} {c['name']} ({_n(c['shown'], 1)})", styles["Normal"])
            for c in reversed(competences[-3:])
        ],
        paragraph("Yang perlu dikembangkan", styles["Heading4"]),
        *[
            paragraph(
                f"{c['code']} {c['name']} ({_n(c['shown'], 1)})"
                + (f" — tingkat berikutnya: {c['next']}" if c["next"] else ""),
                styles["Normal"],
            )
            for c in competences[:5]
        ],
    ]
    if plan is not None:
        story += [
            Spacer(1, 4 * mm),
            paragraph(f"Rencana belajar tahun ini: {plan.total_jp} dari 20 JP", styles["Heading4"]),
        ]
        if plan.courses:
            story.append(
                _table(
                    [["Pelatihan", "JP", "Penyelenggara", "Alasan"]]
                    + [[p.course.title, p.course.jp, p.course.provider, p.reason] for p in plan.courses],
                    [55 * mm, 10 * mm, 35 * mm, 80 * mm],
                )
            )
        else:
            story.append(
                paragraph(
                    "Tidak ada pelatihan wajib: Anda sudah di tingkat sasaran di setiap kompetensi.",
                    styles["Normal"],
                )
            )
    story += [Spacer(1, 4 * mm), paragraph(_basis(score.round).sentence_id, styles["Italic"])]
    return build(f"Hasil IKD {score.employee.nip}", story)


def _roadmap_tables(plan: Roadmap) -> list[tuple[str, list[object], list[list[object]]]]:
    return [
        (
            "Per pelatihan",
            ["Kode", "Pelatihan", "Pegawai", "JP", "Biaya (Rp)"],
            [[c.code, c.title, c.people, c.jp_total, c.cost_total] for c in plan.by_course],
        ),
        (
            "Per unit kerja",
            ["Unit kerja", "Pegawai", "JP", "Biaya (Rp)", "Indeks kini", "Proyeksi"],
            [
                [
                    u.unit,
                    u.people,
                    u.jp_total,
                    u.cost_total,
                    round(u.start_index, 2),
                    round(u.projected_index, 2),
                ]
                for u in plan.by_unit
            ],
        ),
        ("Per kompetensi", ["Kompetensi", "Pegawai"], [[c.competence, c.people] for c in plan.by_competence]),
    ]


def roadmap_xlsx(plan: Roadmap, round_: Round | None = None) -> bytes:
    """The roadmap as one sheet: the summary, then courses, units and competences."""
    rows: list[list[object]] = [
        *([["Parameter butir", _basis(round_).label_id]] if round_ is not None else []),  # type: ignore[list-item]
        ["Indeks awal", round(plan.start_index, 2)],
        ["Target", plan.target_index],
        *[[f"Proyeksi tahun {k}", round(v, 2)] for k, v in enumerate(plan.projected_index, start=1)],
        ["Target tercapai", plan.reached],
        ["Pegawai dilatih", plan.people_trained],
        ["Total JP", plan.total_jp],
        ["Total biaya (Rp)", plan.total_cost_idr],
    ]
    for title, headers, body in _roadmap_tables(plan):
        rows += [[], [title], [*headers], *body]
    return write_xlsx(["Peta jalan pelatihan", ""], rows, sheet_title="Peta jalan")


def roadmap_pdf(plan: Roadmap, region_name: str, round_name: str, round_: Round | None = None) -> bytes:
    styles = getSampleStyleSheet()
    years = ", ".join(f"tahun {k}: {_n(v)}" for k, v in enumerate(plan.projected_index, start=1))
    story: list[Any] = [
        paragraph(
            markup("<b>Peta Jalan Pelatihan Kompetensi Digital</b><br/>{region}", region=region_name),
            styles["Title"],
        ),
        paragraph(f"Berdasarkan {round_name}", styles["Heading3"]),
        paragraph(
            f"Dari indeks {_n(plan.start_index)} menuju target {_n(plan.target_index)}. Proyeksi: {years}. "
            f"{'Target tercapai.' if plan.reached else 'Target belum tercapai dalam jangka waktu ini.'} "
            f"{plan.people_trained} pegawai, {plan.total_jp} JP, {_rp(plan.total_cost_idr)}, "
            "dalam 20 JP per pegawai per tahun.",
            styles["Normal"],
        ),
        paragraph(
            "Asumsi perencanaan: setiap pelatihan yang diselesaikan menaikkan kompetensi yang dibangunnya "
            "seperempat tingkat. Ini alat bantu perencanaan, bukan hasil pengukuran; ronde berikutnya "
            "menunjukkan perubahan yang sebenarnya.",
            styles["Italic"],
        ),
        *([paragraph(_basis(round_).sentence_id, styles["Italic"])] if round_ is not None else []),
    ]
    for title, headers, body in _roadmap_tables(plan):
        story += [Spacer(1, 4 * mm), paragraph(title, styles["Heading4"]), _table([headers, *body])]
    return build(f"Peta jalan {region_name}", story)
