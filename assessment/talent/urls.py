from django.urls import path

from assessment.talent import views

urlpatterns = [
    path("talenta/", views.talent, name="talent"),
    path("talenta/ekspor.<str:fmt>", views.talent_export, name="talent_export"),
    path("talenta/shortlist/", views.talent_shortlist, name="talent_shortlist"),
]
