"""URLs of a region's site (<slug>.BASE_DOMAIN)."""

from django.urls import include, path

from accounts import views as accounts
from assessment.instrument import views as instrument
from frontend import views as frontend

urlpatterns = [
    path("", frontend.region_dashboard, name="home"),
    path("masuk/token/<str:token>/", accounts.login_token, name="login_token"),
    path("pengguna/", accounts.users, name="users"),
    path("pengguna/<int:pk>/", accounts.user_update, name="user_update"),
    path("pengaturan/keamanan/", accounts.security, name="security"),
    path("ketentuan/", frontend.terms, name="terms"),
    path("", include("assessment.people.urls")),
    path("", include("assessment.authoring.urls")),
    path("", include("assessment.rounds.urls")),
    path("", include("assessment.results.urls")),
    path("instrumen/", instrument.catalogue, name="instrument_catalogue"),
    path("akun/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", frontend.healthz, name="healthz"),
]
