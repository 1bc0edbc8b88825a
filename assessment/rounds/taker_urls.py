"""The test as a taker takes it, under ``tes/``: first in the region's URLs (config.urls_tenant), so that
the start storm's and the answers' requests are matched against these few patterns, not every page's."""

from django.urls import path

from assessment.rounds import taker_views

urlpatterns = [
    path("", taker_views.taker_login, name="taker_login"),
    path("mulai/", taker_views.taker_start, name="taker_start"),
    path("kerjakan/", taker_views.taker_test, name="taker_test"),
    path("selesai/", taker_views.taker_done, name="taker_done"),
    path("keluar/", taker_views.taker_logout, name="taker_logout"),
    path("sw.js", taker_views.service_worker, name="taker_sw"),
    path("api/ping", taker_views.api_ping, name="taker_api_ping"),
    path("api/state", taker_views.api_state, name="taker_api_state"),
    path("api/jawab", taker_views.api_answer, name="taker_api_answer"),
    path("api/lihat", taker_views.api_seen, name="taker_api_seen"),
    path("api/kirim", taker_views.api_submit, name="taker_api_submit"),
]
