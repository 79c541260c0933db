"""The suite's settings: the real PostgreSQL and Redis (never the embedded default), fast hashing, local mail."""

import os
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/keyaccounts")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *  # noqa: F403
from .base import DATABASES, STATIC_ROOT, STORAGES

assert DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql", "tests run on PostgreSQL"

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
# Static files come from the finders in tests; WhiteNoise only needs its root to exist.
WHITENOISE_USE_FINDERS = True
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
