"""Settings shared by every mode. The environment is read here, once, through django-environ.

Each variable is documented in the README's configuration table; keep the two in step.
"""

from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured
from django_guid.integrations import CeleryIntegration

BASE_DIR = Path(__file__).resolve().parents[2]

env = environ.Env()
# A `.env` beside manage.py is read if present, so a developer can pin settings without exporting.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Local state of the embedded default: SQLite, broker files, keys. Elsewhere than var/ when
# several copies run on one machine, e.g. a test that starts `run_embedded` on its own.
VAR_DIR = Path(env.str("MARKETO_ADMIN_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
REDIS_URL = env.str("REDIS_URL", default="")
# The Redis of the redis governor and token store (GOVERNOR_BACKEND below): REDIS_URL's
# server, or one of their own, e.g. a Redis Cluster (redis+cluster://host:port,host:port).
# The broker, cache and lead coalescing stay on REDIS_URL, which must be one server
# (Celery and Django's cache need one).
GOVERNOR_REDIS_URL = env.str("GOVERNOR_REDIS_URL", default="") or REDIS_URL
if REDIS_URL.split("://", 1)[0].lower().endswith("+cluster"):
    raise ImproperlyConfigured(
        "REDIS_URL must name one Redis server (the broker and the cache need one); "
        "put a Redis Cluster in GOVERNOR_REDIS_URL."
    )
# Fernet keys for the credential vault, comma-separated; the first one encrypts.
CREDENTIALS_KEYS = env.list("CREDENTIALS_KEYS", default=[])

# An empty DATABASE_URL (`DATABASE_URL= make run`, or a blank line in .env) means the default.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker share one SQLite file: wait for a lock instead of
    # failing at once, and take the write lock when a transaction starts.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # models.W047, printed by every `migrate`: SQLite cannot build usage.LedgerHour's unique
    # constraint (a NULL user counts as one user), so Django skips it. Harmless here: the
    # only writer, ledger_roll_up, runs update_or_create in one transaction, which the
    # IMMEDIATE mode above serializes, so no duplicate row can be made. LedgerHour is the
    # only model this silences (tests/core/test_settings.py checks it).
    SILENCED_SYSTEM_CHECKS = ["models.W047"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "csp",
    "django_guid",
    "apps.core",
    "apps.accounts",
    "apps.audit",
    "apps.sandbox",
    "apps.instances",
    "apps.usage",
    "apps.leads",
    "apps.assets",
    "apps.integrations",
    "apps.alerts",
    "apps.site",
]

MIDDLEWARE = [
    # First, so that it times every answer, the middleware's own too (/metrics).
    "apps.site.request_metrics.RequestMetricsMiddleware",
    "apps.core.middleware.ForeignRequestIdMiddleware",
    "django_guid.middleware.guid_middleware",
    # A view that fails because Redis is unreachable answers 503 with the reason, not 500.
    "apps.core.outages.OutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "apps.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CsrfViewMiddleware, which reads form bodies: refuses control characters in
    # paths, queries and forms, and bodies larger than the view takes.
    "apps.core.input_guard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.middleware.LoginRequiredMiddleware",
    "apps.core.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees failed logins after every other middleware has run.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "marketo_admin.urls"
WSGI_APPLICATION = "marketo_admin.wsgi.application"

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
                "apps.site.context_processors.shell",
            ],
        },
    },
]

