"""What we tell customers about, and the placeholders each kind of message may use.

Messaging owns this list: the apps that send (assurance, later incidents and planned work) give the values; an
administrator writes the words, per channel and language, with these placeholders and no others.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageEvent(models.TextChoices):
    TICKET_ACKNOWLEDGED = "ticket_acknowledged", _("Ticket acknowledged")
    TICKET_PROGRESS = "ticket_progress", _("Progress update")
    TICKET_RESTORED = "ticket_restored", _("Service restored")
    CONFIRMATION_REQUESTED = "confirmation_requested", _("Please confirm")
    CUTOVER_NOTICE = "cutover_notice", _("Cutover notice")
    SURVEY_REQUESTED = "survey_requested", _("Satisfaction survey")


# Every message may greet its receiver.
COMMON_PLACEHOLDERS = {"contact": _("the contact's name"), "customer": _("the customer's name")}
TICKET_PLACEHOLDERS = {"number": _("the ticket's number"), "service": _("the affected service")}
PLACEHOLDERS: dict[str, dict] = {
    MessageEvent.TICKET_ACKNOWLEDGED: {**TICKET_PLACEHOLDERS, "restore_by": _("the promised time")},
    MessageEvent.TICKET_PROGRESS: {**TICKET_PLACEHOLDERS, "progress": _("what was done")},
    MessageEvent.TICKET_RESTORED: {**TICKET_PLACEHOLDERS, "resolution": _("the resolution")},
    MessageEvent.CONFIRMATION_REQUESTED: {**TICKET_PLACEHOLDERS, "resolution": _("the resolution")},
    MessageEvent.CUTOVER_NOTICE: {
        "reference": _("the cutover's reference"),
        "service": _("the affected services"),
        "window_start": _("the start of the window"),
        "window_end": _("the end of the window"),
    },
    MessageEvent.SURVEY_REQUESTED: {**TICKET_PLACEHOLDERS, "link": _("the survey's link")},
}


def placeholders_of(event: str) -> dict:
    """The placeholders a message of this kind may use (name -> what it holds), the common ones first."""
    return {**COMMON_PLACEHOLDERS, **PLACEHOLDERS.get(event, {})}
