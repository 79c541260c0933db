"""Settings per place: production refuses what would be unsafe and passes Django's deployment check."""

import json
import secrets

import pytest

from tests.core.settings_process import run

PRODUCTION = "keyaccounts.settings.production"
# A real database and broker address: the settings only read them, nothing connects.
SERVERS = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/keyaccounts", "REDIS_URL": "redis://127.0.0.1:6379/0"}
READ_SECURITY = (
    "import json; from django.conf import settings as s; "
    "print(json.dumps([s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER]))"
)


def a_key() -> str:
    return secrets.token_urlsafe(50)


@pytest.mark.parametrize(
    "key",
    [None, "", "change-me-in-production", "insecure-dev-key-change-me-in-production", "short-but-random-4f9a"],
    ids=["missing", "empty", "compose-default", "base-default", "too-short"],
)
def test_production_settings_refuse_a_missing_or_default_secret_key(key):
    result = run(PRODUCTION, ["-c", "import django; django.setup()"], DJANGO_SECRET_KEY=key, **SERVERS)

    assert result.returncode != 0
    assert "ImproperlyConfigured: DJANGO_SECRET_KEY is missing or a published default" in result.stderr


def test_production_settings_start_with_a_real_key_and_default_to_https():
    result = run(
        PRODUCTION,
        ["-c", f"import django; django.setup(); {READ_SECURITY}"],
        DJANGO_SECRET_KEY=a_key(),
        DJANGO_DEBUG="true",
        **SERVERS,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    debug, redirect, hsts, subdomains, preload, session_secure, csrf_secure, proxy = json.loads(result.stdout)
    assert debug is False  # DJANGO_DEBUG=true is not honoured in production
    assert (redirect, hsts >= 31_536_000, subdomains, preload) == (True, True, True, True)
    assert (session_secure, csrf_secure, proxy) == (True, True, None)


def test_production_security_settings_come_from_the_environment():
    result = run(
        PRODUCTION,
        ["-c", f"import django; django.setup(); {READ_SECURITY}"],
        DJANGO_SECRET_KEY=a_key(),
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_SECURE_HSTS_SECONDS="3600",
        DJANGO_SECURE_HSTS_PRELOAD="false",
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        **SERVERS,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    _, redirect, hsts, _, preload, *_, proxy = json.loads(result.stdout)
    assert (redirect, hsts, preload, proxy) == (False, 3600, False, ["HTTP_X_FORWARDED_PROTO", "https"])


def test_production_settings_refuse_the_embedded_default():
    result = run(
        PRODUCTION,
        ["-c", "import django; django.setup()"],
        DJANGO_SECRET_KEY=a_key(),
        DATABASE_URL=None,
        REDIS_URL=None,
    )

    assert result.returncode != 0
    assert "production runs on PostgreSQL and Redis" in result.stderr


def test_check_deploy_reports_no_issues_with_production_settings_and_a_real_key():
    result = run(
        PRODUCTION,
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SECRET_KEY=a_key(),
        DJANGO_ALLOWED_HOSTS="keyaccounts.example.com",
        **SERVERS,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_manage_py_runs_on_local_settings_unless_told_otherwise():
    result = run(
        "",
        ["manage.py", "shell", "-c", "from django.conf import settings; print(settings.SETTINGS_MODULE)"],
        DJANGO_SETTINGS_MODULE=None,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "keyaccounts.settings.local"
