"""Settings are read from the environment (12-factor); `base` is the whole of them, `test` overrides."""

from .base import *  # noqa: F403
