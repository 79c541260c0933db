from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.timeline import register_actions, register_values

from .events import MessageEvent
from .models import Channel


class MessageAction(models.TextChoices):
    SENT = "message.sent", _("Message sent to the customer")
    DELIVERED = "message.delivered", _("Message delivered")
    RETRIED = "message.retried", _("Message not delivered: sent again")
    FAILED = "message.failed", _("Message not delivered")


register_actions(
    MessageAction,
    templates={
        MessageAction.SENT: "messaging/timeline/sent.html",
        MessageAction.DELIVERED: "messaging/timeline/delivery.html",
        MessageAction.RETRIED: "messaging/timeline/delivery.html",
        MessageAction.FAILED: "messaging/timeline/delivery.html",
    },
)
register_values("messaging.event", MessageEvent)
register_values("messaging.channel", Channel)
