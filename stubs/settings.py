"""Settings of the EOMS, SI and message gateway stub service: a separate Django site with its own store and port.

The stubs behave like the operator's real peers; the core reaches them only over HTTP.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

SECRET_KEY = env("STUBS_SECRET_KEY", default="stubs-insecure-key")
DEBUG = env.bool("STUBS_DEBUG", default=False)
ALLOWED_HOSTS = ["*"]  # a test peer on a private port
INSTALLED_APPS = ["django.contrib.contenttypes", "stubs"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "stubs.urls"
WSGI_APPLICATION = "stubs.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
(BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {"default": env.db("STUBS_DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'stubs.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("STUBS_CONN_MAX_AGE", default=60)  # one per thread, reused
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The dispatcher thread and the requests share the SQLite file: wait for a lock rather than fail, and
    # write-ahead logging so readers do not block the writer and a commit is not a flush to disk.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# Seconds between a resource's scripted states (0: finished when first read).
STUBS_STEP_SECONDS = env.float("STUBS_STEP_SECONDS", default=3.0)
# Seconds in one network quality measurement period (TMF628 granularity; 15 minutes like a real EOMS).
STUBS_MEASUREMENT_SECONDS = env.int("STUBS_MEASUREMENT_SECONDS", default=900)
