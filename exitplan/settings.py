"""Settings for exitplan: one module, read from the environment.

Every value that differs between a laptop, CI and production comes from an environment
variable, parsed strictly: a value that cannot be understood stops start-up with a message
naming the variable, rather than silently falling back to a default.

Without any variable set this is the embedded default (SQLite in ``var/``, Celery on
kombu's filesystem transport, e-mail to the console). With ``DEBUG`` off, the security
switches are on unless turned off one by one.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean: use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rate(name: str, default: str) -> str | None:
    """A throttle rate such as "30/hour" (DRF's form), or "off" for none."""
    raw = os.environ.get(name, default).strip()
    if raw.lower() in {"off", "none", ""}:
        return None
    count, _slash, period = raw.partition("/")
    if not count.isdigit() or period[:1] not in {"s", "m", "h", "d"}:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a rate: use a number and a period, e.g. 30/hour or 5/minute, "
            "or off."
        )
    return raw


def env_url(name: str, schemes: set[str]) -> str:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return ""
    scheme = urlsplit(raw).scheme
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with one of {', '.join(sorted(schemes))}://, "
            f"not {scheme or 'nothing'}://."
        )
    return raw


DEBUG = env_bool("DEBUG", False)

VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. With DEBUG off, set SECRET_KEY to a long random value, "
            "for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    SECRET_KEY = "django-insecure-exitplan-development-only-never-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. With DEBUG off, list the host names this site answers to, "
        "separated by commas (for example ALLOWED_HOSTS=exitplan.example.org)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "django_htmx",
    "template_partials",
    "accounts",
    "missions",
    "stakeholders",
    "assessments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireTwoFactorForAdminsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "exitplan.middleware.ConflictMiddleware",
]

ROOT_URLCONF = "exitplan.urls"
WSGI_APPLICATION = "exitplan.wsgi.application"
ASGI_APPLICATION = "exitplan.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: DATABASE_URL (PostgreSQL in production), else SQLite in var/.
DATABASE_URL = env_url("DATABASE_URL", {"postgres", "postgresql", "sqlite"})
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "db.sqlite3"}
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, worker and beat read while one of them writes; IMMEDIATE
    # takes the write lock at BEGIN so two writers queue (busy timeout) instead of failing
    # halfway through a transaction with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The e-mail is unique case-insensitively (a functional unique constraint on Lower(email)),
# which the auth check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# Redis is the broker and the cache in production; the embedded default keeps both on disk
# so the web server, worker and beat (separate processes) share them.
REDIS_URL = env_url("REDIS_URL", {"redis", "rediss"})
# "fragments": the long pages' rendered rows (exitplan.fragments), apart from the default
# cache so that they never crowd out its entries; in each process's memory when embedded.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        "fragments": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fragments",
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        },
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fragments",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
    }

# (a host name, though unused, keeps kombu from warning on every publish)
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost//"
if not REDIS_URL:
    _queue = VAR_DIR / "celery" / "queue"
    _processed = VAR_DIR / "celery" / "processed"
    _control = VAR_DIR / "celery" / "control"
    for _folder in (_queue, _processed, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_processed),
        "control_folder": str(_control),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Reliability (DESIGN.md, "Jobs"): only tasks that say so, the idempotent ones, are
# acknowledged after they run (acks_late); a task whose worker is lost is not requeued
# (with Redis that makes redelivery loops); every task has soft and hard time limits,
# these for any that sets none.
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
# One message at a time per worker process: a long task holds no others behind it.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "recompute-readiness-nightly": {
        "task": "assessments.tasks.recompute_all_readiness",
        "schedule": crontab(hour=1, minute=15),
    },
    # Consultation e-mails are rows claimed every minute, never countdowns; a tick that
    # waited in the queue past the next one is dropped (expires), not run late.
    "send-due-reminders": {
        "task": "stakeholders.tasks.send_due_reminders",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Feedback results read tallies plus what came since: keep that tail to a minute or so.
    "roll-up-feedback-tallies": {
        "task": "stakeholders.tasks.roll_up_feedback_tallies",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "find-overdue-assessments": {
        "task": "assessments.tasks.find_overdue_assessments",
        "schedule": crontab(hour=5, minute=30),
    },
    "send-overdue-notices": {
        "task": "assessments.tasks.send_overdue_notices",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
}
# /healthz fails the beat when send_due_reminders last ran longer ago than this.
HEALTHZ_BEAT_MAX_AGE = env_int("HEALTHZ_BEAT_MAX_AGE", 300, minimum=60)

# E-mail: Django's own names; the console when EMAIL_HOST is unset.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "exitplan <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security switches: secure by default when DEBUG is off; each can be turned off alone
# (SECURE_SSL_REDIRECT=false behind a proxy that redirects itself, or all of them for a
# benchmark over plain HTTP on loopback).
_secure = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _secure)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _secure)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _secure)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _secure)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _secure)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The load balancer's health check speaks plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Sessions end after this much idle time (every request renews the cookie).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 60 * 12, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["exitplan.formats"]
# The switcher's choice for visitors who are not signed in (signed-in people: User.language).
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"

