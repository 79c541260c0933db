"""Thin pages of assurance: report a ticket from the customer page, the ticket with its timeline, its steps."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task

from customers.selectors import customer_get
from keyaccounts.catalogue.models import Service
from keyaccounts.core.access import deny, read_in_scope_or_404
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_for
from keyaccounts.core.workflow import OPEN_STATUSES
from sla.forms import PeriodForm
from sla.services import sla_statuses_for

from . import access, dashboard, services, surveys
from .clocks import PARTY_STEPS, waits_on_customer, where_time_went
from .flows import SLA_STEPS, TicketFlow
from .forms import (
    AnswerForm,
    DecisionForm,
    FollowUpForm,
    LevelForm,
    NoteForm,
    PauseEndForm,
    PendingEndForm,
    PendingForm,
    ReportForm,
    ResolveForm,
    SiProgressForm,
    SiResolveForm,
    SurveyForm,
    TicketAttachmentForm,
    TriageForm,
)
from .models import Severity, TicketAttachment, TroubleTicket
from .selectors import likely_duplicates, si_complaint_waiting, ticket_status_history
from .timeline import TicketAction


def _show_error(form, error: ApplicationError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _visible(request, pk: int):
    return read_in_scope_or_404(
        request,
        access.visible_tickets(request.user),
        pk,
        ("customer", "city", "account_manager", "contact", "si_company"),
    )


@login_required
def report(request, customer_pk: int):
    """The account manager reports a fault or a complaint of the customer."""
    customer = customer_get(request, customer_pk)
    if not access.may_report(request.user, customer):
        raise deny(request, f"report a ticket for customer {customer_pk}")
    form = ReportForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_report(
                user=request.user,
                customer=customer,
                report=services.Report(
                    type=data["type"],
                    description=data["description"],
                    services=tuple(data["services"]),
                    contact=data["contact"],
                    interruption=data["interruption"],
                ),
            )
        except ApplicationError as error:
            _show_error(form, error)
        else:
            if ticket.is_fault:
                messages.success(request, _("Fault reported: it has gone to EOMS."))
            else:
                messages.success(request, _("Reported: the assurance desk triages it."))
            return redirect("assurance:detail", pk=ticket.pk)
    return render(request, "assurance/report.html", {"customer": customer, "form": form})


def _task_rows(user, ticket) -> list[dict]:
    tasks = Task.objects.filter(process_id=ticket.process_id, status__in=OPEN_STATUSES, flow_task_type="HUMAN")
    return [
        {
            "task": task,
            "step": SLA_STEPS.get(task.flow_task.name, ""),
            "may_act": access.may_act_on_task(user, task, ticket),
            "url": reverse("assurance:task", args=[ticket.pk, task.pk]),
        }
        for task in tasks.select_related("owner").order_by("-created")
    ]


def _problem_of(user, ticket):
    """The incident the ticket is a child of, when the user may see it."""
    return access.visible_problems(user).filter(children__ticket=ticket).first()


@login_required
def ticket_detail(request, pk: int):
    ticket = _visible(request, pk)
    statuses = sla_statuses_for(ticket)
    may_note = access.may_note(request.user, ticket)
    return render(
        request,
        "assurance/ticket_detail.html",
        {
            "ticket": ticket,
            "services": ticket.services.select_related("product").order_by("pk"),
            "tasks": _task_rows(request.user, ticket),
            "questions": ticket.information_requests.all(),
            "notes": ticket.notes.select_related("author"),
            "note_form": NoteForm() if may_note else None,
            "attachments": ticket.attachments.select_related("uploaded_by"),
            "attachment_form": TicketAttachmentForm() if may_note else None,
            "level_form": LevelForm(initial={"severity": ticket.severity})
            if access.may_change_level(request.user, ticket)
            else None,
            "sla": statuses,
            **_clock_context(request.user, ticket, statuses),
            "events": timeline_for(ticket),
            "problem": _problem_of(request.user, ticket),
        },
    )


def _clock_context(user, ticket, statuses) -> dict:
    """Whose time it is: the customer's clocks with their running and paused time, the parties' held time, and
    the forms that set the ticket pending or end a pause."""
    may_pend = access.may_set_pending(user, ticket)
    waiting = waits_on_customer(ticket)
    return {
        "customer_clocks": [s for s in statuses if s.clock.step not in PARTY_STEPS.values()],
        "time_went": where_time_went(statuses),
        "pending_form": PendingForm() if may_pend and ticket.status != TroubleTicket.Status.PENDING else None,
        "pending_end_form": PendingEndForm() if may_pend and ticket.status == TroubleTicket.Status.PENDING else None,
        "pause_end_form": PauseEndForm() if waiting and access.may_end_pause(user, ticket) else None,
    }


@login_required
@require_POST
def note_add(request, pk: int):
    ticket = _visible(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_add_note(
                user=request.user, ticket=ticket, text=form.cleaned_data["text"], internal=form.cleaned_data["internal"]
            )
            messages.success(request, _("Note added."))
        except ApplicationError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Write the note."))
    return redirect("assurance:detail", pk=pk)


@login_required
@require_POST
def attachment_add(request, pk: int):
    """A document for the ticket, from its page; a refusal (a finished ticket, a file's type) says why."""
    ticket = _visible(request, pk)
    form = TicketAttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("assurance:detail", pk=pk)
    try:
        services.ticket_attach(
            user=request.user, ticket=ticket, upload=form.cleaned_data["file"], internal=form.cleaned_data["internal"]
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Document attached."))
    return redirect("assurance:detail", pk=pk)


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    """Files are served through the ticket's scope check, never from a public media URL."""
    ticket = _visible(request, pk)
    attachment = get_object_or_404(TicketAttachment, pk=attachment_pk, ticket=ticket)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
@require_POST
def level_change(request, pk: int):
    """A supervisor changes a fault's level with a reason; a refusal says why and changes nothing."""
    ticket = _visible(request, pk)
    if not access.may_change_level(request.user, ticket):
        raise deny(request, f"change the level of ticket {pk}")
    form = LevelForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("assurance:detail", pk=pk)
    try:
        services.ticket_change_level(user=request.user, ticket_pk=pk, **form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Level changed; the restoration is timed by the new level."))
    return redirect("assurance:detail", pk=pk)


def _ticket_form_post(request, pk: int, form_class, act, done: str):
    """A ticket-page form posted to its service: a refusal says why and changes nothing."""
    _visible(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("assurance:detail", pk=pk)
    try:
        act(**form.cleaned_data)
    except PermissionDenied:
        raise deny(request, f"change ticket {pk}") from None
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("assurance:detail", pk=pk)


@login_required
@require_POST
def pending_set(request, pk: int):
    """Whoever works the ticket sets it pending, on whose side and why."""
    return _ticket_form_post(
        request,
        pk,
        PendingForm,
        lambda **d: services.ticket_set_pending(user=request.user, ticket_pk=pk, **d),
        _("The ticket is pending."),
    )


@login_required
@require_POST
def pending_end(request, pk: int):
    return _ticket_form_post(
        request,
        pk,
        PendingEndForm,
        lambda **d: services.ticket_pending_end(user=request.user, ticket_pk=pk, **d),
        _("The ticket is worked again."),
    )


@login_required
@require_POST
def pause_end(request, pk: int):
    """A supervisor ends a pause on the customer's side."""
    return _ticket_form_post(
        request,
        pk,
        PauseEndForm,
        lambda **d: services.ticket_end_customer_pause(user=request.user, ticket_pk=pk, **d),
        _("The pause is ended: the ticket's time limits run again."),
    )


def _complete(node):
    """The form and the service of each person's step."""
    flow = TicketFlow
    if node is flow.triage:
        return TriageForm, lambda user, task, d: services.ticket_triage(user=user, task_pk=task.pk, **d)
    if node in (flow.handle, flow.handle_billing, flow.supervise_city, flow.supervise_province):
        return ResolveForm, lambda user, task, d: services.ticket_resolve(user=user, task_pk=task.pk, **d)
    if node in (flow.confirm, flow.callback):
        return DecisionForm, lambda user, task, d: services.ticket_record_decision(user=user, task_pk=task.pk, **d)
    if node is flow.give_information:
        return AnswerForm, lambda user, task, d: services.ticket_give_information(user=user, task_pk=task.pk, **d)
    return None, None


@login_required
def task_page(request, pk: int, task_pk: int):
    ticket = _visible(request, pk)
    task = get_object_or_404(Task, pk=task_pk, process_id=ticket.process_id)
    if task.status not in OPEN_STATUSES:
        messages.info(request, _("This task was already completed or cancelled by someone else; nothing was changed."))
        return redirect("assurance:detail", pk=pk)
    if task.owner_id not in (None, request.user.pk):
        messages.info(
            request, _("This task was taken by %(owner)s meanwhile; nothing was changed.") % {"owner": task.owner}
        )
        return redirect("assurance:detail", pk=pk)
    if not access.may_act_on_task(request.user, task, ticket):
        raise deny(request, f"ticket task {task_pk}")
    form_class, complete = _complete(task.flow_task)
    if form_class is None:
        raise Http404
    duplicates = (
        list(likely_duplicates(ticket).select_related("customer")[:20]) if task.flow_task is TicketFlow.triage else []
    )
    extra = {"duplicates": duplicates} if form_class is TriageForm else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        try:
            complete(request.user, task, form.cleaned_data)
        except ApplicationError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect("assurance:detail", pk=pk)
    return render(
        request,
        "assurance/task.html",
        {
            "ticket": ticket,
            "task": task,
            "form": form,
            "step": SLA_STEPS.get(task.flow_task.name, ""),
            "services": ticket.services.select_related("product").order_by("pk"),
            "duplicates": duplicates,
            "question": ticket.information_requests.filter(answered_at=None).last()
            if task.flow_task is TicketFlow.give_information
            else None,
        },
    )


# ---------------------------------------------------------------------------- satisfaction survey
def survey_page(request, token: str):
    """The customer's survey, reached from the message's link without logging in; answered once."""
    survey = surveys.survey_by_token(token)
    if survey is None:
        raise Http404
    questions = surveys.survey_questions()
    form = SurveyForm(request.POST or None, questions=questions)
    if survey.answered_at is None and request.method == "POST" and form.is_valid():
        try:
            surveys.survey_answer(token=token, scores=form.scores(), comment=form.cleaned_data["comment"])
        except ApplicationError as error:
            _show_error(form, error)
        else:
            return render(request, "assurance/survey.html", {"survey": survey, "thanks": True})
    answered = survey.answered_at is not None
    return render(
        request,
        "assurance/survey.html",
        {
            "survey": survey,
            "form": None if answered else form,
            "refusal": surveys.SurveyAnsweredError().message if answered else "",
        },
    )


@login_required
def follow_up_page(request, pk: int, task_pk: int):
    """The city supervisor records what was done about a low satisfaction score."""
    ticket = _visible(request, pk)
    task = get_object_or_404(Task, pk=task_pk, process__survey__ticket=ticket)
    survey = ticket.survey
    if task.status not in OPEN_STATUSES:
        messages.info(request, _("This task was already completed or cancelled by someone else; nothing was changed."))
        return redirect("assurance:detail", pk=pk)
    if not surveys.may_follow_up(request.user, survey):
        raise deny(request, f"survey follow-up task {task_pk}")
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            surveys.survey_follow_up(user=request.user, task_pk=task.pk, notes=form.cleaned_data["notes"])
        except ApplicationError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect("assurance:detail", pk=pk)
    return render(
        request,
        "assurance/follow_up.html",
        {
            "ticket": ticket,
            "task": task,
            "survey": survey,
            "answers": survey.answers.select_related("question"),
            "form": form,
        },
    )


TICKETS_PER_PAGE = 50


@login_required
def ticket_list(request):
    """The tickets behind a figure of the dashboard's assurance section: the same period, scope and filters."""
    user = request.user
    if not user.has_perm("sla.view_dashboard"):
        raise deny(request, "sla.view_dashboard")
    form = PeriodForm(request.GET, user=user)
    if form.refused_city:  # another city's tickets stay unknown
        deny(request, "assurance tickets of a city outside scope")
        raise Http404
    figure = request.GET.get("figure", "")
    if figure not in dashboard.FIGURE_TITLES:
        raise Http404

    def number(name):
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else None

    level = request.GET.get("level", "")
    tickets = dashboard.figure_tickets(
        user,
        figure,
        form.period,
        city_id=form.city_id,
        level=level if level in Severity.values else "",
        product=number("product"),
        service=number("service"),
    ).select_related("customer", "city", "survey")
    page = Paginator(tickets.order_by("-created_at", "-pk"), TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assurance/ticket_list.html",
        {"title": dashboard.FIGURE_TITLES[figure], "period": form.period, "page": page, "query": request.GET},
    )


# ---------------------------------------------------------------------------- the SI portal's complaint orders
# The status lines whose words the partner reads: its own, and why the customer rejected a resolution.
PARTNER_READS = {TicketAction.SI_PROGRESS, TicketAction.RESOLVED, TicketAction.CUSTOMER_REJECTED}


@login_required
def si_complaints(request):
    """The complaints routed to the partner's SI company, and nothing else."""
    if not request.user.has_perm("assurance.work_si_complaints"):
        raise deny(request, "SI portal complaints")
    if request.user.si_company_id is None:  # nothing can reach them: say so, never an empty list
        return render(request, "assurance/si_complaints.html", {"no_company": True})
    tickets = (
        access.si_complaints(request.user)
        .select_related("customer")
        .prefetch_related(Prefetch("services", queryset=Service.objects.select_related("product").order_by("pk")))
        .order_by("-created_at")
    )
    page = Paginator(tickets, 25).get_page(request.GET.get("page"))
    return render(request, "assurance/si_complaints.html", {"page": page, "company": request.user.si_company})


@login_required
def si_complaint(request, pk: int):
    """One complaint order: the partner records progress or proposes the resolution."""
    ticket = access.si_complaints(request.user).select_related("customer", "resolution_code").filter(pk=pk).first()
    if ticket is None:
        deny(request, f"complaint {pk} outside the partner's company")
        raise Http404
    waiting = si_complaint_waiting(ticket)
    progress = SiProgressForm(request.POST if "progress" in request.POST else None, initial={"state": ticket.status})
    resolve = SiResolveForm(request.POST if "resolve" in request.POST else None)
    for form, complete in (
        (progress, lambda d: services.si_complaint_report_progress(user=request.user, ticket_pk=pk, **d)),
        (resolve, lambda d: services.si_complaint_resolve(user=request.user, ticket_pk=pk, **d)),
    ):
        if form.is_bound and form.is_valid():
            try:
                complete(form.cleaned_data)
            except ApplicationError as error:
                _show_error(form, error)
            else:
                messages.success(request, _("Recorded."))
                return redirect("assurance:si_complaint", pk=pk)
    return render(
        request,
        "assurance/si_complaint.html",
        {
            "ticket": ticket,
            "services": ticket.services.select_related("product").order_by("pk"),
            "waiting": waiting,
            "progress_form": progress,
            "resolve_form": resolve,
            "history": [
                (line, line.reason if line.action in PARTNER_READS else "") for line in ticket_status_history(ticket)
            ],
        },
    )
