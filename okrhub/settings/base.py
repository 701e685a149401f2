"""Settings shared by every environment.

Configuration comes only from environment variables, read through one
``env`` object; every value has a safe default except in production.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-only-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "simple_history",
    "companies",
    "departments",
    "objectives",
    "alignment",
    "discussion",
    "insights",
    "explore",
    "onboarding",
    "notifications",
    "web",
    "chat",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "okrhub.security.RelaxedCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Audit history of objectives and key results: who made the change (objectives/history.py).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses to authenticate at all while the email (from this address) is locked out.
    "okrhub.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "okrhub.urls"
WSGI_APPLICATION = "okrhub.wsgi.application"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'okrhub.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))


def without_jit(database: dict[str, Any]) -> dict[str, Any]:
    """Turn PostgreSQL's JIT off for the app's connections (unless DATABASE_URL sets ``options``).

    JIT pays off for long analytic queries; for ours it only adds compile
    time. The alignment tree's query at 10,000 objectives crossed the JIT
    cost thresholds and spent ~790 ms compiling a plan that runs in ~100 ms.
    """
    if database["ENGINE"].endswith("postgresql"):
        database.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    return database


without_jit(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "companies.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one
# email from one address, that pair is refused for AXES_COOLOFF_TIME, on the
# sign-in page, the admin's and anything else that calls authenticate(). Keyed
# on the pair so an attacker cannot lock a victim out from elsewhere, and so a
# whole office behind one NAT address is not locked out by one person.
AXES_FAILURE_LIMIT = env.int("OKRHUB_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("OKRHUB_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"  # Django's AuthenticationForm names the email field "username"
AXES_USERNAME_CALLABLE = "okrhub.security.login_email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Trusted proxies in front of the site, each appending to X-Forwarded-For: the
# client's address is the N-th entry from the right (okrhub.security.client_ip,
# used by the lockout, the API throttle and the rate limits). 0: the header is
# ignored, the connection's address counts (a direct connection; the local default).
OKRHUB_PROXY_COUNT = env.int("OKRHUB_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "okrhub.security.client_ip"

# Request size limits: form and JSON bodies alike (companies.api.defaults.LimitedJSONParser).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("OKRHUB_MAX_BODY_BYTES", default=1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Content-Security-Policy (Django's own middleware): no inline script or style,
# nothing from other origins. The admin and the API docs get the relaxations
# they need in okrhub.security.RelaxedCSPMiddleware.
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.com:587 or consolemail://
_email = env.email_url("EMAIL_URL", default="consolemail://")
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS", False),
    "use_ssl": _email.get("EMAIL_USE_SSL", False),
    "timeout": env.int("EMAIL_TIMEOUT", default=10),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": (
            {k: v for k, v in _smtp_options.items() if v not in (None, "")}
            if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="OKRHub <okrhub@localhost>")

# Celery: an empty broker URL means "no broker", and tasks run in-process.
_broker_url = env("CELERY_BROKER_URL", default="")
CELERY_BROKER_URL = _broker_url or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not _broker_url
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"

# Operator settings.
OKRHUB_OPEN_SIGNUP = env.bool("OKRHUB_OPEN_SIGNUP", default=True)

# Rate limits (okrhub/ratelimits.py), django-ratelimit's "count/period" (s, m, h, d;
# "20/10m" is 20 per 10 minutes). Over a limit: 429 with Retry-After.
OKRHUB_RATE_SIGNUP = env("OKRHUB_RATE_SIGNUP", default="10/h")  # sign-up forms sent, per client address
OKRHUB_RATE_PASSWORD_RESET = env("OKRHUB_RATE_PASSWORD_RESET", default="10/h")  # per client address
# Reset emails one mailbox may be sent, whoever asks (no mail-bombing from many addresses).
OKRHUB_RATE_PASSWORD_RESET_EMAIL = env("OKRHUB_RATE_PASSWORD_RESET_EMAIL", default="5/h")
OKRHUB_RATE_VERIFY_RESEND = env("OKRHUB_RATE_VERIFY_RESEND", default="5/h")  # confirmation emails, per person
# Failed API-key authentications per client address; past it every Api-Key request answers 429.
OKRHUB_RATE_API_KEY_FAILURES = env("OKRHUB_RATE_API_KEY_FAILURES", default="20/10m")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # In-process (eager) tasks would log every execution at INFO.
        "celery.app.trace": {"level": env("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
        # django-axes reports every sign-in at INFO; failures and lockouts come at WARNING.
        "axes": {"level": env("AXES_LOG_LEVEL", default="WARNING")},
    },
}

# Background work (issue 6). Redis serves both as the Celery broker and as the
# store of the roll-up coalescing state (objectives/coalesce.py); REDIS_URL
# defaults to the broker URL when that is Redis. Empty means "no Redis": the
# roll-up then runs in-process, uncoalesced.
REDIS_URL = env("REDIS_URL", default=_broker_url if _broker_url.startswith(("redis://", "rediss://")) else "")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # An unacknowledged task (acks_late) of a worker that vanished is handed to
    # another worker after this many seconds. It must exceed the longest
    # countdown plus CELERY_TASK_TIME_LIMIT, or a task still running elsewhere
    # would be delivered twice; shorter means faster recovery after a crash.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=900),
}
# A worker that loses the broker connection cannot acknowledge what it runs:
# stop those tasks, the broker redelivers them (they are idempotent).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_SEND_TASK_EVENTS = False
_sweep_seconds = env.float("OKRHUB_ROLLUP_SWEEP_INTERVAL_SECONDS", default=15)
CELERY_BEAT_SCHEDULE = {
    # Reminders and digests: each company's cadence is checked every quarter of
    # an hour, so a company's local check-in hour is met within 15 minutes.
    "dispatch-checkin-emails": {
        "task": "objectives.tasks.dispatch_checkin_emails_task",
        "schedule": env.float("OKRHUB_DISPATCH_INTERVAL_SECONDS", default=15 * 60),
    },
    # The daily notification digest goes out at each company's local morning (met within 15 minutes).
    "dispatch-notification-digests": {
        "task": "notifications.tasks.dispatch_notification_digests_task",
        "schedule": env.float("OKRHUB_DISPATCH_INTERVAL_SECONDS", default=15 * 60),
    },
    # The safety net under the incremental roll-up: recompute every active
    # cycle from scratch; after a drained queue it changes nothing.
    # API idempotency keys are replayed for a day, then forgotten.
    "purge-idempotency-records": {
        "task": "companies.tasks.purge_idempotency_records_task",
        "schedule": 60 * 60,
    },
    "full-recompute": {
        "task": "objectives.tasks.full_recompute_all_companies_task",
        "schedule": env.float("OKRHUB_FULL_RECOMPUTE_INTERVAL_SECONDS", default=60 * 60),
    },
    # Drains dirty sets whose drain was lost (broker down) or is held by a dead
    # worker, and in-flight sets older than the lease. Sweeps queued while no
    # worker ran expire rather than pile up.
    "sweep-rollups": {
        "task": "objectives.tasks.sweep_rollups_task",
        "schedule": _sweep_seconds,
        "options": {"expires": _sweep_seconds},
    },
    # Committed events whose drain was lost with the broker (objectives/event_queue.py).
    "sweep-events": {
        "task": "objectives.tasks.sweep_events_task",
        "schedule": _sweep_seconds,
        "options": {"expires": _sweep_seconds},
    },
    # Grading windows that passed are ended (their final scores freeze; objectives/services/grading.py).
    # The deadline alone already refuses grades: the beat records the end and its event.
    "end-grading-windows": {
        "task": "objectives.tasks.end_grading_windows_task",
        "schedule": env.float("OKRHUB_GRADING_END_INTERVAL_SECONDS", default=15 * 60),
    },
    # Progress snapshots: each company's day is snapshotted within a quarter of
    # an hour of its local midnight (insights/snapshots.py).
    # Webhook deliveries that are due (retries, abandoned attempts) and fan-outs lost with the broker.
    "sweep-webhooks": {
        "task": "webhooks.tasks.sweep_task",
        "schedule": env.float("OKRHUB_WEBHOOK_SWEEP_SECONDS", default=15),
        "options": {"expires": env.float("OKRHUB_WEBHOOK_SWEEP_SECONDS", default=15)},
    },
    "snapshot-progress": {
        "task": "insights.tasks.snapshot_due_companies_task",
        "schedule": env.float("OKRHUB_SNAPSHOT_INTERVAL_SECONDS", default=15 * 60),
    },
}
# Beat writes its heartbeat on every tick (okrhub/heartbeat.py); workers every
# OKRHUB_HEARTBEAT_SECONDS. /healthz reports one silent for longer than
# OKRHUB_HEARTBEAT_STALE_SECONDS as degraded.
CELERY_BEAT_SCHEDULER = "okrhub.celery:HeartbeatScheduler"
OKRHUB_HEARTBEAT_SECONDS = env.float("OKRHUB_HEARTBEAT_SECONDS", default=10)
OKRHUB_HEARTBEAT_STALE_SECONDS = env.float("OKRHUB_HEARTBEAT_STALE_SECONDS", default=60)
# Seconds a drain may hold its in-flight set before the sweep hands it to another
# (a live but slower drain only causes duplicate, harmless work).
OKRHUB_ROLLUP_LEASE_SECONDS = env.int("OKRHUB_ROLLUP_LEASE_SECONDS", default=30)
# Seconds a check-in's roll-up waits so that a burst in one company is
# recomputed together (objectives/coalesce.py).
OKRHUB_ROLLUP_COALESCE_SECONDS = env.float("OKRHUB_ROLLUP_COALESCE_SECONDS", default=1.0)
# Absolute URL of the site, for links in emails (no trailing slash).
OKRHUB_BASE_URL = env("OKRHUB_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Hours after a company's check-in moment during which its reminders and digest
# may still go out (a beat that was down catches up within this window).
OKRHUB_REMINDER_WINDOW_HOURS = env.int("OKRHUB_REMINDER_WINDOW_HOURS", default=6)
# Local hour (0-23, the company's time zone) of the daily notification digest.
OKRHUB_NOTIFICATION_DIGEST_HOUR = env.int("OKRHUB_NOTIFICATION_DIGEST_HOUR", default=8)
# Seconds between two polls of the bell's unread count by an open page.
OKRHUB_NOTIFICATION_POLL_SECONDS = env.int("OKRHUB_NOTIFICATION_POLL_SECONDS", default=30)

# Chat integrations (README, "Slack" and "Microsoft Teams").
# Fernet key (urlsafe base64 of 32 bytes) that encrypts Slack bot tokens and Teams
# webhook URLs at rest; connecting either refuses with a clear error until it is set.
OKRHUB_ENCRYPTION_KEY = env("OKRHUB_ENCRYPTION_KEY", default="")
# The Slack app of this installation (api.slack.com/apps): OAuth client and request signing.
OKRHUB_SLACK_CLIENT_ID = env("OKRHUB_SLACK_CLIENT_ID", default="")
OKRHUB_SLACK_CLIENT_SECRET = env("OKRHUB_SLACK_CLIENT_SECRET", default="")
OKRHUB_SLACK_SIGNING_SECRET = env("OKRHUB_SLACK_SIGNING_SECRET", default="")
# Where the Slack Web API and the OAuth consent page live (tests point them at a local server).
OKRHUB_SLACK_API_URL = env("OKRHUB_SLACK_API_URL", default="https://slack.com/api/")
OKRHUB_SLACK_AUTHORIZE_URL = env("OKRHUB_SLACK_AUTHORIZE_URL", default="https://slack.com/oauth/v2/authorize")
# Requests to URLs companies give us (webhooks, Teams; okrhub/outbound.py, README "Outgoing requests").
# Networks (CIDR, comma-separated, e.g. "10.20.0.0/16,127.0.0.1/32") they may reach although private,
# loopback or link-local; empty refuses them all. Only for operators' own receivers.
OKRHUB_OUTBOUND_ALLOWED_NETWORKS = env.list("OKRHUB_OUTBOUND_ALLOWED_NETWORKS", default=[])
# Plain http:// to any host (off: https only, except to addresses inside an allowed network).
OKRHUB_OUTBOUND_ALLOW_HTTP = env.bool("OKRHUB_OUTBOUND_ALLOW_HTTP", default=False)
# Seconds an outgoing chat request (Slack Web API, Teams webhook) may take.
OKRHUB_CHAT_TIMEOUT_SECONDS = env.float("OKRHUB_CHAT_TIMEOUT_SECONDS", default=10)
# Outgoing webhooks (README, "Webhooks"); which receivers they may reach: OKRHUB_OUTBOUND_* above.
OKRHUB_WEBHOOK_CONNECT_TIMEOUT_SECONDS = env.float("OKRHUB_WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=5)
OKRHUB_WEBHOOK_READ_TIMEOUT_SECONDS = env.float("OKRHUB_WEBHOOK_READ_TIMEOUT_SECONDS", default=10)
# An endpoint with no successful delivery for this many days is disabled and its company's admins emailed.
OKRHUB_WEBHOOK_DISABLE_AFTER_DAYS = env.int("OKRHUB_WEBHOOK_DISABLE_AFTER_DAYS", default=5)

# Cache: Redis when REDIS_URL is set (shared by every web process, so API
# throttles hold across them), process-local memory otherwise.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "okrhub",
            # A Redis that is down fails fast; the throttles then let requests through.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 2},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# REST API v1 (companies/api/base.py holds the shared plumbing).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "companies.api.defaults.CompanyAPIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["companies.api.defaults.IsPrincipal"],
    "DEFAULT_RENDERER_CLASSES": ["companies.api.defaults.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["companies.api.defaults.LimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "companies.api.defaults.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "companies.api.defaults.APIKeyRateThrottle",
        "companies.api.defaults.UserRateThrottle",
        "companies.api.defaults.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env("API_THROTTLE_KEY", default="1200/min"),
        "user": env("API_THROTTLE_USER", default="600/min"),
        "anon": env("API_THROTTLE_ANON", default="60/min"),
    },
    "EXCEPTION_HANDLER": "companies.api.base.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "okrhub.openapi.OKRHubAutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OKRHub API",
    "DESCRIPTION": (
        "Objectives, key results, check-ins and the alignment tree of one company. "
        "Authenticate with a company API key (`Authorization: Api-Key <prefix>.<secret>`) or a browser session. "
        "Errors are RFC 9457 problem details (`application/problem+json`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ObjectiveStatusEnum": "objectives.models.ObjectiveStatus",
        "CycleStatusEnum": "objectives.models.CycleStatus",
        "ConfidenceEnum": "objectives.models.Confidence",
        "RoleEnum": "companies.models.Role",
        "DepartmentRoleEnum": "departments.models.DepartmentRole",
        "KeyResultKindEnum": "objectives.models.KeyResultKind",
        "ReactionKindEnum": "discussion.models.ReactionKind",
        "SearchKindEnum": "explore.params.SEARCH_KINDS",
        "SearchResultKindEnum": "explore.params.KINDS",
        # The computed status (DESIGN §3): the tree's pace_status and the dashboards' status fields.
        "PaceStatusEnum": "objectives.progress.STATUS_VALUES",
        # A side of an overlap pair: the convert endpoint's ``depending`` and ``key_result``.
        "PairSideEnum": "objectives.services.overlaps.PAIR_SIDES",
    },
}
