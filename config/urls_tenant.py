"""URLs of a region's site (<slug>.BASE_DOMAIN)."""

from django.urls import include, path

from accounts import signin, user_views
from accounts import views as accounts
from assessment.instrument import views as instrument
from audit import views as audit
from frontend import views as frontend

urlpatterns = [
    path("tes/", include("assessment.rounds.taker_urls")),  # first: the test day's requests
    path("", frontend.region_dashboard, name="home"),
    path("masuk/token/<str:token>/", accounts.login_token, name="login_token"),
    path("pengguna/", user_views.users, name="users"),
    path("pengguna/<int:pk>/", user_views.user_edit, name="user_update"),
    path("pengguna/impor/", user_views.user_import_view, name="user_import"),
    path("pengguna/impor/templat.xlsx", user_views.user_import_template, name="user_import_template"),
    path("akun/undangan/<str:token>/", user_views.invitation, name="invitation"),
    path("pengaturan/keamanan/", accounts.security, name="security"),
    path("jejak-audit/", audit.region_trail, name="audit_trail"),
    path("jejak-audit/unduh.<str:fmt>", audit.region_export, name="audit_export"),
    path("ketentuan/", frontend.terms, name="terms"),
    path("", include("assessment.people.urls")),
    path("", include("assessment.authoring.urls")),
    path("", include("assessment.rounds.urls")),
    path("", include("assessment.results.urls")),
    path("", include("assessment.privacy.urls")),
    path("", include("billing.urls_tenant")),  # the region's contract, invoices, upgrade
    path("", include("assessment.training.urls")),
    path("", include("assessment.talent.urls")),
    path("", include("api.urls")),  # key pages
    path("", include("webhooks.urls")),
    path("api/v1/", include("api.v1.urls")),
    path("instrumen/", instrument.catalogue, name="instrument_catalogue"),
    # allauth's, with 429 for refused clients; named as allauth's, so that a suspended region still lets
    # its users sign in (tenants.middleware lets read-only regions' sign-in views through by name).
    path("akun/login/", signin.login, name="account_login"),
    path("akun/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", frontend.healthz, name="healthz"),
]
