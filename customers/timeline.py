from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.timeline import register_actions, register_values

from .models import ArchivingRequest, Customer, Level


class CustomerAction(models.TextChoices):
    DRAFT_CREATED = "customer.draft_created", _("Draft created")
    DRAFT_SAVED = "customer.draft_saved", _("Draft saved")
    SUBMITTED = "customer.submitted", _("Submitted for review")
    DUPLICATES_FOUND = "customer.duplicates_found", _("Possible duplicates found")
    REVIEWED = "customer.reviewed", _("Reviewed")
    LEVEL_DECIDED = "customer.level_decided", _("Level approval decided")
    CORRECTED = "customer.corrected", _("Corrected and resubmitted")
    ARCHIVED = "customer.archived", _("Archived")
    REJECTED = "customer.rejected", _("Registration rejected")
    CHANGE_REQUESTED = "customer.change_requested", _("Change of key fields requested")
    CHANGE_APPLIED = "customer.change_applied", _("Change of key fields applied")
    CHANGE_REJECTED = "customer.change_rejected", _("Change of key fields rejected")
    DETAILS_UPDATED = "customer.details_updated", _("Details updated")
    CLOSED = "customer.closed", _("Closed")
    REOPENED = "customer.reopened", _("Reopened")


_DECISION = "customers/timeline/decision.html"
_CHANGES = "customers/timeline/changes.html"
register_actions(
    CustomerAction,
    states=Customer.Status,
    templates={
        CustomerAction.SUBMITTED: _DECISION,
        CustomerAction.REVIEWED: _DECISION,
        CustomerAction.LEVEL_DECIDED: _DECISION,
        CustomerAction.ARCHIVED: _DECISION,
        CustomerAction.DUPLICATES_FOUND: "customers/timeline/duplicates.html",
        CustomerAction.CHANGE_APPLIED: _CHANGES,
        CustomerAction.DETAILS_UPDATED: _CHANGES,
    },
)
register_values("customers.level", Level)
register_values("customers.decision", ArchivingRequest.Decision)
