"""OpenAPI pieces shared by the region API's operations: the error answers every operation can give,
and the path parameters of its resources.

Path parameters are matched by the URL as plain strings and parsed in the view (``round_id_of``), so
that anything malformed (a negative id, a letter, a number past PostgreSQL's integer) answers the API's
JSON 404, never Django's HTML page or a database error; the schema states the valid range, so clients
and schemathesis know it.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.request import Request

MAX_ID = 2_147_483_647  # PostgreSQL integer
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in the request's language.")


def _error(description: str, detail: str) -> OpenApiResponse:
    return OpenApiResponse(
        ErrorSerializer,
        description=description,
        examples=[OpenApiExample(description, value={"detail": detail}, response_only=True)],
    )


ERRORS = {
    400: _error("Key in the query string", "API keys are not accepted in the URL."),
    401: _error("No key, or a wrong or revoked one", "Invalid or revoked API key."),
    403: _error("The key lacks a scope", "This API key lacks the scope(s): results:read."),
    404: _error("Not found", "Not found."),
    429: _error("Too many requests for this key", "Request was throttled."),
}

ROUND_ID = OpenApiParameter("round_id", ID_SCHEMA, OpenApiParameter.PATH, description="The round's id.")
UNIT_ID = OpenApiParameter("unit_id", ID_SCHEMA, OpenApiParameter.PATH, description="The work unit's id.")
NIP = OpenApiParameter(
    "nip",
    {"type": "string", "pattern": "^[0-9]{18}$"},
    OpenApiParameter.PATH,
    description="The employee's 18-digit NIP (or NI PPPK).",
)


def id_of(raw: str) -> int:
    """A path or query id, or 404 for anything that is not one."""
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise Http404
    return int(raw)


# --------------------------------------------------------------------------- the two schemas

REGION_API_PREFIX = "/api/v1/"


def region_api_only(endpoints: list[tuple[str, str, str, Any]], **kwargs: Any) -> list[Any]:
    """Preprocessing hook of the region schema: only the region API's operations (its own schema and
    docs views are not DRF operations of the API)."""
    return [e for e in endpoints if e[0].startswith(REGION_API_PREFIX)]


def public_api_only(endpoints: list[tuple[str, str, str, Any]], **kwargs: Any) -> list[Any]:
    """Preprocessing hook of the public schema: the platform's JSON answers under /api/, never a region's
    API (the public URLconf has none, but a mistaken include must not leak it into the public docs)."""
    return [e for e in endpoints if e[0].startswith("/api/") and not e[0].startswith(REGION_API_PREFIX)]


REGION_SCHEMA_SETTINGS = {
    "TITLE": "IKD region API",
    "DESCRIPTION": (
        "The API of one region, on the region's own host (`https://<region>.<domain>/api/v1/`). Every "
        "request carries a key made by the region admin, in the header `Authorization: Api-Key <key>` "
        "(never in the URL: such a request is refused). A key works only on its own region's host and "
        "only for the scopes it holds: `register:read`, `register:write`, `results:read` (aggregates, "
        "small groups hidden), `results:personal` (each employee's results and learning plan), "
        "`training:write`. Requests are rate-limited per key (429 with `Retry-After`)."
    ),
    "VERSION": "1.0.0",
    "PREPROCESSING_HOOKS": ["api.schema.region_api_only"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_region_errors",
    ],
}
PUBLIC_SCHEMA_SETTINGS = {
    "TITLE": "IKD ASN public API",
    "DESCRIPTION": (
        "The platform's public JSON: official region search for signup, and the national benchmark "
        "(aggregates of published rounds only, small groups suppressed; docs/benchmark.md)."
    ),
    "PREPROCESSING_HOOKS": ["api.schema.public_api_only"],
}


ERROR_SCHEMA = {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}
_ERROR_TEXT = {
    "400": ("Malformed: an unknown parameter, a bad value, or a key in the URL", "Unknown parameter."),
    "401": ("No key, or a wrong, revoked or other region's key", "Invalid or revoked API key."),
    "403": ("The key lacks a scope, or the region is read-only", "This API key lacks the scope(s): ..."),
    "429": ("Too many requests for this key: retry after `Retry-After` seconds", "Request was throttled."),
}


def document_region_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: every region API operation can answer 400 (key in the URL), 401 (no valid
    key), 403 (scope) and 429 (rate limit) before its view runs (api.authentication, api.permissions,
    api.throttling), and one with a path parameter 404; an operation that does not document them
    itself gets them here, so no client or schema check meets an undocumented status."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_SCHEMA)
    for path, item in result.get("paths", {}).items():
        if not path.startswith(REGION_API_PREFIX):
            continue
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            texts = dict(_ERROR_TEXT)
            if "{" in path:  # a resource named in the path may not exist
                texts["404"] = ("No such resource (or not visible to this key)", "Not found.")
            for code, (description, detail) in texts.items():
                operation["responses"].setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Error"},
                                "examples": {"Error": {"value": {"detail": detail}}},
                            }
                        },
                    },
                )
    return result


def refuse_unknown_parameters(query: Any, known: frozenset[str]) -> None:
    """A query parameter the operation does not know is refused (400), not ignored: ``?stat=open``
    silently answering every round is the kind of mistake an integrator should see at once."""
    unknown = sorted(set(query) - known - {"format"})
    if unknown:
        raise ParseError(_("Unknown query parameter(s): %(names)s.") % {"names": ", ".join(unknown)[:200]})


class KnownParameters:
    """Refuses query parameters the operation does not document (after the key and scope checks, so
    an outsider still gets 401 first)."""

    query_parameters: frozenset[str] = frozenset()

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        refuse_unknown_parameters(request.query_params, self.query_parameters)
