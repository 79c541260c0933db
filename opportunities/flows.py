"""Opportunity management (商机管理): qualification → [EOMS survey] → [pre-sales solution] → quote →
[discount approval] → won (a draft order) or lost. The three bracketed branches make O1–O8.

Nodes only route; every write is a service in `services.py`. Human steps are completed from our own
pages through `keyaccounts.core.workflow.human_task`; the survey waits for EOMS's answer (a Handle).
"""

from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow

from keyaccounts.core.workflow import BaseFlow

from . import services
from .models import ApprovalLevel, Opportunity, OpportunityProcess, SurveyResult

# The SLA step each waiting node runs under.
SLA_STEPS = {
    "qualify": "opportunity.response",
    "survey": "opportunity.survey",
    "solution": "opportunity.solution",
    "quote": "opportunity.quote",
    "approve_city": "opportunity.approval",
    "approve_province": "opportunity.approval",
}


def open_task_page(request, **kwargs):
    return redirect("opportunities:detail", pk=request.activation.process.opportunity.pk)


def _opportunity(activation) -> Opportunity:
    return activation.process.opportunity


def _is_lost(activation) -> bool:
    return _opportunity(activation).lost_reason_id is not None


class OpportunityFlow(BaseFlow):
    process_class = OpportunityProcess
    process_title = _("Business opportunity")
    process_description = _("Qualify demand, survey and design where needed, quote, and win or lose it.")

    start = flow.StartHandle(this.link_opportunity).Annotation(title=_("Start")).Next(this.qualify)
    qualify = (
        flow.View(open_task_page)
        .Assign(lambda a: _opportunity(a).account_manager)
        .Permission("opportunities.change_opportunity")
        .Annotation(title=_("Qualify the opportunity"))
        .Next(this.after_qualify)
    )
    after_qualify = (
        flow.Switch()
        .Annotation(title=_("By the qualification"))
        .Case(this.lose, _is_lost)
        .Case(this.request_survey, lambda a: services.opportunity_plan(_opportunity(a)).survey)
        .Case(this.solution, lambda a: services.opportunity_plan(_opportunity(a)).solution)
        .Default(this.quote)
    )
    request_survey = flow.Function(this.send_survey).Annotation(title=_("Request the EOMS survey")).Next(this.survey)
    survey = (
        flow.Handle(this.record_survey).Annotation(title=_("Wait for the EOMS resource survey")).Next(this.after_survey)
    )
    after_survey = (
        flow.Switch()
        .Annotation(title=_("By the survey's result"))
        .Case(this.lose, lambda a: _opportunity(a).survey_result == SurveyResult.UNQUALIFIED)
        .Case(this.solution, lambda a: services.opportunity_plan(_opportunity(a)).solution)
        .Default(this.quote)
    )
    solution = (
        flow.View(open_task_page)
        .Permission("opportunities.design_solution")
        .Annotation(title=_("Design the customised solution"))
        .Next(this.quote)
    )
    quote = (
        flow.View(open_task_page)
        .Assign(lambda a: _opportunity(a).account_manager)
        .Annotation(title=_("Quote the price"))
        .Next(this.after_quote)
    )
    after_quote = (
        flow.Switch()
        .Annotation(title=_("By the discount"))
        .Case(this.lose, _is_lost)
        .Case(this.approve_province, lambda a: _opportunity(a).approval_level == ApprovalLevel.PROVINCE)
        .Case(this.approve_city, lambda a: _opportunity(a).approval_level == ApprovalLevel.CITY)
        .Default(this.close)
    )
    approve_city = (
        flow.View(open_task_page)
        .Permission("opportunities.approve_discount")
        .Annotation(title=_("Approve the discount (city)"))
        .Next(this.after_approval)
    )
    approve_province = (
        flow.View(open_task_page)
        .Permission("opportunities.approve_large_discount")
        .Annotation(title=_("Approve the discount (province)"))
        .Next(this.after_approval)
    )
    # A refused discount goes back to the account manager to quote again (or give up).
    after_approval = (
        flow.Switch()
        .Annotation(title=_("By the approval's decision"))
        .Case(this.close, lambda a: _opportunity(a).approval_decision == services.APPROVE)
        .Default(this.quote)
    )
    close = (
        flow.View(open_task_page)
        .Assign(lambda a: _opportunity(a).account_manager)
        .Annotation(title=_("Record the customer's answer"))
        .Next(this.after_close)
    )
    after_close = (
        flow.Switch().Annotation(title=_("By the customer's answer")).Case(this.lose, _is_lost).Default(this.win)
    )
    win = flow.Function(this.apply_win).Annotation(title=_("Mark as won")).Next(this.end)
    lose = flow.Function(this.apply_lose).Annotation(title=_("Mark as lost")).Next(this.end)
    end = flow.End().Annotation(title=_("End"))

    def link_opportunity(self, activation, opportunity: Opportunity):
        activation.process.save()
        opportunity.process = activation.process
        opportunity.save(update_fields=["process", "updated_at"])
        return activation.process

    def send_survey(self, activation):
        services.opportunity_send_survey(opportunity=_opportunity(activation))

    def record_survey(self, activation, result: str, note: str = ""):
        services.opportunity_record_survey(opportunity=_opportunity(activation), result=result, note=note)

    def apply_win(self, activation):
        services.opportunity_win(opportunity=_opportunity(activation))

    def apply_lose(self, activation):
        services.opportunity_lose(opportunity=_opportunity(activation))
