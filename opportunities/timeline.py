from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.timeline import register_actions, register_values

from .models import ApprovalLevel, Attachment, Opportunity, SurveyResult


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


register_actions(
    OpportunityAction,
    states=Opportunity.Status,
    templates={
        OpportunityAction.RECEIVED: "opportunities/timeline/received.html",
        OpportunityAction.ROUTED: "opportunities/timeline/routed.html",
        OpportunityAction.ATTACHED: "opportunities/timeline/attached.html",
        OpportunityAction.QUALIFIED: "opportunities/timeline/qualified.html",
        OpportunityAction.SURVEY_REQUESTED: "opportunities/timeline/survey.html",
        OpportunityAction.SURVEY_ANSWERED: "opportunities/timeline/survey.html",
        OpportunityAction.SOLUTION_DESIGNED: "opportunities/timeline/solution.html",
        OpportunityAction.QUOTED: "opportunities/timeline/quoted.html",
        OpportunityAction.DISCOUNT_APPROVED: "opportunities/timeline/approval.html",
        OpportunityAction.DISCOUNT_REFUSED: "opportunities/timeline/approval.html",
        OpportunityAction.WON: "opportunities/timeline/won.html",
        OpportunityAction.LOST: "opportunities/timeline/lost.html",
    },
)
register_values("opportunities.survey_result", SurveyResult)
register_values("opportunities.approval_level", ApprovalLevel)
register_values("opportunities.attachment_kind", Attachment.Kind)
