"""keyaccounts settings shared by every place: every value comes from the environment; `.env.example` documents them.

Not used on its own: `local` (make run), `production` (the image) and `test` (the suite) import it. With no
DATABASE_URL and no REDIS_URL it gives the embedded default, SQLite and kombu's filesystem broker under var/,
which `local` runs on and `production` refuses.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env("KEYACCOUNTS_VAR_DIR", default=str(BASE_DIR / "var")))

# ---------------------------------------------------------------------------- core
INSECURE_SECRET_KEYS = {"", "insecure-dev-key-change-me-in-production", "change-me-in-production"}
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me-in-production")
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
    "django.contrib.humanize",
    "django.forms",  # its widget templates, under ours (FORM_RENDERER)
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "viewflow",
    "viewflow.workflow",
    "keyaccounts.catalogue",
    "customers",
    "opportunities",
    "orders",
    "provisioning",
    "assurance",
    "sla",
    "keyaccounts.peers",
    "keyaccounts.messaging",
    "keyaccounts.inbox",
    # Last, so that its post_migrate role sync sees every app's permissions.
    "keyaccounts.core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "keyaccounts.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# The peers' listener is served apart from the site (keyaccounts.peers.wsgi): its routes, and the middleware a
# signed machine call needs (security headers, the request id of the logs, the allowed hosts and a
# Content-Length, without which every answer went out chunked).
LISTENER_URLCONF = "keyaccounts.urls_listener"
LISTENER_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "keyaccounts.core.middleware.RequestContextMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "keyaccounts.urls"
# Widgets render with the site's template engine, so that templates/django/forms/ may override Django's own.
FORM_RENDERER = "keyaccounts.core.forms.FormRenderer"
WSGI_APPLICATION = "keyaccounts.wsgi.application"
AUTH_USER_MODEL = "core.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
                "keyaccounts.core.context_processors.navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------------------- database
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'keyaccounts.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # services own their transactions
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Flow locks wait (SelectForUpdateLock(nowait=False)); the database bounds the wait.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"-c lock_timeout={env.int('DATABASE_LOCK_TIMEOUT_MS', default=5000)}"
    # Repeated statements are prepared, planned once per connection (docs/decisions/0001); they need
    # server-side binding, and DATABASE_PREPARE_THRESHOLD=0 turns both off for a pooler in transaction mode.
    prepare_threshold = env.int("DATABASE_PREPARE_THRESHOLD", default=2)
    if prepare_threshold:
        options.update(server_side_binding=True, prepare_threshold=prepare_threshold)
else:
    # SQLite: a transaction takes the write lock when it begins and waits up to 20 s for another writer. One
    # that began reading would fail at once ("database is locked") the moment it wrote while another wrote.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")

# ---------------------------------------------------------------------------- cache, broker
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "keyaccounts.core.caching.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
else:
    # Embedded default: a broker that is a folder, so a worker runs with no server at all.
    BROKER_DIR = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control", "results"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    # A folder too: the web workers and the Celery worker share the cache, as they share Redis in production.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 10000},
        }
    }
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=f"file://{BROKER_DIR / 'results'}")

# ---------------------------------------------------------------------------- celery
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_RESULT_EXPIRES = 3600
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The peers' events and the launch joins they complete have a queue of their own, so a backlog of deliveries
# (thousands of work orders sent at once) does not hold them up. A worker consumes every queue listed here.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in ("celery", "events")]
CELERY_TASK_ROUTES = {
    **{f"keyaccounts.peers.tasks.{name}": {"queue": "events"} for name in ("events_apply_task", "events_sweep_task")},
    **{f"provisioning.tasks.{name}": {"queue": "events"} for name in ("peer_wait_task", "launch_sweep_task")},
}
# Every periodic task, in one place. Deadlines live in the database; beat only wakes the sweeps.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "keyaccounts.core.tasks.worker_heartbeat_task", "schedule": 10.0},
    "sla-sweep": {"task": "sla.tasks.sla_sweep_task", "schedule": 5.0},
    "sla-rollup-fold": {"task": "sla.tasks.sla_rollup_fold_task", "schedule": 5.0},
    "workflow-timers": {"task": "sla.tasks.workflow_timers_task", "schedule": 10.0},
    "outbox-sweep": {"task": "keyaccounts.peers.tasks.outbox_sweep_task", "schedule": 5.0},
    "surveys-reconcile": {"task": "keyaccounts.peers.tasks.read_back_task", "args": ["surveys"], "schedule": 10.0},
    "work-orders-reconcile": {
        "task": "keyaccounts.peers.tasks.read_back_task",
        "args": ["work-orders"],
        "schedule": 30.0,
    },
    "messages-reconcile": {"task": "keyaccounts.peers.tasks.read_back_task", "args": ["messages"], "schedule": 30.0},
    "events-sweep": {"task": "keyaccounts.peers.tasks.events_sweep_task", "schedule": 5.0},
    "launch-sweep": {"task": "provisioning.tasks.launch_sweep_task", "schedule": 10.0},
    "billing-start": {"task": "provisioning.tasks.billing_start_due_task", "schedule": 600.0},
    "notifications-sweep": {"task": "keyaccounts.core.tasks.notifications_sweep_task", "schedule": 10.0},
    "quality-collect": {"task": "sla.tasks.quality_collect_task", "schedule": 60.0},
    "tickets-unanswered": {"task": "assurance.tasks.tickets_unanswered_task", "schedule": 300.0},
    "planned-work-notices": {"task": "assurance.tasks.planned_work_notices_task", "schedule": 300.0},
    "availability-sweep": {"task": "assurance.tasks.availability_sweep_task", "schedule": 300.0},
    "quality-tickets": {
        "task": "keyaccounts.peers.tasks.read_back_task",
        "args": ["quality-tickets"],
        "schedule": 60.0,
    },
}
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=60)

# ---------------------------------------------------------------------------- auth
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "keyaccounts.core.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Lockout after repeated failures, per username and address, so one attacker cannot lock a colleague out.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# ---------------------------------------------------------------------------- i18n
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en")
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------- static, media
STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_MB", default=20) * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "keyaccounts.core.storage.StaticFilesStorage"},
}
# User files go through Django's storage API only, so every web host can share them: the filesystem under
# MEDIA_ROOT by default, an S3-compatible store (AWS, MinIO, Ceph…) with FILE_STORAGE=s3.
FILE_STORAGE = env("FILE_STORAGE", default="filesystem")
if FILE_STORAGE == "s3":
    # Credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, read by django-storages and boto3 themselves.
    s3_options = {
        "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
        "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=""),
        "region_name": env("AWS_S3_REGION_NAME", default=""),
        "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default=""),
        "location": env("AWS_LOCATION", default=""),
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        # Private objects, never overwritten: downloads go through our views and their access checks.
        "OPTIONS": {k: v for k, v in s3_options.items() if v} | {"default_acl": None, "file_overwrite": False},
    }
elif FILE_STORAGE != "filesystem":
    raise ImproperlyConfigured(f"FILE_STORAGE={FILE_STORAGE!r}: use 'filesystem' or 's3'")

# ---------------------------------------------------------------------------- forms, API
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "keyaccounts.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "keyaccounts API",
    "VERSION": "1.0.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "keyaccounts.peers.api.listener_schema",  # the listener is a plain Django view
    ],
}

# ---------------------------------------------------------------------------- mail
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="keyaccounts@localhost")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")  # the links in e-mails

# ---------------------------------------------------------------------------- peers
EOMS_BASE_URL = env("EOMS_BASE_URL", default="http://127.0.0.1:8100/eoms")
SI_BASE_URL = env("SI_BASE_URL", default="http://127.0.0.1:8100/si")
GATEWAY_BASE_URL = env("GATEWAY_BASE_URL", default="http://127.0.0.1:8100/gateway")  # SMS and e-mail (TMF681)
# Shared secrets the peers sign their callbacks with (HMAC-SHA256); the stubs read the same variables.
PEER_CALLBACK_SECRETS = {
    "eoms": env("EOMS_CALLBACK_SECRET", default="eoms-dev-secret"),
    "si": env("SI_CALLBACK_SECRET", default="si-dev-secret"),
    "gateway": env("GATEWAY_CALLBACK_SECRET", default="gateway-dev-secret"),
}
# A work order no event moved for this long is read back from its peer (GET is the truth).
WORK_ORDER_STALLED_AFTER = env.int("WORK_ORDER_STALLED_AFTER", default=60)
# Where the peers reach our listener (registered with their /hub).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000")
# Messages to customers (TMF681): the gateway's sender, and how many deliveries are tried before one counts as
# failed (each after the outbox's backoff).
MESSAGE_SENDER_NAME = env("MESSAGE_SENDER_NAME", default="Key account service")
MESSAGE_SMS_SENDER = env("MESSAGE_SMS_SENDER", default="10658000")
MESSAGE_MAX_ATTEMPTS = env.int("MESSAGE_MAX_ATTEMPTS", default=3)
# A message the gateway took this long ago without a settling report is read back from it (GET is the truth).
MESSAGE_STALLED_AFTER = env.int("MESSAGE_STALLED_AFTER", default=60)
HTTP_CONNECT_TIMEOUT = env.float("HTTP_CONNECT_TIMEOUT", default=3.0)
HTTP_READ_TIMEOUT = env.float("HTTP_READ_TIMEOUT", default=10.0)

# ---------------------------------------------------------------------------- security
# Sessions read from the cache (Redis; a folder on the embedded default), kept in the database too so that
# flushing the cache signs nobody out: every request reads its session, and a cache read costs a fraction of a query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# ---------------------------------------------------------------------------- logging
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "keyaccounts.core.logging.RequestContextFilter"},
        "refusals": {"()": "keyaccounts.core.logging.RefusalFilter"},
        "unhealthy": {"()": "keyaccounts.core.logging.UnhealthyFilter"},
    },
    "formatters": {"json": {"()": "keyaccounts.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_context", "refusals"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # A refused request is one line (keyaccounts.core.logging.RefusalFilter), not a warning with a traceback.
        "django.request": {"filters": ["refusals", "unhealthy"]},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

SITE_TITLE = _("Key Accounts")

# ---------------------------------------------------------------------------- SLA
SLA_DEFAULT_CALENDAR = env("SLA_DEFAULT_CALENDAR", default="jilin-standard")
