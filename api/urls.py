"""The region admin's pages for API keys (the API itself is api.v1, at /api/v1/)."""

from django.urls import path

from api import views

urlpatterns = [
    path("pengaturan/api/", views.api_keys, name="api_keys"),
    path("pengaturan/api/<int:pk>/cabut/", views.api_key_revoke, name="api_key_revoke"),
]
