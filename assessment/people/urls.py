from django.urls import path

from assessment.people import views

urlpatterns = [
    path("unit/", views.unit_list, name="unit_list"),
    path("unit/<int:pk>/", views.unit_edit, name="unit_edit"),
    path("pegawai/", views.employee_list, name="employee_list"),
    path("pegawai/tambah/", views.employee_edit, name="employee_add"),
    path("pegawai/<int:pk>/", views.employee_edit, name="employee_edit"),
    path("pegawai/ekspor.<str:kind>", views.employee_export, name="employee_export"),
    path("pegawai/impor/", views.import_upload, name="import_upload"),
    path("pegawai/impor/templat.xlsx", views.import_template, name="import_template"),
    path("pegawai/impor/<uuid:pk>/", views.import_detail, name="import_detail"),
    path("pegawai/impor/<uuid:pk>/simpan/", views.import_commit, name="import_commit"),
    path("pegawai/impor/<uuid:pk>/periksa-ulang/", views.import_recheck, name="import_recheck"),
    path("pegawai/impor/<uuid:pk>/status/", views.import_status, name="import_status"),
]