AUTHENTICATION_BACKENDS = [
    # axes first: it refuses a locked-out username before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
CSRF_FAILURE_VIEW = "apps.core.views.csrf_failure"

# Login throttling: five wrong passwords for one username from one address lock that
# pair out for 15 minutes. Locking by username alone would let anyone lock out an admin.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The client's address behind our proxies: the same function the audit trail and the API
# throttles use (see TRUSTED_PROXY_COUNT below).
AXES_CLIENT_IP_CALLABLE = "apps.core.client_address.client_address"

# --- Reverse proxies ------------------------------------------------------------------
# How many reverse proxies of ours stand in front of the app, each appending the address it
# received from to X-Forwarded-For. 0: clients reach the app directly, and X-Forwarded-For
# and X-Forwarded-Proto are ignored, because anyone can send them.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
if TRUSTED_PROXY_COUNT:
    # HTTPS ends at the proxy, which says so in this header (and must overwrite it).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Security headers ------------------------------------------------------------------
# Content-Security-Policy (django-csp): scripts, styles and everything else only from this
# site, so markup that slipped into a page cannot run or load anything. No page has an
# inline script, event handler or style (tests/core/test_security_headers.py checks the
# templates; the browser tests fail on any violation). Images may also be data: URLs,
# which Pico's stylesheet uses for its icons (the select chevron, the checkbox tick).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features no page uses, turned off for the pages and anything they might embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

LANGUAGE_CODE = "en-us"
# Times are stored in UTC and shown in each user's own time zone (their profile).
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
# whitenoise warns on every start when the folder is missing, i.e. before collectstatic.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Request bodies: every view takes up to REQUEST_BODY_MAX_BYTES (Django's own default); a view
# that needs more declares it (apps.core.input_guard.accepts_bodies_up_to), which only the
# lead lookups do: 100,000 values of up to 255 characters (apps.leads.parsing). Django's limit
# is therefore the largest any view declares; the middleware enforces each view's own.
REQUEST_BODY_MAX_BYTES = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 32 * 1024 * 1024

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, except that while Redis is unreachable each process answers
            # from its own memory instead of failing the request (apps/core/cache.py).
            "BACKEND": "apps.core.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "marketo-admin",
            # An unreachable Redis costs a request a second at most, never a hang.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # Files, not process memory: the web and the worker of the embedded default must see one
    # cache (API throttle counts, cached lead fields), as they do through Redis.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }

# --- The rate governor ------------------------------------------------------------------
# Every call to Marketo is admitted by one governor per instance that all the processes making
# calls must share: Redis for a deployment (any number of machines); without Redis, a SQLite
# file that every process of this one machine shares (the embedded default). "memory" serves
# a single process only, and the system checks refuse it where a worker would run apart.
GOVERNOR_BACKEND = env.str("GOVERNOR_BACKEND", default="redis" if GOVERNOR_REDIS_URL else "sqlite")
GOVERNOR_SQLITE_PATH = Path(
    env.str("GOVERNOR_SQLITE_PATH", default=str(VAR_DIR / "governor.sqlite3"))
)

# --- Metrics -----------------------------------------------------------------------------
# /metrics (Prometheus's text format) answers a scraper that sends
# `Authorization: Bearer <METRICS_TOKEN>`; without METRICS_TOKEN it answers 404, as if it
# did not exist. PROMETHEUS_MULTIPROC_DIR (set by docker/entrypoint.sh for gunicorn) adds up
# the request metrics of a container's web workers. See README.md, "Metrics".
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- Outbound calls ----------------------------------------------------------------------
# Instance URLs must be https to Marketo's hosts (*.mktorest.com, *.marketo.com) at public
# addresses; MARKETO_ALLOWED_HOSTS adds host names or *.suffix patterns (a proxy in front of
# Marketo, say). Private, link-local, loopback and other non-public addresses stay refused
# after DNS resolution, except the loopback of the sandbox: MARKETO_ALLOW_LOOPBACK (the
# embedded default and the tests), or a loopback host that MARKETO_ALLOWED_HOSTS names.
# See apps/marketo/outbound.py.
MARKETO_ALLOWED_HOSTS = env.list("MARKETO_ALLOWED_HOSTS", default=[])
MARKETO_ALLOW_LOOPBACK = False

# --- Email -------------------------------------------------------------------------------
# Quota alerts and set-password links go out by email when EMAIL_URL is set
# (e.g. smtp+tls://user:pass@host:587);
# without it no email is sent at all.
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_HOST = ""
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="marketo-admin@localhost")
# The address people open marketo-admin at (https://marketo-admin.example.com), for the links
# in what workers send (alert e-mails and webhooks), which have no request to take it from.
# Unset: alerts go out without a link.
SITE_URL = env.str("SITE_URL", default="")

