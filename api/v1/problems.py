"""The ``errors`` answer of the region API's writes, for a request refused before its records are read.

The writes (register upsert, training records) document their 400 as ``{"errors": [{"index", "field",
"message"}]}``, the shape their row checks give. A body that is not JSON at all, or a key in the URL,
is refused by DRF before the view runs, with DRF's ``{"detail": ...}``; ``BodyProblems`` gives those
the same documented shape, with ``index`` -1 (the request as a whole), so a client reads one shape.
Reads (a list's filters) keep the API's ``{"detail": ...}``, as documented for them.
"""

from __future__ import annotations

from rest_framework import exceptions, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView


class BodyProblems(APIView):
    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        detail = exc.detail if isinstance(exc, exceptions.APIException) else None
        writing = self.request.method not in permissions.SAFE_METHODS  # a list's reads keep ``detail``
        if writing and response.status_code == status.HTTP_400_BAD_REQUEST and isinstance(detail, str):
            response.data = {"errors": [{"index": -1, "field": "", "message": str(detail)}]}
        return response
