from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    name = "keyaccounts.inbox"
    label = "inbox"
    verbose_name = _("Inbox")

    def ready(self) -> None:
        from keyaccounts.core import registry

        from . import inbox, selectors

        registry.hooks.tasks_to_follow = inbox.inbox_tasks_to_follow
        registry.hooks.entries_follow = inbox.inbox_follow
        if inbox.inbox_clock_moved not in registry.hooks.clock_moved:
            registry.hooks.clock_moved.append(inbox.inbox_clock_moved)
        selectors.connect()
