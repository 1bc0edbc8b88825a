from django.urls import path

from assessment.privacy import taker_views, views

urlpatterns = [
    path("pengaturan/privasi/", views.privacy_settings, name="privacy_settings"),
    path("privasi/koreksi/", views.correction_list, name="correction_list"),
    path("pegawai/<int:pk>/koreksi/", views.correction_resolve, name="correction_resolve"),
    path("pegawai/<int:pk>/hapus/", views.employee_erase, name="employee_erase"),
    path("tes/privasi/", taker_views.privacy_notice, name="privacy_notice"),
    path("tes/data-saya/", taker_views.my_data, name="my_data"),
    path("tes/data-saya/unduh.json", taker_views.my_data_download, name="my_data_download"),
    path("tes/data-saya/koreksi/", taker_views.my_correction, name="my_correction"),
]
