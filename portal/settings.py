"""Settings of the pension portal: one module, every value from the environment.

PORTAL_ENVIRONMENT is production unless said otherwise, so a forgotten variable never
turns on a development convenience. `.env.example` lists every variable read here.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from portal.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

ENVIRONMENT = env_choice(
    "PORTAL_ENVIRONMENT", ("production", "development", "test"), default="production"
)
DEBUG = env_bool("DEBUG", default=ENVIRONMENT == "development")

# Known to everyone who reads this repository, so production refuses to start with it.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = env_secret("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
if ENVIRONMENT == "production" and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY (or SECRET_KEY_FILE) must be set in production; "
        "on a workstation use `make run`, which sets PORTAL_ENVIRONMENT=development."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_celery_beat",
    "portal",
    "accounts",
    "contributions",
    "transfers",
    "risk",
    "synthetic",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.HostileRequestMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.PermissionsPolicyMiddleware",
    # Last, as django-axes asks: it answers a locked-out sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True),
}
DATABASES["default"].setdefault("OPTIONS", {})["application_name"] = "pension-portal"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "portal.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "portal",
    },
    # Sessions apart from the page cache, so that emptying one never signs anyone out.
    "sessions": {
        "BACKEND": "portal.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "session",
    },
}

# --- Identity ----------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if ENVIRONMENT == "test":
    # Hashing dominates test time otherwise; tests never see real passwords.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LOGIN_URL = "admin:login"

# How an insured person proves who they are at the first sign-in, and the text messages
# that carry the one-time code (accounts.activation, accounts.sms).
PERSON_IDENTITY = env_str("PERSON_IDENTITY", "accounts.activation.SmsActivation")
SMS_GATEWAY = env_str("SMS_GATEWAY", "accounts.sms.DevelopmentSmsGateway")

# Sign-in lockout (django-axes): this many failures for one username, or from one address
# (password spraying), lock it for the cool-off time; the attempts are listed in the admin
# (Axes › Access attempts).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",
]
# Two-factor sign-in (TOTP, django-otp) for the admin: on in production unless turned off.
# `manage.py add_totp_device USERNAME` gives a caseworker their authenticator entry.
OTP_REQUIRED = env_bool("OTP_REQUIRED", default=ENVIRONMENT == "production")
OTP_TOTP_ISSUER = "National pension pooling portal"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # each attempt is in the database; the log keeps only lockouts

# --- Language and time -------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files ------------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
WHITENOISE_USE_FINDERS = ENVIRONMENT != "production"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if ENVIRONMENT == "production"
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Security ----------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Probes from the orchestrator speak plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# An idle timeout: the session lives this long after the last request.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
# Renewed on every request, a session lives in Redis: a write there costs a fraction of a
# database row's update. A Redis that loses its data signs everyone out, nothing more.
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "sessions"
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere (the API docs load their start-up script as a file); inline
# style attributes of the admin stay allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
SECURE_REFERRER_POLICY = "same-origin"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)

# --- REST API ----------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON only, read strictly (depth, size, characters); anything else is a 415.
    "DEFAULT_PARSER_CLASSES": ["portal.parsers.StrictJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.IdCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "client": env_str("API_RATE_CLIENT", "1200/min"),
        "calculations": env_str("API_RATE_CALCULATIONS", "120/min"),
    },
    "EXCEPTION_HANDLER": "portal.api.problem_exception_handler",
    # Money leaves as strings; no float ever reaches a client.
    "COERCE_DECIMAL_TO_STRING": True,
}
# Bulk contribution batches (up to 100,000 rows) read their body themselves, with this cap.
API_MAX_BATCH_BYTES = env_int("API_MAX_BATCH_BYTES", 32 * 1024 * 1024)
API_MAX_BATCH_ROWS = 100_000
SPECTACULAR_SETTINGS = {
    "TITLE": "National pension pooling portal API",
    "DESCRIPTION": "Provincial systems push persons, enrolments and contributions and pull "
    "transfers addressed to them.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from the project's static files, not a public CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a `status`: each choice set gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {"TransferStatusEnum": "transfers.models.Transfer.Status"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.openapi.add_problem_responses",
    ],
}

# --- Celery ------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
# Chords (one screening task per province, then a summary) need a result backend.
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_RESULT_EXPIRES = timedelta(days=1)
# JSON only: tasks take ids and strings, never pickled model instances.
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Separate queues let two deployments (or a test run) share one Redis.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# A queue per workload, so that the workers of each host take their share: screening the
# whole ledger apart from the ledger's periodic accounting (interest, reconciliation, the
# audit trail's check). Ingest is synchronous, in the web processes.
SCREENING_QUEUE = env_str("CELERY_SCREENING_QUEUE", "screening")
ACCOUNTING_QUEUE = env_str("CELERY_ACCOUNTING_QUEUE", "accounting")
# A worker started without --queues consumes them all (the development stack's one worker).
CELERY_TASK_QUEUES = [
    Queue(name)
    for name in dict.fromkeys([CELERY_TASK_DEFAULT_QUEUE, ACCOUNTING_QUEUE, SCREENING_QUEUE])
]
CELERY_TASK_ROUTES = {
    "risk.tasks.*": {"queue": SCREENING_QUEUE},
    "contributions.tasks.*": {"queue": ACCOUNTING_QUEUE},
    "accounts.tasks.*": {"queue": ACCOUNTING_QUEUE},
}
# A task that hangs must not hold a worker forever; long runs are split into slices.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 1800)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 2100)
# One message at a time per process: screening slices are long, fair dispatch matters more.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With acks_late, a task whose worker died is delivered again (tasks are idempotent).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis re-delivers unacknowledged messages (a dead worker's) after this; it must exceed
# the longest task. Workers sweep for such messages every 10 s, one at a time under a lock
# that a worker killed in the middle of a sweep leaves behind until it expires (kombu's
# default, 5 minutes, would hold back the redelivery that long; a sweep takes milliseconds).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 600),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    "unacked_mutex_expire": 30,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The periodic work of the ledger; django-celery-beat copies it into its tables at start.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "portal.tasks.heartbeat",
        "schedule": crontab(minute="*/5"),
    },
    # Monthly, for last year: the first run posts the interest, a run after the year's rate
    # is published trues it up, every other run posts nothing.
    "post-annual-interest": {
        "task": "contributions.tasks.post_annual_interest",
        "schedule": crontab(minute=0, hour=2, day_of_month=2),
    },
    "reconcile-ledger": {
        "task": "contributions.tasks.reconcile_ledger",
        "schedule": crontab(minute=30, hour=3),
    },
    "verify-audit-trail": {
        "task": "accounts.tasks.verify_audit_trail",
        "schedule": crontab(minute=0, hour=4),
    },
    # After-the-fact screening (事后稽核) with every batch rule: nightly what changed since
    # the last run, on Sunday nights the whole ledger.
    "screen-ledger": {
        "task": "risk.tasks.screening_nightly",
        "schedule": crontab(minute=0, hour=1, day_of_week="1-6"),
    },
    "screen-ledger-fully": {
        "task": "risk.tasks.screening_weekly",
        "schedule": crontab(minute=0, hour=1, day_of_week=0),
    },
}

# --- Logging -----------------------------------------------------------------------------
# Production logs are JSON lines for the collector. Log records carry ids, never names or
# ID numbers of insured persons.

LOG_LEVEL = env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO")
LOG_JSON = env_bool("LOG_JSON", default=ENVIRONMENT == "production")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_JSON else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
