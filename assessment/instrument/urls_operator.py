"""The operator's calibration pages, included by config.urls_public under ``operator/kalibrasi/``."""

from django.urls import path

from assessment.instrument import operator_views as views

urlpatterns = [
    path("", views.calibration_home, name="operator_calibration"),
    path("baru/", views.calibration_new, name="operator_calibration_new"),
    path("proses/<int:pk>/", views.calibration_job, name="operator_calibration_job"),
    path("set/<int:pk>/", views.calibration_set, name="operator_calibration_set"),
    path("set/<int:pk>/terima/", views.calibration_accept, name="operator_calibration_accept"),
]
