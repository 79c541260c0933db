"""`make run` on a developer's or user's machine: the embedded default (SQLite and a folder broker under var/)
unless DATABASE_URL/REDIS_URL are set, and DJANGO_DEBUG may be turned on."""

from .base import *  # noqa: F403
from .base import LOGGING

# The beat's sweeps run every few seconds: their INFO lines (task sent, received, succeeded) would bury the banner
# and the request log. Warnings and errors of the same loggers still show.
LOGGING = {
    **LOGGING,
    "loggers": {
        **LOGGING["loggers"],
        **{name: {"level": "WARNING"} for name in ("celery.beat", "celery.worker.strategy", "celery.app.trace")},
    },
}
