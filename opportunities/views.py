"""Thin pages of opportunity management: validate a form, call a service, show the outcome."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from keyaccounts.core.access import deny, get_in_scope_or_404
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_for
from keyaccounts.core.workflow import OPEN_STATUSES
from orders.selectors import order_of_opportunity
from sla.services import sla_statuses_for

from . import access, selectors, services
from .flows import SLA_STEPS, OpportunityFlow
from .forms import (
    AttachmentForm,
    DiscountDecisionForm,
    GiveUpForm,
    OpportunityForm,
    QualifyForm,
    QuoteForm,
    SolutionForm,
    WonForm,
)
from .models import Attachment, Opportunity

F = OpportunityFlow


@login_required
def opportunity_list(request):
    if not request.user.has_perm("opportunities.view_opportunity"):
        raise deny(request, "opportunities.view_opportunity")
    opportunities = access.visible_opportunities(request.user).select_related(
        "customer", "city", "account_manager", "channel"
    )
    view = request.GET.get("view", "mine")
    if view == "mine":
        opportunities = opportunities.filter(account_manager=request.user)
    elif view == "queue":
        opportunities = opportunities.filter(account_manager__isnull=True)
    page = Paginator(opportunities.order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "opportunities/opportunity_list.html",
        {
            "page": page,
            "view": view,
            "query": request.GET,
            "may_record": access.may_record(request.user),
        },
    )


@login_required
def pipeline(request):
    if not request.user.has_perm("opportunities.view_opportunity"):
        raise deny(request, "opportunities.view_opportunity")
    return render(request, "opportunities/pipeline.html", selectors.pipeline_for(request.user))


@login_required
def opportunity_create(request):
    if not access.may_record(request.user):
        raise deny(request, "record opportunities")
    form = OpportunityForm(request.POST or None, user=request.user, initial={"customer": request.GET.get("customer")})
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_record(user=request.user, data=form.to_input())
            messages.success(request, _("Opportunity %(number)s recorded.") % {"number": opportunity.number})
            return redirect("opportunities:detail", pk=opportunity.pk)
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    return render(request, "opportunities/opportunity_form.html", {"form": form})


def _visible(request, pk: int) -> Opportunity:
    return get_in_scope_or_404(
        request,
        Opportunity.objects.select_related("customer", "city", "account_manager", "channel"),
        access.visible_opportunities(request.user),
        pk,
    )


@login_required
def opportunity_detail(request, pk: int):
    opportunity = _visible(request, pk)
    may_attach = access.may_work_on(request.user, opportunity)
    form = AttachmentForm(request.POST or None, request.FILES or None) if may_attach else None
    if request.method == "POST":
        if form is None:
            raise deny(request, f"attach to opportunity {pk}")
        if form.is_valid():
            services.opportunity_attach(
                user=request.user,
                opportunity=opportunity,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
            messages.success(request, _("Document attached."))
            return redirect("opportunities:detail", pk=pk)
    tasks = Task.objects.filter(process_id=opportunity.process_id, status__in=OPEN_STATUSES).select_related("owner")
    return render(
        request,
        "opportunities/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "products": opportunity.products.all(),
            "plan": services.opportunity_plan(opportunity),
            "quote_lines": opportunity.quote_lines.select_related("product"),
            "order": getattr(opportunity, "order", None),
            "tasks": [
                {
                    "task": t,
                    "step": SLA_STEPS.get(t.flow_task.name, ""),
                    "may_act": _may_act(request.user, t, opportunity),
                }
                for t in tasks
            ],
            "sla": sla_statuses_for(opportunity),
            "events": timeline_for(opportunity),
            "attachments": opportunity.attachments.select_related("uploaded_by").order_by("created_at"),
            "attachment_form": form,
        },
    )


def _may_act(user, task: Task, opportunity: Opportunity) -> bool:
    node = task.flow_task
    if task.owner_id not in (None, user.pk):
        return False
    if node in (F.qualify, F.quote, F.close):
        return access.may_work_on(user, opportunity)
    if node is F.solution:
        return access.may_design_solution(user, opportunity)
    if node in (F.approve_city, F.approve_province):
        return access.may_approve_discount(user, opportunity)
    return False  # the survey waits for EOMS


@login_required
def task_page(request, pk: int, task_pk: int):
    """One page per human step; each form posts to the step's service, which checks again under the lock."""
    opportunity = _visible(request, pk)
    task = get_object_or_404(Task, pk=task_pk, process_id=opportunity.process_id)
    if task.status not in OPEN_STATUSES:
        messages.info(request, _("This task was already completed or cancelled by someone else; nothing was changed."))
        return redirect("opportunities:detail", pk=pk)
    if task.owner_id not in (None, request.user.pk):
        messages.info(
            request, _("This task was taken by %(owner)s meanwhile; nothing was changed.") % {"owner": task.owner}
        )
        return redirect("opportunities:detail", pk=pk)
    if not _may_act(request.user, task, opportunity):
        raise deny(request, f"opportunity task {task_pk}")
    node = task.flow_task
    post = request.POST if request.method == "POST" else None
    may_give_up = node in (F.qualify, F.quote, F.close)
    give_up = GiveUpForm(post if post and "give_up" in post else None) if may_give_up else None
    if node is F.qualify:
        form = QualifyForm(None if give_up and give_up.is_bound else post, user=request.user, opportunity=opportunity)
    elif node is F.solution:
        form = SolutionForm(post)
    elif node is F.quote:
        form = QuoteForm(None if give_up and give_up.is_bound else post, opportunity=opportunity)
    elif node in (F.approve_city, F.approve_province):
        form = DiscountDecisionForm(post)
    elif node is F.close:
        form = WonForm(None if give_up and give_up.is_bound else post)
    else:
        raise Http404
    active = give_up if give_up is not None and give_up.is_bound else form
    if post is not None and active.is_valid():
        try:
            _complete(request.user, task, node, active)
            messages.success(request, _done_message(opportunity, node))
            return redirect("opportunities:detail", pk=pk)
        except ApplicationError as error:
            active.add_error(error.field if error.field in active.fields else None, error.message)
    return render(
        request,
        "opportunities/task.html",
        {
            "opportunity": opportunity,
            "task": task,
            "form": form,
            "step": SLA_STEPS.get(node.name, ""),
            "give_up": give_up,
            "plan": services.opportunity_plan(opportunity),
            "quote": selectors.quote_summary(opportunity),
            "products": opportunity.products.all(),
            "is_approval": node in (F.approve_city, F.approve_province),
            "refused": selectors.discount_refusal(opportunity) if node is F.quote else None,
        },
    )


