"""Printed results documents (PDF): the region's report, a unit's, an employee's own result and the
training roadmap. Text enters them only through ``frontend.pdf`` (escaped, Indonesian numbers)."""

from assessment.results.reports.person import person_report_pdf
from assessment.results.reports.region import region_report_pdf
from assessment.results.reports.roadmap import roadmap_pdf

__all__ = ["person_report_pdf", "region_report_pdf", "roadmap_pdf"]
