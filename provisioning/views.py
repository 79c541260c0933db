"""The SI partner portal, the peers' questions and the launch's human steps."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from viewflow.workflow.models import Task

from keyaccounts.core.access import deny
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.workflow import OPEN_STATUSES
from orders.elements import ElementsForm

from . import access
from .flows import SLA_STEPS, LaunchFlow
from .forms import (
    AnswerForm,
    CorrectionForm,
    CustomerAcceptanceForm,
    ManualForm,
    PortalFilterForm,
    ProgressForm,
    TestForm,
)
from .models import InformationRequest, Launch
from .selectors import products_of
from .services import (
    information_answer,
    launch_handle_failures,
    launch_items_to_correct,
    launch_record_customer_acceptance,
    launch_record_test,
    launch_send_back_corrected,
    work_order_report_progress,
)


@login_required
def si_portal(request):
    if not request.user.has_perm("provisioning.work_si_orders"):
        raise deny(request, "SI portal")
    if request.user.si_company_id is None:  # nothing can reach them: say so, never an empty list
        return render(request, "provisioning/si_portal.html", {"no_company": True})
    work_orders = access.si_work_orders(request.user)
    form = PortalFilterForm(request.GET, products=products_of(work_orders))
    page = Paginator(
        form.filter(work_orders)
        .select_related("order_item__product", "order_item__order__customer")
        .order_by("-created_at"),
        25,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "provisioning/si_portal.html",
        {"page": page, "form": form, "query": request.GET, "company": request.user.si_company},
    )


@login_required
def si_work_order(request, pk: int):
    work_order = (
        access.si_work_orders(request.user)
        .select_related("order_item__product", "order_item__order__customer")
        .filter(pk=pk)
        .first()
    )
    if work_order is None:
        deny(request, f"work order {pk} outside the partner's company")
        raise Http404
    form = ProgressForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            work_order_report_progress(
                user=request.user, work_order=work_order, state=data["state"], note=data["note"], report=data["report"]
            )
            messages.success(request, _("Progress recorded."))
            return redirect("provisioning:si_work_order", pk=pk)
        except ApplicationError as error:
            form.add_error(None, error.message)
    return render(
        request,
        "provisioning/si_work_order.html",
        {
            "work_order": work_order,
            "item": work_order.order_item,
            "form": form,
            "reports": work_order.reports.all(),
        },
    )


# Each human step: its form and what completes it (given the corrected elements by item, where the step
# corrects the failed items' elements).
LAUNCH_STEPS = {
    LaunchFlow.manual: (
        ManualForm,
        lambda user, task, d, corrections: launch_handle_failures(
            user=user, task_pk=task.pk, corrections=corrections, **d
        ),
    ),
    LaunchFlow.correction: (
        CorrectionForm,
        lambda user, task, d, corrections: launch_send_back_corrected(
            user=user, task_pk=task.pk, corrections=corrections, **d
        ),
    ),
    LaunchFlow.acceptance_test: (
        TestForm,
        lambda user, task, d, corrections: launch_record_test(user=user, task_pk=task.pk, **d),
    ),
    LaunchFlow.customer_acceptance: (
        CustomerAcceptanceForm,
        lambda user, task, d, corrections: launch_record_customer_acceptance(user=user, task_pk=task.pk, **d),
    ),
}
CORRECTING_STEPS = (LaunchFlow.manual, LaunchFlow.correction)


def _element_forms(launch, data) -> list[tuple]:
    """The failed items, each with its elements' form as the item's kept definition draws it, filled in."""
    return [
        (
            item,
            ElementsForm(
                data,
                product=item.product,
                definition=item.element_definition,
                prefix=f"item{item.pk}",
                initial={f"{item.product.code}__{code}": value for code, value in item.elements.items()},
            ),
        )
        for item in launch_items_to_correct(launch)
    ]


def _corrections(form, element_forms) -> dict | None:
    """The corrected elements by item when the step corrects them ({} when it does not), or None when some are
    not valid (the forms say which)."""
    if not isinstance(form, CorrectionForm) and form.cleaned_data.get("decision") != Launch.Decision.CORRECT:
        return {}
    if not all(elements.is_valid() for _item, elements in element_forms):
        form.add_error(None, _("Some elements are not valid; see the items below."))
        return None
    return {item.pk: elements.values() for item, elements in element_forms}


@login_required
def launch_task(request, pk: int, task_pk: int):
    """A human step of an order's service launch (manual handling, the account manager's correction, acceptance
    test, customer acceptance)."""

    from orders.views import _visible

    order = _visible(request, pk)
    launch = getattr(order, "launch", None)
    task = get_object_or_404(Task, pk=task_pk, process_id=launch.process_id if launch else None)
    if task.status not in OPEN_STATUSES:
        messages.info(request, _("This task was already completed or cancelled by someone else; nothing was changed."))
        return redirect("orders:detail", pk=pk)
    if not access.may_act_on_launch_task(request.user, task, order):
        raise deny(request, f"launch task {task_pk}")
    form_class, complete = LAUNCH_STEPS.get(task.flow_task, (None, None))
    if form_class is None:
        raise Http404
    data = request.POST if request.method == "POST" else None
    form = form_class(data)
    element_forms = _element_forms(launch, data) if task.flow_task in CORRECTING_STEPS else []
    if data is not None and form.is_valid():
        corrections = _corrections(form, element_forms)
        try:
            if corrections is not None:
                complete(request.user, task, form.cleaned_data, corrections)
                messages.success(request, _("Recorded."))
                return redirect("orders:detail", pk=pk)
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    items = order.items.select_related("product").prefetch_related("work_orders")
    return render(
        request,
        "provisioning/launch_task.html",
        {
            "order": order,
            "launch": launch,
            "task": task,
            "form": form,
            "items": items,
            "element_forms": element_forms,
            "step": SLA_STEPS.get(task.flow_task.name, ""),
        },
    )


@login_required
def information_request(request, pk: int):
    """A question a peer asked about a work order, answered by the city's provisioning team."""
    question = get_object_or_404(
        InformationRequest.objects.select_related(
            "work_order__order_item__order__customer", "work_order__order_item__product"
        ),
        pk=pk,
    )
    order = question.work_order.order_item.order
    if not access.may_handle_launch(request.user, order):
        raise deny(request, f"information request {pk}")
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            information_answer(user=request.user, question=question, answer=form.cleaned_data["answer"])
            messages.success(request, _("Answer sent to the peer."))
            return redirect("orders:detail", pk=order.pk)
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    return render(
        request, "provisioning/information_request.html", {"question": question, "order": order, "form": form}
    )
