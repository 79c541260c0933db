from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.timeline import register_actions


class OpportunityAction(models.TextChoices):
    RECORDED = "opportunity.recorded", _("Recorded")
    RECEIVED = "opportunity.received", _("Received from a channel")
    ROUTED = "opportunity.routed", _("Routed")
    ATTACHED = "opportunity.attached", _("Document attached")


register_actions(OpportunityAction)