def _done_message(opportunity: Opportunity, node) -> str:
    """What the step did; a win names its draft order, with a link to complete it."""
    order = order_of_opportunity(opportunity) if node is F.close else None
    if order is None:
        return _("Done. %(number)s moved on.") % {"number": opportunity.number}
    link = format_html(
        '<a class="alert-link" href="{}" data-testid="draft-order-link">{}</a>',
        reverse("orders:edit", args=[order.pk]),
        order.number,
    )
    return format_html(_("Won. Draft order {order} was created: complete its elements and submit it."), order=link)


def _complete(user, task: Task, node, form) -> None:
    data = form.cleaned_data
    if isinstance(form, GiveUpForm):
        services.opportunity_give_up(user=user, task_pk=task.pk, lost_reason=data["lost_reason"], note=data["note"])
    elif node is F.qualify:
        services.opportunity_qualify(user=user, task_pk=task.pk, **data)
    elif node is F.solution:
        services.opportunity_design_solution(
            user=user, task_pk=task.pk, summary=data["summary"], si_company=data["si_company"]
        )
    elif node is F.quote:
        services.opportunity_quote(user=user, task_pk=task.pk, lines=form.lines(), justification=data["justification"])
    elif node is F.close:
        services.opportunity_mark_won(user=user, task_pk=task.pk, note=data["note"])
    else:
        services.opportunity_decide_discount(
            user=user, task_pk=task.pk, decision=data["decision"], reason=data["reason"]
        )


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    """Files are served through the scope check, never from a public media URL."""
    opportunity = _visible(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, opportunity=opportunity)
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.file.name.rsplit("/", 1)[-1]
    )