# --- Celery --------------------------------------------------------------------------
# Redis when it is configured; otherwise kombu's filesystem transport, which needs no
# server, so that `make run` works on a machine with only Python.
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost//"
CELERY_BROKER_FOLDER = VAR_DIR / "broker"
if not REDIS_URL:
    for _folder in ("queue", "control"):
        (CELERY_BROKER_FOLDER / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
    # Short drains, so that a worker begins to stop at once (apps.core.broker).
    CELERY_BROKER_TRANSPORT = "apps.core.broker:FilesystemTransport"
else:
    # A task that a worker took and did not acknowledge (acks_late) is delivered again after
    # this long. It used to outlast the longest job (6 hours), so a job whose worker was killed
    # waited that long. Now the job sweeper resumes such a job within about
    # JOB_STALE_SECONDS + JOB_SWEEP_SECONDS, and a second delivery is safe: a job is claimed
    # with a conditional UPDATE (a copy finds it running with a live heartbeat and does
    # nothing), and it resumes from its stored checkpoints. So this only has to bring back the
    # messages of other tasks a dead worker held (asset actions, connection tests, the sweep)
    # and must outlast the delayed messages of short pauses
    # (apps.core.jobs.LONGEST_DELAYED_MESSAGE_SECONDS, 2 minutes). It must also outlast the
    # longest single task, or a copy would start while the first still runs: an asset action
    # reads the asset and then writes, each allowed Marketo's 300 s (apps.marketo.timeouts)
    # plus the wait for admission.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 15}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A worker rides out a broker outage (Redis restarting) instead of exiting: it keeps trying to
# connect, for as long as it takes, at start-up too.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Tasks running when the connection drops go on: a thread cannot be cancelled anyway, and a
# job keeps its state in the database, so a second delivery of its message changes nothing.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True  # tasks record their outcome in our own tables
CELERY_TASK_DEFAULT_QUEUE = "background"
# Tasks are named "<app>.<action>"; a task a person waits for is routed to `interactive`.
CELERY_TASK_ROUTES = {
    # The sweep takes a moment, and must not wait behind the long jobs it looks after.
    "core.jobs_sweep": {"queue": "interactive"},
    # Nor the alert rules: their tick is how the workers know beat is alive (apps.alerts).
    "alerts.evaluate": {"queue": "interactive"},
    "core.*": {"queue": "background"},
    "usage.*": {"queue": "background"},
    "instances.connection_test_run": {"queue": "interactive"},
    "assets.actions_confirm_due": {"queue": "interactive"},
    # An alert is news only while it is fresh: never behind a sync.
    "alerts.deliver": {"queue": "interactive"},
    "alerts.deliveries_sweep": {"queue": "interactive"},
}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# How often each worker writes its heartbeat row, and when /healthz calls it stale.
WORKER_HEARTBEAT_SECONDS = 15
WORKER_HEARTBEAT_STALE_SECONDS = 90
BEAT_HEARTBEAT_FILE = Path(env.str("BEAT_HEARTBEAT_FILE", default="/tmp/marketo-admin-beat"))  # noqa: S108
# Long jobs (apps.core.jobs): a running job touches its heartbeat this often; one whose
# heartbeat is older than JOB_STALE_SECONDS lost its worker (or, queued, its message) and is
# handed to a new task by the sweep that beat runs every JOB_SWEEP_SECONDS.
JOB_HEARTBEAT_SECONDS = env.int("JOB_HEARTBEAT_SECONDS", default=10)
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=60)
# An asset action whose write got no answer is read back until Marketo shows it done; it is
# called "not carried out" only this long after it was sent. Unset: the write's governor
# lease (apps.assets.actions.settle_seconds), once Marketo cannot still be running it.
ASSET_ACTION_SETTLE_SECONDS = env.int("ASSET_ACTION_SETTLE_SECONDS", default=None)
JOB_SWEEP_SECONDS = env.int("JOB_SWEEP_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": {"task": "core.jobs_sweep", "schedule": float(JOB_SWEEP_SECONDS)},
    # Asset actions whose write got no answer are read back (apps.assets.actions).
    "confirm-asset-actions": {
        "task": "assets.actions_confirm_due",
        "schedule": float(JOB_SWEEP_SECONDS),
    },
    "prune-worker-heartbeats": {"task": "core.worker_heartbeat_prune", "schedule": 60.0},
    "roll-up-the-call-ledger": {"task": "usage.ledger_roll_up", "schedule": 60.0 * 60},
    # Lead lookups hold personal data: deleted after LEAD_LOOKUP_RETENTION_DAYS (default 30).
    "prune-lead-lookups": {"task": "leads.lead_lookup_prune", "schedule": 60.0 * 60},
}
# Alerts (apps.alerts). The error-spike rule compares the errors of the last
# ALERT_ERROR_SPIKE_MINUTES with the same window of the 7 days before, and stays quiet below
# ALERT_ERROR_SPIKE_MIN_ERRORS; the worker's and beat's watchers of each other look every
# ALERT_WATCH_SECONDS.
ALERT_ERROR_SPIKE_MINUTES = env.int("ALERT_ERROR_SPIKE_MINUTES", default=60)
ALERT_ERROR_SPIKE_MIN_ERRORS = env.int("ALERT_ERROR_SPIKE_MIN_ERRORS", default=20)
ALERT_WATCH_SECONDS = env.int("ALERT_WATCH_SECONDS", default=60)
# The port of the demo sandbox that `make run` starts (apps.site.demo).
SANDBOX_PORT = env.int("SANDBOX_PORT", default=8765)
# Lead lookups hold personal data: they are deleted, with their results, after this many days.
LEAD_LOOKUP_RETENTION_DAYS = env.int("LEAD_LOOKUP_RETENTION_DAYS", default=30)
# Single lookups on one instance and field make at most one Marketo call per window: the
# first goes at once, those that arrive meanwhile share the next (apps/leads/coalesce.py).
LEAD_LOOKUP_COALESCE_MS = env.int("LEAD_LOOKUP_COALESCE_MS", default=1000)
# Raw rows of the call ledger are kept this many days; their hourly roll-ups forever.
LEDGER_RAW_DAYS = env.int("LEDGER_RAW_DAYS", default=30)

