"""Customer archiving (客户建档): duplicate check → review → correction loop → level approval → archived.

Nodes only route; every write is a service in `services.py`. Human steps are completed from our
own pages through `keyaccounts.core.workflow.human_task`; the View nodes' own view only sends a
user who follows a viewflow link to that page.
"""

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from keyaccounts.core.workflow import BaseFlow

from . import services
from .models import ArchivingProcess, ArchivingRequest

Decision = ArchivingRequest.Decision

# The SLA step each waiting node runs under (the SLA engine attaches limits to these names).
SLA_STEPS = {"review": "customer.review", "correct": "customer.correction", "approve": "customer.approval"}


def open_task_page(request, **kwargs):
    return redirect("customers:detail", pk=request.activation.process.archiving_request.customer_id)


def _request(activation) -> ArchivingRequest:
    return activation.process.archiving_request


class ArchivingFlow(BaseFlow):
    process_class = ArchivingProcess
    process_title = _("Customer archiving")
    process_description = _("Register a key-account customer, or change its key fields, under review.")

    start = flow.StartHandle(this.link_request).Annotation(title=_("Start")).Next(this.check_duplicates)
    check_duplicates = flow.Function(this.find_duplicates).Annotation(title=_("Check for duplicates")).Next(this.review)
    review = (
        flow.View(open_task_page)
        .Permission("customers.review_customer")
        .Annotation(title=_("Review the customer record"))
        .Next(this.after_review)
    )
    after_review = (
        flow.Switch()
        .Annotation(title=_("By the review's decision"))
        .Case(this.correct, lambda a: _request(a).review_decision == Decision.RETURN)
        .Case(this.reject, lambda a: _request(a).review_decision == Decision.REJECT)
        .Case(this.approve, lambda a: _request(a).needs_approval)
        .Default(this.archive)
    )
    correct = (
        flow.View(open_task_page)
        .Assign(lambda a: _request(a).requested_by)
        .Annotation(title=_("Correct and resubmit the customer record"))
        .Next(this.check_duplicates)
    )
    approve = (
        flow.View(open_task_page)
        .Permission("customers.approve_customer_level")
        .Annotation(title=_("Approve the customer level"))
        .Next(this.after_approval)
    )
    after_approval = (
        flow.Switch()
        .Annotation(title=_("By the approval's decision"))
        .Case(this.archive, lambda a: _request(a).approval_decision == Decision.APPROVE)
        .Case(this.correct, lambda a: _request(a).approval_decision == Decision.RETURN)
        .Default(this.reject)
    )
    archive = flow.Function(this.apply_archive).Annotation(title=_("Archive the customer")).Next(this.end)
    reject = flow.Function(this.apply_reject).Annotation(title=_("Reject the customer record")).Next(this.end)
    end = flow.End().Annotation(title=_("End"))

    def link_request(self, activation, archiving_request: ArchivingRequest):
        activation.process.save()
        archiving_request.process = activation.process
        archiving_request.save(update_fields=["process", "updated_at"])
        return activation.process

    def find_duplicates(self, activation):
        services.archiving_request_record_duplicates(archiving_request=_request(activation))

    def apply_archive(self, activation):
        services.archiving_request_archive(archiving_request=_request(activation))

    def apply_reject(self, activation):
        services.archiving_request_reject(archiving_request=_request(activation))
