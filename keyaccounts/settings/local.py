"""`make run` on a developer's or user's machine: the embedded default (SQLite and a folder broker under var/)
unless DATABASE_URL/REDIS_URL are set, and DJANGO_DEBUG may be turned on."""

from .base import *  # noqa: F403
