"""Errors a user can cause and must be told about in plain words (services raise, views show)."""

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A refused action: `message` is shown to the user as it is, and nothing was saved."""

    def __init__(self, message, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class StaleRecordError(ApplicationError):
    def __init__(self):
        super().__init__(
            _("Someone else changed this record while you were editing it. Reload the page to see their changes.")
        )


class TaskClosedError(ApplicationError):
    def __init__(self):
        super().__init__(_("This task was already completed or cancelled by someone else; nothing was changed."))


class TaskTakenError(ApplicationError):
    def __init__(self, owner):
        super().__init__(_("This task was taken by %(owner)s meanwhile; nothing was changed.") % {"owner": owner})