LOGIN_URL = "account_login"

REST_FRAMEWORK = {
    # Token first, so a request without credentials answers 401 (not 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "missions.access.MissionPermission",
    ],
    "DEFAULT_PAGINATION_CLASS": "exitplan.api.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "exitplan.api.UpdatedAfterFilter",
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "exitplan.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The contract is JSON (form encodings answer 415); the score import adds multipart.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Per client, settings-driven ("off" lifts one, as the benchmark suite does): anonymous
    # calls by address, signed-in ones by user, public form answers by a keyed hash.
    "DEFAULT_THROTTLE_CLASSES": [
        "exitplan.api.AnonThrottle",
        "exitplan.api.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_ANON_RATE", "120/minute"),
        "user": env_rate("API_USER_RATE", "2000/minute"),
        "public_form": env_rate("PUBLIC_FORM_RATE", "30/hour"),
    },
    # Throttles identify a client by the Nth address from the end of X-Forwarded-For behind
    # N proxies; at 0, by the connection's address (a client cannot forge it).
    "NUM_PROXIES": env_int("TRUSTED_PROXY_COUNT", 0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "exitplan API",
    "DESCRIPTION": (
        "One shared transition plan for the exit of a peacekeeping mission. Authenticate with "
        "`Authorization: Token <key>` (POST /api/v1/auth/token/ or your profile page)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from Swagger's online validator: the docs make no request to another host.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Choices that several serializers share get one name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "StakeholderKindEnum": "stakeholders.models.Stakeholder.Kind",
        "QuestionKindEnum": "stakeholders.models.Question.Kind",
        "AssessmentKindEnum": "assessments.models.Assessment.Kind",
        "AssessmentStatusEnum": "assessments.models.Assessment.Status",
    },
    # Error responses (problem details), If-Match and Idempotency-Key on every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "exitplan.schema.postprocess_problem_details",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}


# Sign-in (django-allauth): e-mail and password, TOTP for whoever wants it (mission admins
# when REQUIRE_2FA_FOR_ADMINS is on), and optionally the organisation's OpenID Connect
# provider. Open sign-up stays closed: accounts come from adding a member to a mission (an
# invitation e-mail sets the password) or, for OIDC_SIGNUP_DOMAINS, from the provider.
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
# The invitation (or the identity provider) proved the address.
ACCOUNT_EMAIL_VERIFICATION = "none"
# No "you have no account, sign up" e-mails for unknown addresses: sign-up is closed.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Tell people when their password or two-factor settings change.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[exitplan] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_SESSION_REMEMBER = None
# Failed sign-ins: at most 10 a minute from one address and 5 per account in 5 minutes;
# past that even the right password is refused until the window has passed.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
# Behind N proxies that append to X-Forwarded-For, the client is the Nth address from the
# end; left at 0 behind a proxy, every client shares the proxy's address and rate limits.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Links in e-mails sent outside a web request (by the worker) start with this.
SITE_URL = env_url("SITE_URL", {"http", "https"}) or ("http://localhost:8000" if DEBUG else "")

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "exitplan"
# allauth refuses 2FA to accounts with an unverified address so a squatter who signed up
# with someone else's address cannot lock its owner out; with sign-up closed that cannot
# happen, and admins added by e-mail must be able to turn 2FA on.
MFA_ALLOW_UNVERIFIED_EMAIL = True
REQUIRE_2FA_FOR_ADMINS = env_bool("REQUIRE_2FA_FOR_ADMINS", False)

# A provider's verified address signs in (and connects) the account with that address.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
OIDC_SIGNUP_DOMAINS = [domain.lower() for domain in env_list("OIDC_SIGNUP_DOMAINS", [])]
OIDC_SERVER_URL = env_url("OIDC_SERVER_URL", {"https", "http"} if DEBUG else {"https"})
SOCIALACCOUNT_PROVIDERS: dict = {}
if OIDC_SERVER_URL:
    _oidc_client_id = env_str("OIDC_CLIENT_ID").strip()
    if not _oidc_client_id:
        raise ImproperlyConfigured(
            "OIDC_SERVER_URL is set but OIDC_CLIENT_ID is not: set the client id the identity "
            "provider gave this site (and OIDC_CLIENT_SECRET), or unset OIDC_SERVER_URL."
        )
    _oidc_provider_id = env_str("OIDC_PROVIDER_ID", "organisation").strip()
    if not _oidc_provider_id or not all(
        c.isascii() and (c.isalnum() or c in "-_") for c in _oidc_provider_id
    ):
        raise ImproperlyConfigured(
            f"OIDC_PROVIDER_ID={_oidc_provider_id!r} must be letters, digits, - and _ only "
            "(it is part of the callback URL)."
        )
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": _oidc_provider_id,
                "name": env_str("OIDC_NAME", "Organisation sign-in"),
                "client_id": _oidc_client_id,
                "secret": env_str("OIDC_CLIENT_SECRET"),
                "settings": {"server_url": OIDC_SERVER_URL},
            }
        ],
    }
