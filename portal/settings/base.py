"""Settings shared by every environment, read from the environment with django-environ.

Follows cookiecutter-django's layout: one base, thin per-environment modules on top. Every
value that differs between a laptop and production comes from an environment variable
(or a ``.env`` file beside ``manage.py``); see ``.env.example`` for the list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]
env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(str(BASE_DIR / ".env"), overwrite=False)

#: Local state of the zero-setup default: SQLite file, broker folders, generated dev secrets.
VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Vendor credentials are encrypted with Fernet; the first key encrypts, all keys decrypt,
# so a new key can be put first and ``manage.py rotate_encryption_keys`` re-encrypts.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[]) or [
    key for key in [env.str("FIELD_ENCRYPTION_KEY", default="")] if key
]

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
    "django_celery_beat",
    "axes",
    "csp",
    "portal.core",
    "portal.accounts",
    "portal.customers",
    "portal.catalog",
    "portal.operations",
    "portal.sync",
    "portal.usage",
    "portal.billing",
    "portal.approvals",
    "portal.notifications",
    "portal.audit",
    "portal.events",
    "portal.web",
    "portal.api",
]

MIDDLEWARE = [
    # First: every log line of the request, middleware included, carries its id.
    "portal.core.log_context.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its 429 answer.
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
                "portal.web.context_processors.navigation",
                "portal.web.context_processors.inbox",
                "portal.web.context_processors.approvals",
            ],
        },
    },
]

# -- database -----------------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://user:pass@127.0.0.1:5432/portal; default: SQLite under var/.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write at the same time: wait for locks, take the write lock
    # at BEGIN (no upgrade deadlocks), and use WAL so readers never block the writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# Persistent connections (a worker keeps its connection between tasks too, see CELERY_DB_REUSE_MAX).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- cache / Redis ------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# -- auth ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses sign-ins from a locked-out username+address before any password
# check (https://django-axes.readthedocs.io/en/latest/2_installation.html).
AUTHENTICATION_BACKENDS = [
    "portal.accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one username from one address lock that pair out for 30 minutes;
# the pair (not the address alone) so one office behind a NAT is not locked out by one user.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner on every management command; lockouts are still logged
# Lockouts are lifted with `manage.py axes_reset_username <name>` rather than in the admin.
AXES_ENABLE_ADMIN = False
# Never store typed passwords or other POST fields with a failed attempt.
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "new_password1", "new_password2"]
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# -- request limits and content security policy ---------------------------------------------------
# Forms and API bodies are small; a larger body is refused before it is parsed (Django answers 400).
# Webhooks have their own lower cap (portal/sync/inbound.py MAX_BODY_BYTES).
# https://docs.djangoproject.com/en/5.2/ref/settings/#data-upload-max-memory-size
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# django-csp 4 (https://django-csp.readthedocs.io/en/latest/configuration.html): scripts, styles,
# fonts and images only from our own origin (everything is vendored, nothing from a CDN), no
# inline script and no eval: htmx runs under it when configured to need neither
# (htmx.config.includeIndicatorStyles=false, allowEval=false, no hx-on). Inline style attributes
# are allowed (style-src-attr) because the admin and htmx swaps use them; they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

# -- static files (whitenoise serves them; nothing comes from a CDN) ------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.com:587, sends mail through that server
# (django-environ's email URL: sets the SMTP backend, host, port, user, password and TLS).
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")
#: Where links in mails point (mails are sent by workers, which have no request to ask).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# -- notifications ------------------------------------------------------------------------------
#: Mail attempts per notice (an SMTP error is tried again later) and the first retry delay.
NOTIFY_MAIL_MAX_ATTEMPTS = env.int("NOTIFY_MAIL_MAX_ATTEMPTS", default=5)
NOTIFY_MAIL_RETRY_SECONDS = env.int("NOTIFY_MAIL_RETRY_SECONDS", default=60)
#: Days before a trial or term ends on which its notice is sent.
NOTIFY_TERM_DAYS = env.list("NOTIFY_TERM_DAYS", cast=int, default=[30, 7, 1])
#: An operation verifying for longer than this is announced as stuck.
NOTIFY_STUCK_MINUTES = env.int("NOTIFY_STUCK_MINUTES", default=30)
# A month not closed this many days after it ended, with usage missing, is announced as blocked.
NOTIFY_CLOSE_BLOCKED_DAYS = env.int("NOTIFY_CLOSE_BLOCKED_DAYS", default=3)
# An approval nobody decides is rejected after this many hours (a policy's default).
APPROVAL_EXPIRY_HOURS = env.int("APPROVAL_EXPIRY_HOURS", default=72)

# -- REST framework -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Browser sessions (pages calling the API) and per-user tokens for internal tools.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "portal.api.permissions.PortalPermission",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["portal.api.throttling.TokenRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "portal.api.schema.PortalAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "portal.api.exceptions.api_exception_handler",
}
#: Requests per API token (per user for browser sessions), e.g. "1200/min".
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="1200/min")
#: Outbound webhooks to internal tools: attempts per delivery and the first retry delay.
API_WEBHOOK_MAX_ATTEMPTS = env.int("API_WEBHOOK_MAX_ATTEMPTS", default=8)
API_WEBHOOK_BACKOFF_SECONDS = env.float("API_WEBHOOK_BACKOFF_SECONDS", default=30.0)
API_WEBHOOK_TIMEOUT_SECONDS = env.float("API_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
SPECTACULAR_SETTINGS = {
    "TITLE": "Channel Portal API",
    "DESCRIPTION": "Customers, vendor tenants, subscriptions, usage and operations across vendors. "
    "Authenticate with a personal API token (Authorization: Bearer cpt_…). Errors are "
    '{"code", "message", "details"}. Changes at vendors are Operations: POST them with an '
    "Idempotency-Key header and follow their URL until they succeed or fail.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v[0-9]",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "TenantStatusEnum": "vendors.types.TenantStatus",
        "SubscriptionStatusEnum": "vendors.types.SubscriptionStatus",
        "OperationStateEnum": "portal.operations.models.OperationState",
        "OperationKindEnum": "portal.operations.models.OperationKind",
        "SyncRunStatusEnum": "portal.sync.models.SyncRunStatus",
        "CustomerStatusEnum": "portal.customers.models.CustomerStatus",
        "SourceEnum": "portal.core.models.Source",
        "UsageSourceEnum": "portal.usage.models.UsageSource",
    },
}

# -- Celery (https://docs.celeryq.dev/en/stable/userguide/configuration.html) ---------------------
# Broker: Redis when REDIS_URL/CELERY_BROKER_URL is set; otherwise kombu's filesystem transport
# under var/, so a real worker process runs with no server to install.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_FOLDER = VAR_DIR / "celery" / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # https://docs.celeryq.dev/projects/kombu/en/stable/reference/kombu.transport.filesystem.html
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "control_folder": str(CELERY_BROKER_FOLDER.parent / "control"),
        "store_processed": False,
    }
else:
    # The visibility timeout must exceed the longest task (time limit below), or Redis would
    # hand an unacknowledged long task to a second worker while the first still runs it.
    # https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#visibility-timeout
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_RESULT_BACKEND = env.str(
    "CELERY_RESULT_BACKEND",
    default=REDIS_URL or f"file://{VAR_DIR / 'celery' / 'results'}",
)


def make_result_folder(backend: str) -> None:
    """Celery's file:// result backend refuses to start unless its folder already exists."""
    if backend.startswith("file://"):
        Path(backend.removeprefix("file://")).mkdir(parents=True, exist_ok=True)


