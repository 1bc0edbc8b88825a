"""URLs of the public site (BASE_DOMAIN): home, signup, the national portal, the operator console."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts import signin
from accounts import views as accounts
from api import public_schema  # noqa: F401  (registers the public views' OpenAPI descriptions)
from api.schema import PUBLIC_SCHEMA_SETTINGS
from assessment.instrument import views as instrument
from audit import views as audit
from benchmark import api as benchmark_api
from benchmark import views as benchmark
from billing import webhooks as billing_webhooks
from frontend import views as frontend
from tenants import views as tenants

urlpatterns = [
    path("", frontend.home, name="home"),
    path("daftar/", tenants.signup, name="signup"),
    path("ketentuan/", frontend.terms, name="terms"),
    path("instrumen/", instrument.catalogue, name="instrument_catalogue"),
    path("", include("billing.urls_public")),  # pricing page, operator billing console
    path("billing/webhook/", billing_webhooks.receive, name="billing_webhook"),  # the provider's events
    path("operator/", tenants.operator_regions, name="operator_regions"),
    path("operator/persetujuan/", tenants.operator_approvals, name="operator_approvals"),
    path("operator/wilayah/<str:code>/", tenants.operator_region, name="operator_region"),
    path(
        "operator/wilayah/<str:code>/setujui/",
        tenants.operator_region_approve,
        name="operator_region_approve",
    ),
    path("operator/wilayah/<str:code>/tolak/", tenants.operator_region_reject, name="operator_region_reject"),
    path("operator/kalibrasi/", include("assessment.instrument.urls_operator")),
    path("operator/jejak-audit/", audit.operator_trail, name="operator_audit"),
    path("operator/jejak-audit/unduh.<str:fmt>", audit.operator_export, name="operator_audit_export"),
    path("nasional/", benchmark.portal, name="national_portal"),
    path("nasional/peringkat/", benchmark.ranking, name="national_ranking"),
    path("nasional/unduh.<str:fmt>", benchmark.export, name="national_export"),
    path("nasional/wilayah/<str:code>/", benchmark.region_profile, name="national_region"),
    path("api/wilayah/", tenants.OfficialRegionSearch.as_view(), name="api_wilayah"),
    path("api/nasional/", benchmark_api.NationalSummary.as_view(), name="api_national"),
    path("api/nasional/wilayah/", benchmark_api.RegionList.as_view(), name="api_national_regions"),
    path(
        "api/nasional/wilayah/<str:code>/", benchmark_api.RegionProfile.as_view(), name="api_national_region"
    ),
    path(
        "api/schema/",
        SpectacularAPIView.as_view(urlconf="config.urls_public", custom_settings=PUBLIC_SCHEMA_SETTINGS),
        name="api_schema",
    ),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("akun/2fa/daftar/<str:token>/", accounts.mfa_enrolment, name="mfa_enrolment"),
    path("akun/login/", signin.login),  # allauth's, with 429 for refused clients
    path("akun/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", frontend.healthz, name="healthz"),
]
