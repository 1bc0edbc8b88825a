"""Billing on the public site: the pricing page and the operator's billing console (config.urls_public).
The provider's webhook is routed by config.urls_public itself (billing.webhooks)."""

from django.urls import path

from billing import views_catalogue as catalogue_views
from billing import views_public as views

urlpatterns = [
    path("harga/", views.pricing, name="pricing"),
    path("operator/tagihan/", views.operator_billing, name="operator_billing"),
    path("operator/tagihan/unduh.<str:fmt>", views.operator_billing_export, name="operator_billing_export"),
    path(
        "operator/tagihan/wilayah/<str:code>/", views.operator_billing_region, name="operator_billing_region"
    ),
    path(
        "operator/tagihan/wilayah/<str:code>/potongan/",
        views.operator_billing_discount,
        name="operator_billing_discount",
    ),
    path(
        "operator/tagihan/wilayah/<str:code>/perpanjangan/",
        views.operator_billing_extension,
        name="operator_billing_extension",
    ),
    path(
        "operator/tagihan/faktur/<int:pk>/pembayaran/",
        views.operator_billing_payment,
        name="operator_billing_payment",
    ),
    path("operator/tagihan/paket/", catalogue_views.operator_plans, name="operator_plans"),
    path("operator/tagihan/paket/baru/", catalogue_views.operator_plan, name="operator_plan_new"),
    path("operator/tagihan/paket/<slug:code>/", catalogue_views.operator_plan, name="operator_plan"),
    path(
        "operator/tagihan/faktur/<int:pk>.pdf",
        views.operator_billing_invoice_pdf,
        name="operator_billing_invoice_pdf",
    ),
]
