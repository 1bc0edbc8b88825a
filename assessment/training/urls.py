from django.urls import path

from assessment.training import views

urlpatterns = [
    # /pelatihan/ itself is the training catalogue (results.course_list).
    path("pelatihan/capaian/", views.training_overview, name="training_overview"),
    path("pelatihan/impor/", views.training_import, name="training_import"),
    path("pelatihan/impor/templat.xlsx", views.training_template, name="training_template"),
    path("pelatihan/ekspor.<str:fmt>", views.training_export, name="training_export"),
]
