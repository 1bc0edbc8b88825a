"""A region's billing pages (included by config.urls_tenant)."""

from django.urls import path

from billing import views_region as views

urlpatterns = [
    path("tagihan/", views.billing_home, name="billing_region"),
    path("tagihan/profil/", views.billing_profile, name="billing_profile"),
    path("tagihan/tingkatkan/", views.billing_upgrade, name="billing_upgrade"),
    path("tagihan/faktur/<int:pk>/", views.billing_invoice, name="billing_invoice"),
    path("tagihan/faktur/<int:pk>.pdf", views.billing_invoice_pdf, name="billing_invoice_pdf"),
    # Let through the read-only guard (tenants.middleware): a region suspended for non-payment may pay.
    path("tagihan/faktur/<int:pk>/bayar/", views.billing_invoice_pay, name="billing_invoice_pay"),
]
