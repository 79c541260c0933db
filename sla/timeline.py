from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.timeline import register_actions


class SlaAction(models.TextChoices):
    WARNED = "sla.warned", _("SLA warning")
    BREACHED = "sla.breached", _("SLA breached")
    ESCALATED = "sla.escalated", _("Escalated")


register_actions(SlaAction)