make_result_folder(CELERY_RESULT_BACKEND)
CELERY_RESULT_EXPIRES = 24 * 60 * 60
# JSON only: tasks receive ids and plain values, never pickled objects.
# https://docs.celeryq.dev/en/stable/userguide/calling.html#serializers
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# Hard and soft time limits: a stuck vendor call never pins a worker forever.
# https://docs.celeryq.dev/en/stable/userguide/workers.html#time-limits
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
# Fetch one task at a time: long syncs do not hold short operations hostage in a prefetch buffer.
# https://docs.celeryq.dev/en/stable/userguide/optimizing.html#prefetch-limits
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULER = "portal.core.beat:SingleBeatScheduler"
#: The queues a worker consumes: "ops" (operations, webhook events), "bulk" (syncs, usage) or
#: "" for every queue (portal/core/queues.py).
WORKER_LANE = env.str("WORKER_LANE", default="")
if WORKER_LANE not in ("", "ops", "bulk"):
    raise ImproperlyConfigured(f"WORKER_LANE must be ops or bulk, not {WORKER_LANE!r}")
#: Share of each vendor's one rate limit (and daily quota) kept for operations: syncs and usage
#: collection (the bulk lane) are admitted only below the rest (vendors/ratelimit.py).
VENDOR_OPS_RESERVE = env.float("VENDOR_OPS_RESERVE", default=0.25)
#: An operation waits at most this long in its worker slot for the rate limit, a vendor's
#: cool-down (Retry-After) or a slot in flight; a longer wait re-enqueues it with a countdown.
VENDOR_MAX_INLINE_WAIT_SECONDS = env.float("VENDOR_MAX_INLINE_WAIT_SECONDS", default=1.0)
#: A bulk pull (sync) waits at most this long in its worker slot for the rate limit or a
#: cool-down; a longer wait ends the run and re-enqueues the sync, which resumes from its last
#: page (0: wait any time in the slot).
VENDOR_MAX_BULK_WAIT_SECONDS = env.float("VENDOR_MAX_BULK_WAIT_SECONDS", default=10.0)
#: Calls in flight per connection across every process (a lease-based semaphore in Redis whose
#: leases expire if a process dies); 0 for no cap.
VENDOR_MAX_IN_FLIGHT = env.int("VENDOR_MAX_IN_FLIGHT", default=8)
#: A second beat takes over this long after the first one stops renewing its lock.
BEAT_LOCK_SECONDS = env.int("BEAT_LOCK_SECONDS", default=30)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection before and after every task unless this
# is set (then only every N tasks); each operation would pay a PostgreSQL connect and a cold
# backend. Between tasks portal/celery.py applies CONN_MAX_AGE and health checks instead, as
# Django does between requests.
CELERY_DB_REUSE_MAX = 1000
# Run tasks in-process (tests only): set CELERY_TASK_ALWAYS_EAGER=true.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# -- the operation engine (portal/operations) ---------------------------------------------------
#: A running attempt holds a lease this long; its worker renews it from a heartbeat thread while
#: the vendor is called. A lapsed lease means a dead (or stalled) worker: the reaper verifies it.
OPERATIONS_LEASE_SECONDS = env.float("OPERATIONS_LEASE_SECONDS", default=30)
#: How often the heartbeat renews it: a third of the lease, so two missed beats are survived.
OPERATIONS_LEASE_RENEW_SECONDS = env.float(
    "OPERATIONS_LEASE_RENEW_SECONDS", default=OPERATIONS_LEASE_SECONDS / 3
)
#: A pending or verifying operation not picked up this long after it was due lost its message
#: (with a killed worker, or a broker): the reaper enqueues it again (duplicates are harmless).
OPERATIONS_OVERDUE_SECONDS = env.float("OPERATIONS_OVERDUE_SECONDS", default=120)
#: Attempts at the vendor (transient errors, unknown outcomes) before an operation fails.
OPERATIONS_MAX_ATTEMPTS = env.int("OPERATIONS_MAX_ATTEMPTS", default=5)
#: Capped exponential backoff with full jitter between attempts; a Retry-After wins.
OPERATIONS_RETRY_BASE_SECONDS = env.float("OPERATIONS_RETRY_BASE_SECONDS", default=2)
OPERATIONS_RETRY_CAP_SECONDS = env.float("OPERATIONS_RETRY_CAP_SECONDS", default=300)
#: Upper seat bound where the adapter declares none (``max_seats`` on its class).
OPERATIONS_MAX_SEATS = env.int("OPERATIONS_MAX_SEATS", default=100_000)
#: Hard and soft time limits of one run_operation task (seconds).
OPERATIONS_RUN_TIME_LIMIT = 300
OPERATIONS_RUN_SOFT_TIME_LIMIT = 270

