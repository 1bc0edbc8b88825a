"""Cursor pages of the region API's lists: 100 by default, at most 500, and a ``page_size`` that is not
a whole number in that range refused (400, ``{"detail": ...}``) rather than silently replaced by the
default, so that a client's mistake shows at once and the schema's range is the behaviour.

A cursor the API did not make answers 404 (DRF's ``Invalid cursor``), as in api.v1.results.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class StrictPages(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ParseError(
                _("'page_size' must be a whole number from 1 to %(max)s.") % {"max": self.max_page_size}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
                parameter["description"] = "Results per page: 1 to 500, default 100."
        return parameters