# --- REST API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.accounts.throttling.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "per_token": env.str("API_THROTTLE_RATE", default="600/min"),
        # Wrong tokens from one client address; past it, that address may try none.
        "failed_auth": env.str("API_AUTH_FAILURE_RATE", default="30/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's parsers, answering 400 to what no view can take: JSON that is not an object or
    # nests deeper than 32, and control characters in any value (apps.core.inputs).
    "DEFAULT_PARSER_CLASSES": [
        "apps.core.parsers.JSONObjectParser",
        "apps.core.parsers.CheckedFormParser",
        "apps.core.parsers.CheckedMultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
    # For DRF's own use of X-Forwarded-For; apps.core.client_address applies the same rule.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "marketo-admin API",
    "DESCRIPTION": (
        "Lead lookup, asset browsing and usage reports for your Marketo instances. "
        "Authenticate with `Authorization: Token <key>`; create a key on your profile page."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a field called "kind"; name each choice set after its meaning.
    "ENUM_NAME_OVERRIDES": {
        "FolderKindEnum": "apps.assets.models.FolderKind",
        "AssetActionKindEnum": "apps.assets.models.AssetAction.Kind",
        "RuleKindEnum": "apps.alerts.models.RuleKind",
        "AlertEventKindEnum": "apps.alerts.models.AlertEvent.Kind",
        "AlertStateEnum": "apps.alerts.models.Alert.State",
    },
}

# --- Request ids ---------------------------------------------------------------------------
# django-guid gives each request an id (or adopts a well-formed one from the proxy, see
# ForeignRequestIdMiddleware), sends it back in X-Request-ID, and carries it into the Celery
# tasks the request queues, so the web's and the worker's log lines share it.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    # Our own check of an incoming id is ForeignRequestIdMiddleware: django-guid's would
    # accept UUIDs only, and load balancers' ids are not all UUIDs.
    "VALIDATE_GUID": False,
    "EXPOSE_HEADER": False,
    "INTEGRATIONS": [CeleryIntegration()],
}

# --- Logging ---------------------------------------------------------------------------
# Readable lines in development, one JSON object per line in production; both carry the
# request id (or the Celery task's) so one request can be followed across processes.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "apps.core.logging.RequestIdFilter"},
        "redact": {"()": "apps.core.redaction.RedactingFilter"},
    },
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # It tells at INFO, on every request, whether the id was made or adopted.
        "django_guid": {"level": "WARNING"},
        "celery": {"level": LOG_LEVEL},
        # At DEBUG it logs each request's path, and the path of a Slack or Teams webhook is
        # its secret (apps.alerts.delivery).
        "urllib3.connectionpool": {"level": "INFO"},
    },
}