# -- the sync engine (portal/sync) --------------------------------------------------------------
#: A running sync renews its claim this often (from a heartbeat thread: one page may be slow).
SYNC_HEARTBEAT_SECONDS = env.float("SYNC_HEARTBEAT_SECONDS", default=30)
#: A claim that missed this many heartbeats belongs to a dead worker and may be taken over.
SYNC_CLAIM_MISSED_HEARTBEATS = env.int("SYNC_CLAIM_MISSED_HEARTBEATS", default=4)
#: A full sync that stopped unfinished (worker killed, held back) within this many seconds is
#: resumed from its last page by the next one; an older one is listed again from page 1
#: (0: never resume).
SYNC_RESUME_MAX_AGE_SECONDS = env.int("SYNC_RESUME_MAX_AGE_SECONDS", default=3600)
#: How often celery beat syncs each connection.
SYNC_INTERVAL_MINUTES = env.int("SYNC_INTERVAL_MINUTES", default=30)
#: Every tenant's details (licence, subscription) are read again at least this often, even when
#: its list row is unchanged, so a change only the details show is caught within this interval.
SYNC_DETAIL_REFRESH_HOURS = env.float("SYNC_DETAIL_REFRESH_HOURS", default=24)
#: Share of a connection's remembered details each sync refreshes, oldest first, so the full
#: refresh is spread over the interval (0: derived, SYNC_INTERVAL_MINUTES / the refresh interval).
SYNC_DETAIL_REFRESH_SHARE = env.float("SYNC_DETAIL_REFRESH_SHARE", default=0)
#: An incremental pull (Trend Micro's modified window) starts this long before the last complete
#: pull started, so windows overlap and neither clock skew nor a change made mid-sync is lost.
SYNC_WINDOW_OVERLAP_SECONDS = env.int("SYNC_WINDOW_OVERLAP_SECONDS", default=300)
#: Detail reads of one page run on this many threads per connection at most (never more than
#: the vendor's documented calls per second; the shared rate limiter admits every call).
SYNC_DETAIL_CONCURRENCY = env.int("SYNC_DETAIL_CONCURRENCY", default=4)
#: Share of a daily quota (Egnyte: 1,000 calls a day per token) kept for staff operations: a sync
#: or usage collection that would eat into it is deferred until the quota resets.
SYNC_QUOTA_RESERVE = env.float("SYNC_QUOTA_RESERVE", default=0.2)
#: Deferred runs start after the quota resets (00:00 UTC), spread over this many minutes by
#: connection, so they do not all land on the first second of the day.
SYNC_QUOTA_SPREAD_MINUTES = env.int("SYNC_QUOTA_SPREAD_MINUTES", default=120)

