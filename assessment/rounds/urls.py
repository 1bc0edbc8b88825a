from django.urls import path

from assessment.rounds import views

urlpatterns = [
    path("ronde/", views.round_list, name="round_list"),
    path("ronde/<int:pk>/", views.round_detail, name="round_detail"),
    path("ronde/<int:pk>/peserta/", views.participants, name="round_participants"),
    path("ronde/<int:pk>/peserta/<int:participant_id>/", views.participant_action, name="participant_action"),
    path("ronde/<int:pk>/kode/<int:unit_id>.<str:kind>", views.code_sheet, name="code_sheet"),
    path("ronde/<int:pk>/pantau/", views.live, name="round_live"),
    path("ronde/<int:pk>/pantau.json", views.live_data, name="round_live_data"),
    path("ronde/<int:pk>/belum-mulai.csv", views.not_started_export, name="round_not_started"),
]
