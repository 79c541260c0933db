"""Run Python with a given settings module in a fresh process, so each run reads its own environment."""

import os
import subprocess
import sys

from tests import processes

# Variables the suite's own environment may hold and that would leak into the process under test (pytest-playwright
# sets DJANGO_ALLOW_ASYNC_UNSAFE, which a deployment must not).
CONFIG_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "FILE_STORAGE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run(settings: str, args: list[str], **env: str | None) -> subprocess.CompletedProcess:
    """`python args` with `settings`; `env` adds variables, and a None value removes one."""
    environ = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    environ["DJANGO_SETTINGS_MODULE"] = settings
    for name, value in env.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return subprocess.run(
        [sys.executable, *args], cwd=processes.ROOT, env=environ, capture_output=True, text=True, timeout=120
    )