# -- the usage review (portal/usage) ------------------------------------------------------------
#: Over-use: used above purchased times this (1 = any seat beyond what was bought).
USAGE_OVERUSE_RATIO = env.str("USAGE_OVERUSE_RATIO", default="1")
#: Idle licences: used below purchased times this.
USAGE_IDLE_RATIO = env.str("USAGE_IDLE_RATIO", default="0.5")
#: A large change: used differs from the previous month by more than this share of it...
USAGE_JUMP_RATIO = env.str("USAGE_JUMP_RATIO", default="0.5")
#: ...and by at least this many units, so 1 -> 2 seats is not flagged.
USAGE_JUMP_MIN_DELTA = env.str("USAGE_JUMP_MIN_DELTA", default="5")
#: How long the review pages keep month totals before recomputing them.
USAGE_REVIEW_CACHE_SECONDS = env.int("USAGE_REVIEW_CACHE_SECONDS", default=300)

# -- observability ------------------------------------------------------------------------------
#: Bearer token a Prometheus scraper sends to /metrics; unset: /metrics answers 403.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
#: Seconds /readyz waits for the broker before calling it down.
READYZ_BROKER_TIMEOUT = env.float("READYZ_BROKER_TIMEOUT", default=3.0)

# -- logging ------------------------------------------------------------------------------------
#: "plain" (development) or "json" (production: one JSON object per line, for a log search).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "portal.core.log_context.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        # python-json-logger: the record's fields plus the ids ContextFilter puts on it.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s "
            "%(task_id)s %(operation_id)s %(connection_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

#: Errors to Sentry (sentry-sdk) when a DSN is set; nothing is sent otherwise. sentry-sdk 3
#: collects no user names, addresses or cookies unless told to (its data_collection option).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
