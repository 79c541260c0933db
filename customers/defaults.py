"""Starting configuration an administrator may change: which levels need a supervisor's approval."""

# level, approval when a new customer is proposed at it, approval when a customer is raised to it
DEFAULT_LEVEL_RULES = [("A", True, True), ("B", False, True), ("C", False, False), ("D", False, False)]


def ensure_default_level_rules(rule_model) -> None:
    """Create the rules that do not exist yet; never overwrite what an administrator set."""
    for level, on_registration, on_upgrade in DEFAULT_LEVEL_RULES:
        rule_model.objects.get_or_create(
            level=level, defaults={"on_registration": on_registration, "on_upgrade": on_upgrade}
        )
