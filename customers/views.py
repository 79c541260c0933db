"""Thin pages of customer archiving: validate a form, call a service, show the outcome."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task

from keyaccounts.catalogue.models import Service
from keyaccounts.core.access import deny
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import City
from keyaccounts.core.timeline import timeline_for
from sla.selectors import open_quality_violations_of
from sla.services import sla_statuses_for

from . import access, selectors, services
from .business import business_of
from .flows import SLA_STEPS, ArchivingFlow
from .forms import (
    ChangeRequestForm,
    ContactFormSet,
    CustomerForm,
    DecisionForm,
    DetailsForm,
    ReasonForm,
    contact_initial,
    contacts_from,
)
from .models import ArchivingRequest, Customer, Level
from .timeline import CustomerAction


def _show_error(form, error: ApplicationError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@login_required
def customer_list(request):
    if not request.user.has_perm("customers.view_customer"):
        raise deny(request, "customers.view_customer")
    get = request.GET
    filters = {
        "city_id": get.get("city"),
        "level": get.get("level"),
        "status": get.get("status"),
        "account_manager_id": get.get("account_manager"),
    }
    customers = selectors.customer_list(request.user, search=get.get("q", "").strip(), filters=filters)
    page = Paginator(customers, 25).get_page(get.get("page"))
    return render(
        request,
        "customers/customer_list.html",
        {
            "page": page,
            "query": get,
            "cities": City.objects.all(),
            "levels": Level.choices,
            "statuses": Customer.Status.choices,
            "may_register": access.may_register(request.user),
        },
    )


@login_required
def customer_create(request):
    if not access.may_register(request.user):
        raise deny(request, "register customers")
    # A prospect from an opportunity (E1) arrives with its name filled in.
    form = CustomerForm(request.POST or None, initial={"name": request.GET.get("name", "")[:200]})
    contacts = ContactFormSet(request.POST or None, prefix="contacts")
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        try:
            if "submit" in request.POST:
                archiving_request = services.customer_register(
                    user=request.user, fields=form.record_fields(), contacts=contacts_from(contacts)
                )
                messages.success(request, _("Submitted for review. You will be told of the decision."))
                return redirect("customers:detail", pk=archiving_request.customer_id)
            customer = services.customer_save_draft(
                user=request.user, fields=form.record_fields(), contacts=contacts_from(contacts)
            )
            messages.success(request, _("Draft saved. You can come back to it from your home page."))
            return redirect("customers:edit", pk=customer.pk)
        except ApplicationError as error:
            _show_error(form, error)
    return render(request, "customers/customer_form.html", {"form": form, "contacts": contacts, "is_new": True})


@login_required
def customer_edit(request, pk: int):
    customer = selectors.customer_get(request, pk)
    if customer.status == Customer.Status.VALIDATED:
        return _change_request(request, customer)
    if not access.may_edit_draft(request.user, customer):
        raise deny(request, f"edit customer {pk}")
    form = CustomerForm(request.POST or None, instance=customer, initial={"version": customer.version})
    contacts = ContactFormSet(request.POST or None, prefix="contacts", initial=contact_initial(customer))
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        version = form.cleaned_data["version"]
        try:
            with transaction.atomic():
                customer = services.customer_save_draft(
                    user=request.user,
                    customer=customer,
                    version=version,
                    fields=form.record_fields(),
                    contacts=contacts_from(contacts),
                )
                if "submit" in request.POST:
                    services.customer_submit(user=request.user, customer=customer, version=customer.version)
            if "submit" in request.POST:
                messages.success(request, _("Submitted for review. You will be told of the decision."))
                return redirect("customers:detail", pk=customer.pk)
            messages.success(request, _("Draft saved."))
            return redirect("customers:edit", pk=customer.pk)
        except ApplicationError as error:
            customer.refresh_from_db()
            _show_error(form, error)
    return render(request, "customers/customer_form.html", {"form": form, "contacts": contacts, "customer": customer})


def _change_request(request, customer: Customer):
    if not access.may_request_change(request.user, customer):
        raise deny(request, f"change customer {customer.pk}")
    initial = {
        "name": customer.name,
        "credit_code": customer.credit_code,
        "level": customer.level,
        "version": customer.version,
    }
    form = ChangeRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.customer_request_change(
                user=request.user,
                customer=customer,
                version=data["version"],
                reason=data["reason"],
                changes={k: data[k] for k in services.KEY_FIELDS},
            )
            messages.success(request, _("The change was sent for review; the record keeps its values until then."))
            return redirect("customers:detail", pk=customer.pk)
        except ApplicationError as error:
            _show_error(form, error)
    return render(request, "customers/change_request.html", {"form": form, "customer": customer})


@login_required
def customer_details_update(request, pk: int):
    """Address, industry, size and contacts of an archived customer: no review needed, on the timeline."""
    customer = selectors.customer_get(request, pk)
    if not access.may_request_change(request.user, customer):
        raise deny(request, f"update customer {pk}")
    form = DetailsForm(request.POST or None, instance=customer, initial={"version": customer.version})
    contacts = ContactFormSet(request.POST or None, prefix="contacts", initial=contact_initial(customer))
    if request.method == "POST" and form.is_valid() and contacts.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.customer_update_details(
                user=request.user,
                customer=customer,
                version=form.cleaned_data["version"],
                fields=fields,
                contacts=contacts_from(contacts),
            )
            messages.success(request, _("Details updated."))
            return redirect("customers:detail", pk=pk)
        except ApplicationError as error:
            customer.refresh_from_db()
            _show_error(form, error)
    return render(request, "customers/details_form.html", {"form": form, "contacts": contacts, "customer": customer})


@login_required
def customer_detail(request, pk: int):
    customer = selectors.customer_get(request, pk)
    user = request.user
    tasks = [
        {"task": task, "step": SLA_STEPS.get(task.flow_task.name, ""), "may_act": _may_act(user, task)}
        for task in selectors.archiving_open_tasks(customer)
    ]
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "contacts": customer.contacts.all(),
            "requests": customer.archiving_requests.select_related("requested_by")[:10],
            "sla": sla_statuses_for(*customer.archiving_requests.all()[:5]),
            "tasks": tasks,
            "events": selectors.customer_story(user, customer),
            "may_edit": access.may_edit_draft(user, customer) or access.may_request_change(user, customer),
            "may_update_details": access.may_request_change(user, customer),
            "may_close": access.may_close_or_reopen(user, customer),
            **business_of(user, customer),
            "services": customer.services.filter(status=Service.Status.ACTIVE).select_related("product"),
            "quality_violations": open_quality_violations_of(customer),
            "may_order": customer.status == Customer.Status.VALIDATED and customer.account_manager_id == user.pk,
            "reason_form": ReasonForm(),
        },
    )


def _may_act(user, task: Task) -> bool:
    customer = task.process.archiving_request.customer
    node = task.flow_task
    if node is ArchivingFlow.review:
        return access.may_review(user, customer) and task.owner_id in (None, user.pk)
    if node is ArchivingFlow.approve:
        return access.may_approve(user, customer) and task.owner_id in (None, user.pk)
    return task.owner_id == user.pk


@login_required
def task_page(request, pk: int, task_pk: int):
    customer = selectors.customer_get(request, pk)
    task = get_object_or_404(Task, pk=task_pk, process__archiving_request__customer=customer)
    archiving_request = task.process.archiving_request
    node = task.flow_task
    if task.status not in selectors.OPEN:
        messages.info(request, _("This task was already completed or cancelled by someone else; nothing was changed."))
        return redirect("customers:detail", pk=customer.pk)
    if task.owner_id not in (None, request.user.pk) and node is not ArchivingFlow.correct:
        messages.info(
            request, _("This task was taken by %(owner)s meanwhile; nothing was changed.") % {"owner": task.owner}
        )
        return redirect("customers:detail", pk=customer.pk)
    if not _may_act(request.user, task):
        raise deny(request, f"task {task_pk}")
    if node is ArchivingFlow.correct:
        return _correct(request, customer, task, archiving_request)
    if node not in (ArchivingFlow.review, ArchivingFlow.approve):
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = services.archiving_review if node is ArchivingFlow.review else services.archiving_approve
        try:
            decide(
                user=request.user,
                task_pk=task.pk,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Decision recorded."))
            return redirect("customers:detail", pk=customer.pk)
        except ApplicationError as error:
            _show_error(form, error)
    return render(
        request,
        "customers/task_decision.html",
        {
            "customer": customer,
            "task": task,
            "form": form,
            "archiving_request": archiving_request,
            "duplicates": selectors.duplicates_of(archiving_request),
            "contacts": customer.contacts.all(),
            "is_approval": node is ArchivingFlow.approve,
        },
    )


def _correct(request, customer: Customer, task: Task, archiving_request: ArchivingRequest):
    is_change = archiving_request.kind == ArchivingRequest.Kind.CHANGE
    if is_change:
        initial = {
            **{"name": customer.name, "credit_code": customer.credit_code, "level": customer.level},
            **archiving_request.proposed_changes,
            "reason": archiving_request.reason,
            "version": customer.version,
        }
        form = ChangeRequestForm(request.POST or None, initial=initial)
        contacts = None
    else:
        form = CustomerForm(request.POST or None, instance=customer, initial={"version": customer.version})
        contacts = ContactFormSet(request.POST or None, prefix="contacts", initial=contact_initial(customer))
    if request.method == "POST" and form.is_valid() and (contacts is None or contacts.is_valid()):
        data = form.cleaned_data
        try:
            services.archiving_correct(
                user=request.user,
                task_pk=task.pk,
                version=data.get("version"),
                fields=data if is_change else form.record_fields(),
                contacts=None if is_change else contacts_from(contacts),
                reason=data.get("reason", ""),
            )
            messages.success(request, _("Corrected and sent back for review."))
            return redirect("customers:detail", pk=customer.pk)
        except ApplicationError as error:
            _show_error(form, error)
    return render(
        request,
        "customers/task_correct.html",
        {
            "customer": customer,
            "task": task,
            "form": form,
            "contacts": contacts,
            "archiving_request": archiving_request,
            "returned": next(
                (
                    event
                    for event in reversed(timeline_for(customer))
                    if event.action in (CustomerAction.REVIEWED, CustomerAction.LEVEL_DECIDED)
                ),
                None,
            ),
        },
    )


@login_required
@require_POST
def customer_close_or_reopen(request, pk: int, action: str):
    customer = selectors.customer_get(request, pk)
    form = ReasonForm(request.POST)
    service = {"close": services.customer_close, "reopen": services.customer_reopen}.get(action)
    if service is None:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("Say why."))
        return redirect("customers:detail", pk=pk)
    try:
        service(user=request.user, customer=customer, reason=form.cleaned_data["reason"])
        messages.success(request, _("Customer closed.") if action == "close" else _("Customer reopened."))
    except PermissionDenied:
        raise deny(request, f"{action} customer {pk}") from None
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("customers:detail", pk=pk)
