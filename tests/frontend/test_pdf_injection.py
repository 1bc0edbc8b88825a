"""Names in PDFs are text, never ReportLab markup: no fetch, no embedded file, no link, no error.

Every route that serves a PDF is requested with hostile unit, round, employee and course names
(``conftest.make_hostile``): the answer is a valid PDF that shows each name as written, holds no
image and no link, and the trap server that the names point at was never asked for anything.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.utils import ImageReader

from tests.frontend.conftest import DOWNLOADS, WALKED_IN_BILLING_TESTS, Hostile, Trap, read_pdf

STYLE = getSampleStyleSheet()["Normal"]
# The helpers are imported inside the tests that use them, so that the route walk also runs (and
# fails) against code from before they existed.


def test_a_paragraph_of_plain_text_prints_markup_as_written(trap: Trap) -> None:
    from frontend.pdf import build, paragraph

    hostile = (
        f'<img src="{trap.url("p")}"/> <img src="{trap.image}"/> <a href="http://x/">a</a> <script> & </b>'
    )
    document = read_pdf(build("uji", [paragraph(hostile, STYLE)]))
    assert document.shows(hostile)
    assert (document.images, document.links, trap.hits) == (0, 0, [])


def test_markup_escapes_its_values_and_allows_only_typography() -> None:
    from frontend.pdf import Markup, build, markup, paragraph

    made = markup("<b>{name}</b><br/>{other}", name="<img src='x'/>", other="A & B")
    assert isinstance(made, Markup)
    assert made == "<b>&lt;img src='x'/&gt;</b><br/>A &amp; B"
    for template in (
        '<img src="x"/>',
        '<a href="http://x/">x</a>',
        "<font face='x'>x</font>",
        '<b onclick="x">',
    ):
        with pytest.raises(ValueError, match="PDF markup"):
            markup(template)
    with pytest.raises(ValueError, match="PDF markup"):
        paragraph(Markup('<img src="x"/>'), STYLE)  # a Markup made by hand is checked too
    # Markup joined with a str is a str again: printed as text, not read as markup.
    joined = markup("<b>x</b>") + "<i>y</i>"
    assert not isinstance(joined, Markup)
    assert read_pdf(build("uji", [paragraph(joined, STYLE)])).shows("<b>x</b><i>y</i>")


def test_reportlab_fetches_no_url_whatever_asks_for_it(trap: Trap) -> None:
    """The global guard: even an image asked for directly is refused before any request."""
    import frontend.pdf  # noqa: F401  (it sets the guard)

    for url in (trap.url("direct"), f"https://127.0.0.1:{trap.port}/x.png", f"file://{trap.image}"):
        with pytest.raises(OSError, match="Cannot open resource"):
            ImageReader(url)
    assert trap.hits == []


def test_every_pdf_route_prints_hostile_names_as_text(hostile: Hostile, trap: Trap) -> None:
    unit_name = hostile.unit_names[hostile.unit.pk]
    employee_name = hostile.employee_names[hostile.taker.employee_id]
    # What each document must show as written (a course is in the roadmap and the personal plan).
    expected: dict[str, list[str]] = {
        "code_sheet": [hostile.round_name, unit_name],
        "results_unit_report": [hostile.round_name, unit_name],
        "results_export": [hostile.round_name, unit_name],
        "results_roadmap_export": [hostile.round_name, unit_name],
        "my_result_pdf": [hostile.round_name, unit_name, employee_name],
        "results_person_pdf": [hostile.round_name, unit_name, employee_name],
    }
    assert set(expected) == {
        name for name, kinds in DOWNLOADS.items() if "pdf" in kinds and name not in WALKED_IN_BILLING_TESTS
    }
    for name, names in expected.items():
        response = hostile.client_for(name).get(hostile.url(name, "pdf"))
        assert response.status_code == 200, (name, response.content[:300])
        assert response["Content-Type"] == "application/pdf", name
        document = read_pdf(response.content)
        for text in names:
            assert document.shows(text), (name, text)
        if name in {"results_roadmap_export", "my_result_pdf", "results_person_pdf"}:
            assert any(document.shows(title) for title in hostile.course_titles), name
        assert document.images == 0, name
        assert document.links == 0, name
    assert trap.hits == []


def test_only_frontend_pdf_makes_paragraphs() -> None:
    """The one helper: no other module hands text to ReportLab's markup parser."""
    root = Path(settings.BASE_DIR)
    parsers = re.compile(
        r"\b(Paragraph|XPreformatted|ParaParser)\(|import [^\n]*\b(Paragraph|XPreformatted|ParaParser)\b"
    )
    offenders = [
        str(path.relative_to(root))
        for folder in ("accounts", "assessment", "benchmark", "billing", "config", "frontend", "tenants")
        for path in (root / folder).rglob("*.py")
        if path != root / "frontend" / "pdf.py" and parsers.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
