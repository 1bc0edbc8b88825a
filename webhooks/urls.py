from django.urls import path

from webhooks import views

urlpatterns = [
    path("pengaturan/webhook/", views.webhook_list, name="webhook_list"),
    path("pengaturan/webhook/baru/", views.webhook_create, name="webhook_create"),
    path("pengaturan/webhook/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("pengaturan/webhook/<int:pk>/uji/", views.webhook_test, name="webhook_test"),
    path("pengaturan/webhook/<int:pk>/aktif/", views.webhook_toggle, name="webhook_toggle"),
    path("pengaturan/webhook/<int:pk>/hapus/", views.webhook_delete, name="webhook_delete"),
    path("pengaturan/webhook/kiriman/<int:pk>/ulang/", views.webhook_resend, name="webhook_resend"),
]
