"""Files the app hands out (PDF reports, code sheets, CSV and XLSX exports): one way to send them.

File names carry data (a unit's code, an employee's NIP, an instrument version), and a unit code is
whatever the admin typed: a ``"`` or ``;`` in it would break a hand-written ``Content-Disposition``
header and a newline would make Django refuse the header (a 500).  ``attachment()`` leaves the
quoting to Django's ``content_disposition_header`` (a quoted ``filename=`` for printable ASCII,
RFC 5987 ``filename*=utf-8''...`` for anything else) after turning control characters and path
separators into ``-``, which no file name on disk could keep anyway.

Every download goes through here (``tests/frontend/test_export_injection.py`` checks that no other
module sets the header), so a fix to download headers lands once.
"""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.utils.http import content_disposition_header

__all__ = ["CSV", "PDF", "XLSX", "attachment", "file_name"]

PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


def file_name(name: str) -> str:
    """``name`` fit for a file on disk: control characters and ``/`` ``\\`` become ``-``."""
    return _UNSAFE.sub("-", name).strip() or "unduhan"


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A response that the browser saves as ``filename``, whatever characters the name holds."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name(filename))
    return response
