"""URLs of the public site (BASE_DOMAIN): home, signup, the operator console, platform accounts."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from assessment.instrument import views as instrument
from frontend import views as frontend
from tenants import views as tenants

urlpatterns = [
    path("", frontend.home, name="home"),
    path("daftar/", tenants.signup, name="signup"),
    path("ketentuan/", frontend.terms, name="terms"),
    path("instrumen/", instrument.catalogue, name="instrument_catalogue"),
    path("operator/", tenants.operator_regions, name="operator_regions"),
    path("operator/wilayah/<str:code>/", tenants.operator_region, name="operator_region"),
    path("api/wilayah/", tenants.OfficialRegionSearch.as_view(), name="api_wilayah"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("akun/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", frontend.healthz, name="healthz"),
]
