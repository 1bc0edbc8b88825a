"""The region API, version 1 (/api/v1/ on a region's host). Each part's routes live beside its views."""

from django.urls import include, path

urlpatterns = [
    path("", include("api.v1.register_urls")),
    path("", include("api.v1.results_urls")),
    path("", include("api.v1.training_urls")),
    path("", include("api.v1.docs_urls")),  # the OpenAPI schema and its offline docs
]
