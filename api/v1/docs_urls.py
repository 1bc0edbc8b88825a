"""The region API's OpenAPI schema and its documentation page, served by the app itself: Swagger UI
from drf-spectacular-sidecar (no CDN), in the split view whose start-up script is a separate file, so
the strict Content-Security-Policy (config.security_headers) holds without 'unsafe-inline'. Both are
public on the region's host: they describe the API, they hold no data."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from api.schema import REGION_SCHEMA_SETTINGS

urlpatterns = [
    path(
        "schema/",
        SpectacularAPIView.as_view(urlconf="config.urls_tenant", custom_settings=REGION_SCHEMA_SETTINGS),
        name="api_v1_schema",
    ),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api_v1_schema"), name="api_v1_docs"),
]
