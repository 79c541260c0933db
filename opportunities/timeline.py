from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.timeline import register_actions


class OpportunityAction(models.TextChoices):
    RECORDED = "opportunity.recorded", _("Recorded")
    RECEIVED = "opportunity.received", _("Received from a channel")
    ROUTED = "opportunity.routed", _("Routed")
    ATTACHED = "opportunity.attached", _("Document attached")
    QUALIFIED = "opportunity.qualified", _("Qualified")
    SURVEY_REQUESTED = "opportunity.survey_requested", _("Resource survey sent to EOMS")
    SURVEY_ANSWERED = "opportunity.survey_answered", _("Resource survey answered")
    SOLUTION_DESIGNED = "opportunity.solution_designed", _("Solution designed")
    QUOTED = "opportunity.quoted", _("Quoted")
    DISCOUNT_APPROVED = "opportunity.discount_approved", _("Discount approved")
    DISCOUNT_REFUSED = "opportunity.discount_refused", _("Discount refused")
    CUSTOMER_AGREED = "opportunity.customer_agreed", _("Customer accepted the quote")
    WON = "opportunity.won", _("Won: draft order created")
    LOST = "opportunity.lost", _("Lost")


register_actions(OpportunityAction)
