"""An employee's own printable result and learning plan (PDF).

The learning-plan table wraps every cell within its column: a course's provider and the reason it
was chosen are often long, and a plain table cell would print them over each other."""

from __future__ import annotations

from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from assessment.results.models import Score
from assessment.results.planning import LearningPlan, shown_value
from assessment.results.services import reading
from frontend.pdf import build, decimal, integer, markup, paragraph

from .common import basis_sentence, level_name, styles, table


def person_report_pdf(score: Score, region_name: str, plan: LearningPlan | None = None) -> bytes:
    sheet = styles()
    item = ParagraphStyle("person-item", parent=sheet["Normal"], spaceAfter=3)
    fw = reading.framework_of(score.round)
    low, high = reading.index_interval(score)
    areas = reading.area_rows(score, fw)
    competences = reading.competence_rows(score, fw)
    story: list[Any] = [
        paragraph(markup("<b>Hasil Indeks Kompetensi Digital ASN</b>"), sheet["Title"]),
        paragraph(f"{score.employee.full_name} — NIP {score.employee.nip}", sheet["Heading3"]),
        paragraph(f"{score.unit.name}, {region_name} · {score.round.name}", sheet["Normal"]),
        Spacer(1, 4 * mm),
        paragraph(
            markup(
                "Indeks Anda: <b>{index}</b> dari 4, tingkat <b>{level}</b>. Dengan keyakinan 95%, skor "
                "Anda antara {low} dan {high}: tes satu jam tidak bisa lebih tepat dari itu, jadi tingkat "
                "per area bersifat indikatif.",
                # Rounded down: never the next level's number (a complete score has an index).
                index=decimal(None if score.index is None else shown_value(score.index), 1),
                level=level_name(score.level),
                low=decimal(low, 1),
                high=decimal(high, 1),
            ),
            sheet["Normal"],
        ),
        Spacer(1, 4 * mm),
        table(
            [["Area", "Skor", "Tingkat"]]
            + [[f"{a['area']}. {a['name']}", decimal(a["score"]), level_name(a["level"])] for a in areas],
            [115 * mm, 25 * mm, 40 * mm],
            numeric=(1,),
        ),
        Spacer(1, 4 * mm),
        paragraph("Kekuatan", sheet["Heading4"]),
        *[
            paragraph(f"{c['code']} {c['name']} ({decimal(c['shown'], 1)})", item)
            for c in reversed(competences[-3:])
        ],
        paragraph("Yang perlu dikembangkan", sheet["Heading4"]),
        *[
            paragraph(
                f"{c['code']} {c['name']} ({decimal(c['shown'], 1)})"
                + (f" — tingkat berikutnya: {c['next']}" if c["next"] else ""),
                item,
            )
            for c in competences[:5]
        ],
    ]
    if plan is not None:
        story += [
            Spacer(1, 4 * mm),
            paragraph(f"Rencana belajar tahun ini: {integer(plan.total_jp)} dari 20 JP", sheet["Heading4"]),
        ]
        if plan.courses:
            story.append(
                table(
                    [["Pelatihan", "JP", "Penyelenggara", "Alasan"]]
                    + [
                        [p.course.title, integer(p.course.jp), p.course.provider, p.reason]
                        for p in plan.courses
                    ],
                    [55 * mm, 12 * mm, 38 * mm, 75 * mm],
                    numeric=(1,),
                )
            )
        else:
            story.append(
                paragraph(
                    "Tidak ada pelatihan wajib: Anda sudah di tingkat sasaran di setiap kompetensi.",
                    sheet["Normal"],
                )
            )
    story += [Spacer(1, 4 * mm), paragraph(basis_sentence(score.round), sheet["Italic"])]
    return build(f"Hasil IKD {score.employee.nip}", story)
