"""Exports of results: per employee (XLSX, CSV) and the roadmap (XLSX); the PDFs (the region's and a
unit's report, an employee's own result, the roadmap) are in ``assessment.results.reports``.
Documents are in Indonesian: they are printed and filed.

Names (region, round, unit, employee, course) come from users: they enter a PDF only through
``frontend.pdf`` (``paragraph`` escapes plain text; ``markup`` fills trusted templates with escaped
values) and a spreadsheet only through ``frontend.tabular`` (formula-safe)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import translation

from assessment.instrument.basis import ParameterBasis
from assessment.results.models import Score
from assessment.results.planning import Course, Roadmap, learning_plan, shown_value

# The PDFs live in assessment.results.reports; re-exported for callers that import them from here.
from assessment.results.reports import person_report_pdf as person_report_pdf
from assessment.results.reports import region_report_pdf as region_report_pdf
from assessment.results.reports import roadmap_pdf as roadmap_pdf
from assessment.results.services import catalogue, reading, segments
from assessment.rounds.models import Round
from frontend.numbers import rounded
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
    # "Area 1" ... "Area 5" here; the table names them ("Area 1 Literasi informasi dan data", _score_headers)
    "Area 1",
    "Area 2",
    "Area 3",
    "Area 4",
    "Area 5",
    "Status tes",
    "Parameter butir",
    "Rencana belajar tahun ini",
    "JP rencana",
]


def _score_headers(round_: Round) -> list[str]:
    """SCORE_HEADERS with each area named by the round's framework, in Indonesian (a code alone says
    nothing to the reader of a spreadsheet)."""
    with translation.override("id"):
        areas = dict(reading.framework_of(round_).areas)
    headers = list(SCORE_HEADERS)
    for k, header in enumerate(headers):
        code = header.removeprefix("Area ")
        if header.startswith("Area ") and areas.get(code):
            headers[k] = f"Area {code} {areas[code]}"
    return headers


def _plan_cells(score: Score, courses: Sequence[Course]) -> list[object]:
    """This year's learning plan of one employee (the one on their result page): the courses, each with
    its code and JP, in one cell, and the plan's JP; empty for an incomplete attempt."""
    if not score.complete or score.index is None:
        return ["", ""]
    plan = learning_plan(
        score.competences, courses, area_scores={str(a["area"]): a["score"] for a in score.areas}
    )
    if not plan.courses:
        return ["Tidak perlu kursus: sudah di tingkat target", 0]
    listed = "; ".join(f"{p.course.code} {p.course.title} ({p.course.jp} JP)" for p in plan.courses)
    return [listed, plan.total_jp]


def _score_rows(round_: Round, unit_ids: list[int] | None) -> Iterable[list[object]]:
    scores = (
        Score.objects.filter(round=round_)
        .select_related("employee", "unit")
        .order_by("unit__name", "employee__full_name")
    )
    if unit_ids is not None:
        scores = scores.filter(unit_id__in=unit_ids)
    basis = _basis(round_)
    courses = catalogue.courses()  # once per table, not per employee
    for s in scores.iterator(chunk_size=2000):
        if not s.complete or s.index is None:
            # No index for an incomplete attempt: say so rather than print a level it was never given.
            yield [
                s.employee.nip,
                s.employee.full_name,
                s.unit.name,
                segments.label("status", s.status),
                segments.label("position_type", s.position_type),
                "",
                "",
                "",
                *([""] * 5),
                f"Tidak lengkap ({s.answered} soal dijawab)",
                basis.label_id,
                *_plan_cells(s, courses),
            ]
            continue
        yield [
            s.employee.nip,
            s.employee.full_name,
            s.unit.name,
            segments.label("status", s.status),
            segments.label("position_type", s.position_type),
            shown_value(s.index, 2),  # beside its level: rounded down, never across a level's cut
            f"{s.level} {LEVELS.get(s.level, '')}",
            rounded(s.index_se or 0.0, 2),
            *(rounded(a["score"], 2) for a in s.areas),
            "Lengkap",
            basis.label_id,
            *_plan_cells(s, courses),
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
    headers = _score_headers(round_)
    if kind == "xlsx":
        return write_xlsx(headers, rows, sheet_title="Hasil IKD", text_columns=["NIP"])
    return write_csv(headers, rows)


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
                    rounded(u.start_index, 2),
                    rounded(u.projected_index, 2),
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
        ["Indeks awal", rounded(plan.start_index, 2)],
        ["Target", plan.target_index],
        *[[f"Proyeksi tahun {k}", rounded(v, 2)] for k, v in enumerate(plan.projected_index, start=1)],
        ["Target tercapai", plan.reached],
        ["Pegawai dilatih", plan.people_trained],
        ["Total JP", plan.total_jp],
        ["Total biaya (Rp)", plan.total_cost_idr],
    ]
    for title, headers, body in _roadmap_tables(plan):
        rows += [[], [title], [*headers], *body]
    return write_xlsx(["Peta jalan pelatihan", ""], rows, sheet_title="Peta jalan")
