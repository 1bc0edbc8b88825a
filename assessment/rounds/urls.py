from django.urls import path

from assessment.rounds import taker_views, views

urlpatterns = [
    path("ronde/", views.round_list, name="round_list"),
    path("ronde/<int:pk>/", views.round_detail, name="round_detail"),
    path("ronde/<int:pk>/peserta/", views.participants, name="round_participants"),
    path("ronde/<int:pk>/peserta/<int:participant_id>/", views.participant_action, name="participant_action"),
    path("ronde/<int:pk>/kode/<int:unit_id>.<str:kind>", views.code_sheet, name="code_sheet"),
    path("ronde/<int:pk>/pantau/", views.live, name="round_live"),
    path("ronde/<int:pk>/pantau.json", views.live_data, name="round_live_data"),
    path("ronde/<int:pk>/belum-mulai.csv", views.not_started_export, name="round_not_started"),
    path("tes/", taker_views.taker_login, name="taker_login"),
    path("tes/mulai/", taker_views.taker_start, name="taker_start"),
    path("tes/kerjakan/", taker_views.taker_test, name="taker_test"),
    path("tes/selesai/", taker_views.taker_done, name="taker_done"),
    path("tes/keluar/", taker_views.taker_logout, name="taker_logout"),
    path("tes/sw.js", taker_views.service_worker, name="taker_sw"),
    path("tes/api/ping", taker_views.api_ping, name="taker_api_ping"),
    path("tes/api/state", taker_views.api_state, name="taker_api_state"),
    path("tes/api/jawab", taker_views.api_answer, name="taker_api_answer"),
    path("tes/api/lihat", taker_views.api_seen, name="taker_api_seen"),
    path("tes/api/kirim", taker_views.api_submit, name="taker_api_submit"),
]
