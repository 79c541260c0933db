"""Settings modules: `base` (everything, from the environment) and `test` (the suite's overrides)."""
