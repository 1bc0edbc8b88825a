from django.urls import path

from assessment.authoring import views

urlpatterns = [
    path("soal-lokal/", views.local_item_list, name="local_item_list"),
    path("soal-lokal/tambah/", views.local_item_edit, name="local_item_add"),
    path("soal-lokal/<int:pk>/", views.local_item_edit, name="local_item_edit"),
]
