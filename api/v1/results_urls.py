"""Routes of rounds, participation and results (api.v1.rounds, api.v1.results). Ids are matched as
strings and parsed by the views (api.schema.id_of), so a malformed one answers the API's JSON 404;
a NIP as a path, so that even one with a slash reaches the view's JSON 404."""

from django.urls import path

from api.v1 import results, rounds

urlpatterns = [
    path("rounds/", rounds.RoundList.as_view(), name="api_rounds"),
    path("rounds/<str:round_id>/", rounds.RoundDetail.as_view(), name="api_round"),
    path("rounds/<str:round_id>/results/", results.RegionResults.as_view(), name="api_round_results"),
    path("rounds/<str:round_id>/results/units/", results.UnitResults.as_view(), name="api_round_units"),
    path(
        "rounds/<str:round_id>/results/units/<str:unit_id>/",
        results.UnitResult.as_view(),
        name="api_round_unit",
    ),
    path(
        "rounds/<str:round_id>/results/segments/", results.SegmentResults.as_view(), name="api_round_segments"
    ),
    path(
        "rounds/<str:round_id>/employee-results/",
        results.RoundPersonResults.as_view(),
        name="api_round_person_results",
    ),
    path("employees/<path:nip>/results/", results.EmployeePersonResults.as_view(), name="api_person_results"),
]
