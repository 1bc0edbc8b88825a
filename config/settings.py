"""IKD settings: one module, every value from the environment, with defaults for the embedded mode.

The variables are listed, with their defaults, in README.md ("Configuration"). Nothing here differs
between demo and production except what the environment says.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from config import embedded
from config.mail import choose_email_backend

BASE_DIR = embedded.PROJECT_DIR


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept (owner-only) in the data folder."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    return embedded.secret_key()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
EMBEDDED_DATABASE = not os.environ.get("DATABASE_URL")
EMBEDDED_REDIS = not os.environ.get("REDIS_URL")
# Set by ``manage.py demo`` for the processes it starts: mail is printed on the console there.
DEMO = env_bool("IKD_DEMO", False)
# Reverse proxies in front of the app that append to X-Forwarded-For (nginx in deploy/: 1). 0 = none: the
# client is REMOTE_ADDR and the header is ignored, since a client can write anything into it. Used by
# config.ratelimit.client_ip, for every rate limit (allauth's through accounts.adapters).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# --- Hosts: the platform lives at BASE_DOMAIN, each region at <slug>.BASE_DOMAIN ---
BASE_DOMAIN = os.environ.get("BASE_DOMAIN", "localhost").strip().lower()
ALLOWED_HOSTS = [BASE_DOMAIN, f".{BASE_DOMAIN}", *env_list("EXTRA_ALLOWED_HOSTS")]
# Slugs a region may not take: they name the platform's own hosts or would mislead.
RESERVED_SLUGS = frozenset(
    env_list(
        "RESERVED_SLUGS",
        "www,api,admin,static,media,mail,smtp,ftp,app,apps,assets,cdn,docs,help,status,support,"
        "billing,login,auth,account,accounts,portal,nasional,national,benchmark,platform,operator,"
        "dev,test,staging,demo,public,ikd,dashboard,blog,id,en",
    )
)

# --- Applications: public schema (platform) and region schemas ---
SHARED_APPS = [
    "tenants",  # before django_tenants: its migrate_schemas (skip current schemas, parallel) is the one run
    "django_tenants",
    "frontend",  # before allauth: our templates override allauth's
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "assessment.instrument",  # the national frameworks and item banks, shared by every region
    "benchmark",  # protected aggregates of published rounds, and the national portal
    "billing",  # plans, each region's contract, invoices and payment-provider events (public schema only)
    "pgtrigger",  # triggers declared on models, installed by migrations (the audit trail's guards)
    "audit",  # the audit trail: the platform's in public, each region's in its own schema
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
# A region's users, sessions and MFA devices live only in its own schema.
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "assessment.people",
    "assessment.authoring",
    "assessment.rounds",
    "assessment.results",
    "assessment.privacy",  # UU PDP: notice settings, corrections, erasure, retention
    "assessment.training",  # completed training (JP) per employee, toward 20 JP a year
    "assessment.talent",  # the talent view and shortlists (region admin only)
    "api",  # the region API: keys per region and the v1 endpoints
    "webhooks",  # signed events sent to a region's other systems
    "audit",
]
INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Region"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
# One SET search_path per region selection rather than one before every statement (a start storm's
# sign-in sent 5, its start 7). Safe from django-tenants 4.0.1 on: a rollback and a savepoint rollback
# forget the cached search_path (#1249, #1262), as a new connection and every set_tenant do; the
# savepoint case is tested in tests/tenants/test_search_path.py.
TENANT_LIMIT_SET_CALLS = True
# Schema of the prepared template that new regions are cloned from (tenants.services.provisioning).
TENANT_TEMPLATE_SCHEMA = "ikd_template"
# How many empty, fully migrated schemas to keep ready so that a signup never waits for a clone.
SCHEMA_POOL_SIZE = int(os.environ.get("SCHEMA_POOL_SIZE", "2"))
# Refill the pool from a Celery task after each signup (off in tests, which fill it themselves).
SCHEMA_POOL_AUTOREFILL = env_bool("SCHEMA_POOL_AUTOREFILL", True)
# Tables the operator console counts per region (label -> table); later apps add theirs here.
REGION_SIZE_TABLES = {"users": "accounts_user", "employees": "people_employee"}
# Management commands every deploy runs after migrate_schemas (the demo launcher runs them too).
DEPLOY_COMMANDS = ["prepare_provisioning", "load_instrument"]
# Callables (dotted paths) that add each app's demo data to the demo region; see seed_demo.
DEMO_SEEDERS: list[str] = [
    "billing.demo.seed",  # first: Kukar's paid contract, so its big rounds open (billing.services.seats)
    "assessment.people.demo.seed",
    "accounts.demo.seed",  # a unit coordinator of two of the units just made
    "assessment.rounds.demo.seed",
    "assessment.results.demo.seed",
    "assessment.results.demo.seed_benchmark",
]

MIDDLEWARE = [
    "tenants.middleware.RegionMiddleware",
    # A NUL byte in the address or a form is refused (400) before a view sends it to PostgreSQL.
    "config.middleware.RejectNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy, Permissions-Policy and friends on every response, static files included.
    "config.security_headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "frontend.locale.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who acts, from where: read by audit.record and carried into the audit triggers (audit.context).
    "audit.context.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.AccessControlMiddleware",
    "frontend.navigation.NavigationMiddleware",
    "tenants.middleware.RegionStatusMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frontend.context_processors.site",
            ],
        },
    }
]

WSGI_APPLICATION = "config.wsgi.application"

# --- Database: DATABASE_URL, else the embedded PostgreSQL ---
DATABASE_URL = os.environ.get("DATABASE_URL") or embedded.postgres_url()
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))
}
# django-tenants' backend, read-only while a suspended or closed region is the tenant (tenants.readonly).
DATABASES["default"]["ENGINE"] = "tenants.postgresql_backend"
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_ikd")}
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: REDIS_URL, else the embedded Redis. Cache in db 1, Celery broker in db 0 ---
REDIS_URL = os.environ.get("REDIS_URL") or embedded.redis_url()
CACHES = {
    "default": {
        "BACKEND": "config.redis_cache.RedisCache",  # one redis-py client per pool, not per call
        "LOCATION": embedded.with_redis_db(REDIS_URL, int(os.environ.get("REDIS_CACHE_DB", "1"))),
        # Per-schema keys: one region's cached values (and rate-limit counters) never serve another.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "ikd"),
    }
}

CELERY_BROKER_URL = embedded.celery_broker_url(
    embedded.with_redis_db(REDIS_URL, int(os.environ.get("REDIS_BROKER_DB", "0")))
)
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "ikd")
CELERY_TASK_IGNORE_RESULT = True  # progress and outcomes are kept in PostgreSQL, per region
CELERY_TASK_ACKS_LATE = True  # a task a dying worker held is run again, so tasks are idempotent
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_TENANT_CACHE_SECONDS = 30
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "replenish-schema-pool": {"task": "tenants.replenish_schema_pool", "schedule": 300.0},
    # Nightly, outside every region's test hours (19:00 UTC = 02:00 WIB, 03:00 WITA, 04:00 WIT): each
    # region removes what its retention periods say is due (assessment.privacy.tasks).
    "privacy-retention": {
        "task": "privacy.apply_retention_everywhere",
        "schedule": crontab(hour=19, minute=0),
    },
    # Reminders of unpaid invoices, then read-only after the grace period (billing.services.overdue).
    "billing-overdue": {"task": "billing.check_overdue", "schedule": crontab(hour=1, minute=0)},
    # Webhook attempts more than 15 minutes late (a lost task, a region that was read-only) are queued again.
    "webhooks-overdue": {"task": "webhooks.send_overdue_everywhere", "schedule": 300.0},
}

# --- Billing (billing/): Stripe behind billing.providers; without a key invoices live in IKD only ---
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com")
# Seconds a webhook's signed timestamp may be old (Stripe's default tolerance).
BILLING_WEBHOOK_TOLERANCE = int(os.environ.get("BILLING_WEBHOOK_TOLERANCE", "300"))
# Days an invoice is payable (send_invoice); days after the due date before an unpaid region becomes
# read-only: generous, since treasuries pay late around the fiscal year's end.
BILLING_DAYS_UNTIL_DUE = int(os.environ.get("BILLING_DAYS_UNTIL_DUE", "30"))
BILLING_GRACE_DAYS = int(os.environ.get("BILLING_GRACE_DAYS", "45"))
# Reminders, in days relative to the due date (negative: before it).
BILLING_REMINDER_DAYS = [int(d) for d in env_list("BILLING_REMINDER_DAYS", "-7,0,7,30")]
# The platform's operator as its invoices name it (billing.presenters; printed on every invoice PDF).
BILLING_SELLER_NAME = os.environ.get("BILLING_SELLER_NAME", "Penyelenggara IKD ASN")
BILLING_SELLER_NPWP = os.environ.get("BILLING_SELLER_NPWP", "")  # digits
BILLING_SELLER_ADDRESS = os.environ.get("BILLING_SELLER_ADDRESS", "")
BILLING_SELLER_EMAIL = os.environ.get("BILLING_SELLER_EMAIL", "")
# Where treasuries transfer to, printed on open invoices, e.g. "Bank Mandiri 123-00-0000000-0 a.n. ...".
BILLING_SELLER_BANK_ACCOUNT = os.environ.get("BILLING_SELLER_BANK_ACCOUNT", "")

# --- Accounts (django-allauth) ---
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2id first (accounts.hashers: why and at what cost); PBKDF2 hashes made before are still read and
# re-hashed at the next sign-in.
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
# Employees without a password sign in to the test with a one-time code mailed to them.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "optional"
# Confirmation keys stored in each region's schema, not HMAC-signed primary keys: a signed key names an
# EmailAddress by its number only, and numbers repeat across schemas, so a key earned on one region's site
# would verify another region's admin (and that verification is what lets a region be approved).
ACCOUNT_EMAIL_CONFIRMATION_HMAC = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[IKD] "
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Reset keys hash the schema too: user numbers repeat across regions (accounts.tokens).
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = "accounts.tokens.SchemaBoundPasswordResetTokenGenerator"  # noqa: S105 - a class path
ACCOUNT_RATE_LIMITS = {
    # Offices sit behind one NAT address: keep the per-IP limits generous, the per-account ones tight.
    # "ip" is the real client behind the proxy (accounts.adapters.AccountAdapter.get_client_ip).
    "login": "120/m/ip",
    # Wrong passwords are limited by LOGIN_FAILURES_* below (the adapter's pre_authenticate), not by this
    # rate, whose "key" part would lock the account for everybody; allauth still applies it to wrong
    # two-factor codes, which only someone who knew the password can send.
    "login_failed": "60/m/ip,5/300s/key",
    "reset_password": "30/m/ip,5/m/key",
    "signup": "20/m/ip",
}
# Wrong secrets, as (count, seconds), counted in config.ratelimit.FailureLimits: per (subject, client), per
# client whatever the subject, and per subject from everybody, a ceiling past which each client keeps one
# try per window (so one noisy client never locks the owner out). Account sign-in: per (email, client).
LOGIN_FAILURES_PER_CLIENT_ACCOUNT = (5, 300)
LOGIN_FAILURES_PER_CLIENT = (60, 60)
LOGIN_FAILURES_PER_ACCOUNT = (100, 3600)
# The test's sign-in with NIP and access code: per (NIP, client); per client generous, since a whole
# office signs in through one NAT address at the start of a session and some mistype.
TAKER_CODE_FAILURES_PER_CLIENT_NIP = (10, 900)
TAKER_CODE_FAILURES_PER_CLIENT = (300, 900)
TAKER_CODE_FAILURES_PER_NIP = (100, 3600)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "IKD ASN"
MFA_ADAPTER = "allauth.mfa.adapter.DefaultMFAAdapter"
# The Django admin is not used: every screen goes through the product's own role checks.

# Sessions read from Redis and written through to PostgreSQL: a test-day request costs no session query.
# Django's cached_db, whose writes a read-only (suspended) region still allows (tenants.readonly).
SESSION_ENGINE = "tenants.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
SECURE = env_bool("SECURE_COOKIES", not DEBUG and BASE_DOMAIN != "localhost")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HSTS only where the site is served over HTTPS (Django sends it on secure requests only); the regions are
# subdomains behind the same wildcard certificate, so they are included. Never on http://localhost.
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if SECURE or env_bool("BEHIND_TLS_PROXY", False) else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
# Links in mails are built from these and the region's Domain row, never from the request's Host header,
# which the client chooses (config.sites). SITE_PORT empty: the scheme's default port.
SITE_SCHEME = os.environ.get("SITE_SCHEME", "https" if SECURE else "http").strip().lower()
SITE_PORT = os.environ.get("SITE_PORT", "").strip()

# --- Email: SMTP when EMAIL_HOST is set; else the console only in the demo or with DEBUG, and otherwise a
# backend that sends nothing and logs that mail is not configured (config.mail: a reset link printed to a
# shared server's log is a way into the account).
EMAIL_BACKEND = choose_email_backend(os.environ, debug=DEBUG, demo=DEMO)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"IKD ASN <noreply@{BASE_DOMAIN}>")
# Signup is for government offices: the admin's address must be on one of these domains (empty: any).
SIGNUP_EMAIL_DOMAINS = env_list("SIGNUP_EMAIL_DOMAINS", "go.id")
# Each signup claims a region and a schema: at most this many (count, seconds) per client address and for
# the whole platform (config.ratelimit); a refused one answers 429. Offices share NAT addresses, but one
# office signs up one region: ten an hour is ample.
SIGNUP_RATE_PER_CLIENT = (10, 3600)
SIGNUP_RATE_OVERALL = (60, 3600)

# --- API ---
# Requests per API key (count, seconds), counted in Redis (api.throttling).
API_KEY_RATE = (1200, 60)
# Webhooks to private, loopback and link-local addresses are refused (SSRF) unless this is on (tests, demo).
WEBHOOKS_ALLOW_PRIVATE = env_bool("WEBHOOKS_ALLOW_PRIVATE", DEBUG)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "600/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IKD ASN API",
    "DESCRIPTION": "API of the Indeks Kompetensi Digital ASN platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Internationalisation: Indonesian first, English available ---
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "frontend" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Jakarta"  # regions override with their own zone per request (WIB/WITA/WIT)

# --- Static files: served by the app itself (WhiteNoise), never from another host ---
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / ".ikd" / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "frontend.storage.StaticStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".ikd" / "media"))
MEDIA_URL = "/media/"

# No NIP, password, code or token in a log line (config.logredact): the loggers that write request paths
# (some paths carry a key) are cleaned before any handler sees the record, and the console as a whole.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "config.logredact.RedactingFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # SQL with its parameters (a NIP, a code) only ever at DEBUG: never shown.
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["redact"]},
        "django.server": {"filters": ["redact"]},
        "django.security": {"filters": ["redact"]},
        "pgserver": {"level": "WARNING"},  # it logs every pg_ctl call at INFO
    },
}

# --- migrations over many schemas (issue #19)
# Region schemas migrate_schemas migrates at once (tenants.services.schema_migrations); 0: min(4, cores).
MIGRATE_SCHEMAS_WORKERS = int(os.environ.get("MIGRATE_WORKERS", "0"))
# --- end migrations over many schemas

# --- Observability (issue #19): metrics, JSON logs, liveness vs readiness (config/observability/) ---
# The app that connects the Celery and request signals (task metrics, request id, worker logging).
SHARED_APPS.append("config.observability")
INSTALLED_APPS.append("config.observability")
# First of all: the request id and the timer cover every other middleware, and /metrics and /readyz
# answer before the region is resolved (any host, no region lookup).
MIDDLEWARE.insert(0, "config.observability.middleware.ObservabilityMiddleware")
# /metrics is served only with "Authorization: Bearer $METRICS_TOKEN", or to direct (not proxied)
# requests from these networks (CIDRs, comma-separated); with neither set it answers 404. Several
# gunicorn workers or a Celery pool: set PROMETHEUS_MULTIPROC_DIR (config/observability/metrics.py).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS")
# Seconds each /readyz check (PostgreSQL, the cache's Redis, the broker) may take.
READYZ_TIMEOUT = float(os.environ.get("READYZ_TIMEOUT", "2"))
# "json": one JSON object per line with request id, region and task id; "plain" (default) as before.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
LOGGING["formatters"]["json"] = {"()": "config.observability.jsonlog.JsonFormatter"}  # type: ignore[index]
if LOG_FORMAT == "json":
    LOGGING["handlers"]["console"]["formatter"] = "json"  # type: ignore[index]  # after the redact filter
# --- end observability (issue #19)

# --- Redis Sentinel (issue #19) ---
# Production runs Redis as a primary and replicas watched by Sentinels (Celery cannot use Redis Cluster as
# a broker). REDIS_SENTINELS="host:port,host:port,..." and REDIS_SENTINEL_MASTER (the monitored name) make
# the cache, sessions and the Celery broker follow the current primary; unset, REDIS_URL is used as before.
REDIS_SENTINELS = os.environ.get("REDIS_SENTINELS", "").strip()
REDIS_SENTINEL_MASTER = os.environ.get("REDIS_SENTINEL_MASTER", "ikd").strip()
if REDIS_SENTINELS:
    from config.sentinel_cache import parse_sentinels

    _sentinels = parse_sentinels(REDIS_SENTINELS)
    CACHES["default"]["BACKEND"] = "config.sentinel_cache.SentinelRedisCache"
    CACHES["default"]["LOCATION"] = f"redis://{REDIS_SENTINEL_MASTER}"  # not dialled: the Sentinels say where
    CACHES["default"]["OPTIONS"] = {  # type: ignore[assignment]
        "sentinels": _sentinels,
        "master_name": REDIS_SENTINEL_MASTER,
        "db": int(os.environ.get("REDIS_CACHE_DB", "1")),
    }
    _broker_db = int(os.environ.get("REDIS_BROKER_DB", "0"))
    CELERY_BROKER_URL = ";".join(f"sentinel://{host}:{port}/{_broker_db}" for host, port in _sentinels)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,
        "master_name": REDIS_SENTINEL_MASTER,  # type: ignore[dict-item]
    }
# --- end Redis Sentinel (issue #19)
