"""Thin pages of order management: validate forms, call a service, show the outcome."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task

from customers.access import visible_customers
from customers.models import Customer
from keyaccounts.catalogue.models import Service
from keyaccounts.core.access import deny, get_in_scope_or_404, read_in_scope_or_404
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.registry import process_of
from keyaccounts.core.timeline import timeline_for
from keyaccounts.core.workflow import OPEN_STATUSES
from sla.services import sla_statuses_for

from . import access, services
from .elements import ElementsForm
from .flows import CANCELLATION_SLA_STEPS, SLA_STEPS, OrderCancellationFlow, OrderFlow
from .forms import (
    AddItemForm,
    AttachmentForm,
    BillingAccountForm,
    CancellationDecisionForm,
    CancellationForm,
    DecisionForm,
    ItemQuantityForm,
    NewOrderForm,
    OrderHeaderForm,
)
from .fulfilment import fulfilment
from .models import Order, OrderAttachment, OrderCancellation, OrderItem


def _visible(request, pk: int, *, shown: bool = True) -> Order:
    """`shown`: the page shows the order (its header's relations read with it); a decision redirects instead."""
    visible = access.visible_orders(request.user)
    if shown:  # what the pages show
        return read_in_scope_or_404(request, visible, pk, ("customer", "account_manager", "billing_account", "launch"))
    return get_in_scope_or_404(request, Order.objects.all(), visible, pk)


def _show_error(form, error: ApplicationError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
def order_list(request):
    if not request.user.has_perm("orders.view_order"):
        raise deny(request, "orders.view_order")
    view = request.GET.get("view", "mine")
    orders = access.visible_orders(request.user).select_related("customer", "city", "account_manager")
    if view == "mine":
        orders = orders.filter(account_manager=request.user)
    status = request.GET.get("status")
    if status:
        orders = orders.filter(status=status)
    page = Paginator(orders.order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/order_list.html",
        {
            "page": page,
            "view": view,
            "query": request.GET,
            "statuses": Order.Status.choices,
            "may_enter": access.may_enter(request.user),
        },
    )


@login_required
def order_new(request):
    if not access.may_enter(request.user):
        raise deny(request, "enter orders")
    form = NewOrderForm(request.POST or None, user=request.user, initial={"customer": request.GET.get("customer")})
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_create(
                user=request.user,
                customer=form.cleaned_data["customer"],
                items=[services.ItemInput(product=p) for p in form.cleaned_data["products"]],
            )
            messages.success(
                request, _("Draft %(number)s created: fill in the order elements.") % {"number": order.number}
            )
            return redirect("orders:edit", pk=order.pk)
        except ApplicationError as error:
            _show_error(form, error)
    return render(request, "orders/order_new.html", {"form": form})


def _item_forms(order: Order, data, *, partial: bool) -> list[tuple[OrderItem, ElementsForm, ItemQuantityForm]]:
    forms = []
    for item in order.items.select_related("product", "service"):
        initial = {f"{item.product.code}__{k}": v for k, v in item.elements.items()}
        forms.append(
            (
                item,
                ElementsForm(data, product=item.product, partial=partial, prefix=f"item{item.pk}", initial=initial),
                ItemQuantityForm(data, item=item),
            )
        )
    return forms


@login_required
def order_edit(request, pk: int):
    """The draft: header, one element form per item (grouped by the five categories), add/remove items."""
    order = _visible(request, pk)
    if not access.may_change(request.user, order):
        raise deny(request, f"edit order {pk}")
    post = request.POST if request.method == "POST" else None
    submitting = post is not None and "submit" in post
    header = OrderHeaderForm(post, instance=order, initial={"version": order.version})
    items = _item_forms(order, post, partial=not submitting)
    add_form = AddItemForm(post if post and "add_item" in post else None)
    if post is not None:
        outcome = _edit_post(request, order, post, header, items, add_form, submitting)
        if outcome is not None:
            return outcome
    return render(
        request,
        "orders/order_edit.html",
        {
            "order": order,
            "header": header,
            "items": items,
            "add_form": add_form,
            "correcting": order.status == Order.Status.PENDING,
            "has_accounts": header.fields["billing_account"].queryset.exists(),
        },
    )


def _edit_post(request, order, post, header, items, add_form, submitting):
    user = request.user
    try:
        if "abandon" in post:
            services.order_abandon(user=user, task_pk=_correction_task(order).pk, reason=post.get("abandon_reason", ""))
            messages.success(request, _("Order abandoned."))
            return redirect("orders:detail", pk=order.pk)
        if "discard" in post:
            services.order_discard_draft(user=user, order=order, version=int(post.get("version", 0)))
            messages.success(request, _("Draft discarded."))
            return redirect("orders:detail", pk=order.pk)
        if "remove_item" in post:
            services.order_remove_item(
                user=user, order=order, version=int(post.get("version", 0)), item_pk=int(post["remove_item"])
            )
            return redirect("orders:edit", pk=order.pk)
        if not (header.is_valid() and all(form.is_valid() and quantity.is_valid() for _i, form, quantity in items)):
            return None
        with transaction.atomic():  # the draft is kept even when the submission is refused below
            saved = services.order_save_draft(
                user=user,
                order=order,
                version=header.cleaned_data["version"],
                header=header.header(),
                elements={item.pk: form.values() for item, form, _quantity in items},
                quantities={item.pk: quantity.quantity() for item, _form, quantity in items},
            )
            if "add_item" in post:
                if not add_form.is_valid():
                    return None
                services.order_add_item(
                    user=user,
                    order=saved,
                    version=saved.version,
                    item=services.ItemInput(product=add_form.cleaned_data["product"]),
                )
            refusal = services.order_account_findings(saved) if submitting else []
            if submitting and not refusal:
                if order.status == Order.Status.PENDING:
                    services.order_correct(user=user, task_pk=_correction_task(order).pk, version=saved.version)
                else:
                    services.order_submit(user=user, order=saved, version=saved.version)
        if refusal:
            _refuse_submission(header, saved, refusal)
            return None
        if submitting:
            messages.success(request, _("Order submitted: it is checked and goes to the order-acceptance team."))
            return redirect("orders:detail", pk=order.pk)
        messages.success(request, _("Draft saved."))
        return redirect("orders:edit", pk=order.pk)
    except ApplicationError as error:
        _show_error(header, error)
    return None


def _refuse_submission(header, saved: Order, refusal: list[str]) -> None:
    """The order the check would refuse stays as saved, with the reason on the form (and its new version)."""
    header.data = header.data.copy()
    header.data["version"] = saved.version
    message = _("Not submitted: %(reasons)s Your changes are saved.") % {"reasons": " ".join(refusal)}
    header.add_error("billing_account", message)


def _correction_task(order: Order):
    task = services.order_correction_task(order)
    if task is None:
        raise ApplicationError(_("This order waits for no correction any more."))
    return task


@login_required
def order_detail(request, pk: int):
    order = _visible(request, pk)
    user = request.user
    may_attach = access.may_attach(user, order)
    attachment_form = AttachmentForm(request.POST or None, request.FILES or None) if may_attach else None
    if request.method == "POST":
        if attachment_form is None:
            raise deny(request, f"attach to order {pk}")
        if attachment_form.is_valid():
            data = attachment_form.cleaned_data
            services.order_attach(user=user, order=order, kind=data["kind"], upload=data["file"])
            messages.success(request, _("Document attached."))
            return redirect("orders:detail", pk=pk)
    launch = getattr(order, "launch", None)
    # The items with their products and services, read once for the table and for the order's total.
    items = services.order_items(order)
    prefetch_related_objects(items, "work_orders", "created_service")
    work_orders = [wo for item in items for wo in item.work_orders.all()]
    questions = fulfilment().questions(items) if work_orders else []  # only a work order's peer asks
    processes = [p for p in (order.process_id, launch.process_id if launch else None) if p]
    # Its cancellations' processes named first: an OR across the join to them made PostgreSQL read every task.
    processes += OrderCancellation.objects.filter(order=order).values_list("process_id", flat=True)
    tasks = (
        Task.objects.filter(process__in=processes, status__in=OPEN_STATUSES)
        .select_related("owner")
        .order_by("-created")
    )
    return render(
        request,
        "orders/order_detail.html",
        {
            "order": order,
            "items": items,
            "total": Order.total_of(items),
            "tasks": [_task_row(user, t, order) for t in tasks],
            "launch": launch,
            # The services the items created, changed or cancelled, with when their billing starts or stopped.
            "billed": [s for item in items if (s := getattr(item, "created_service", None) or item.service)],
            "questions": questions,
            # The steps of the order, its launch and cancellations, and what its work orders wait on (a network
            # construction, a peer's question).
            "sla": sla_statuses_for(order, launch, *order.cancellations.all(), *work_orders, *questions),
            "events": timeline_for(order),
            "may_edit": access.may_edit(user, order),
            "may_request_cancellation": order.status in services.CANCELLABLE
            and access.may_request_cancellation(user, order),
            "cancellation_form": CancellationForm(),
            "attachments": order.attachments.select_related("uploaded_by").order_by("created_at"),
            "attachment_form": attachment_form,
        },
    )


def _task_row(user, task: Task, order: Order) -> dict:
    """An open step of the order or of its fulfilment, with the page that completes it."""
    flow = task.flow_task.flow_class
    if flow not in (OrderFlow, OrderCancellationFlow):
        source = process_of(flow).source
        return {
            "task": task,
            "step": source.steps.get(task.flow_task.name, ""),
            "may_act": fulfilment().may_act(user, task, order),
            "url": source.url(task, source.record(task)),
        }
    return {
        "task": task,
        "step": {**SLA_STEPS, **CANCELLATION_SLA_STEPS}.get(task.flow_task.name, ""),
        "may_act": _may_act(user, task, order),
        "url": reverse("orders:task", args=[order.pk, task.pk]),
    }


def _may_act(user, task: Task, order: Order) -> bool:
    if task.owner_id not in (None, user.pk):
        return False
    if task.flow_task is OrderFlow.accept:
        return access.may_accept(user, order)
    if task.flow_task is OrderFlow.approve:
        return access.may_approve(user, order)
    if task.flow_task is OrderFlow.correct:
        return task.owner_id == user.pk and access.may_change(user, order)
    if task.flow_task is OrderCancellationFlow.assess:
        return access.may_assess_cancellation(user, order)
    return False


@login_required
def task_page(request, pk: int, task_pk: int):
    order = _visible(request, pk, shown=request.method != "POST")
    task = get_object_or_404(
        Task.objects.filter(Q(process_id=order.process_id) | Q(process__order_cancellation__order=order)), pk=task_pk
    )
    if task.status not in OPEN_STATUSES:
        messages.info(request, _("This task was already completed or cancelled by someone else; nothing was changed."))
        return redirect("orders:detail", pk=pk)
    if task.owner_id not in (None, request.user.pk):
        messages.info(
            request, _("This task was taken by %(owner)s meanwhile; nothing was changed.") % {"owner": task.owner}
        )
        return redirect("orders:detail", pk=pk)
    if not _may_act(request.user, task, order):
        raise deny(request, f"order task {task_pk}")
    if task.flow_task is OrderFlow.correct:
        return redirect("orders:edit", pk=pk)
    if task.flow_task is OrderCancellationFlow.assess:
        return _assess_cancellation(request, order, task)
    decide = {OrderFlow.accept: services.order_accept, OrderFlow.approve: services.order_approve}.get(task.flow_task)
    if decide is None:
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            decide(
                user=request.user,
                task_pk=task.pk,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Decision recorded."))
            return redirect("orders:detail", pk=pk)
        except ApplicationError as error:
            _show_error(form, error)
    items = services.order_items(order)  # with their products, for the list and the total
    return render(
        request,
        "orders/task.html",
        {
            "order": order,
            "task": task,
            "form": form,
            "step": SLA_STEPS.get(task.flow_task.name, ""),
            "items": items,
            "total": Order.total_of(items),
            "attachments": order.attachments.select_related("uploaded_by").order_by("created_at"),
            # Why a supervisor decides: the rule the order falls under.
            "approval_rule": services.order_approval_rule(order, items)
            if task.flow_task is OrderFlow.approve
            else None,
        },
    )


def _assess_cancellation(request, order: Order, task: Task):
    """The order-acceptance team's decision on a cancellation: cancel the order, or refuse with a reason."""
    form = CancellationDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.order_decide_cancellation(
                user=request.user,
                task_pk=task.pk,
                accept=form.cleaned_data["decision"] == OrderCancellation.Decision.CANCEL,
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Decision recorded."))
            return redirect("orders:detail", pk=order.pk)
        except ApplicationError as error:
            _show_error(form, error)
    items = services.order_items(order)
    return render(
        request,
        "orders/cancellation_task.html",
        {
            "order": order,
            "task": task,
            "form": form,
            "cancellation": task.process.order_cancellation,
            "items": items,
            "total": Order.total_of(items),
        },
    )


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    """Files are served through the scope check, never from a public media URL."""
    order = _visible(request, pk)
    attachment = get_object_or_404(OrderAttachment, pk=attachment_pk, order=order)
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.file.name.rsplit("/", 1)[-1]
    )


@login_required
@require_POST
def order_cancellation(request, pk: int):
    """Ask for the order to be cancelled: the order-acceptance team assesses it (`task_page`)."""
    order = _visible(request, pk)
    form = CancellationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why."))
        return redirect("orders:detail", pk=pk)
    try:
        services.order_request_cancellation(user=request.user, order=order, reason=form.cleaned_data["reason"])
        messages.success(
            request, _("Cancellation requested: the order-acceptance team assesses it before anything stops.")
        )
    except PermissionDenied:
        raise deny(request, f"cancel order {pk}") from None
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("orders:detail", pk=pk)


@login_required
@require_POST
def service_change(request, service_pk: int, action: str):
    """E4: from the customer page, a draft that changes or cancels a running service."""
    service = get_object_or_404(Service.objects.select_related("customer", "product", "origin"), pk=service_pk)
    if not visible_customers(request.user).filter(pk=service.customer_id).exists():
        raise Http404
    try:
        order = services.order_change_service(user=request.user, service=service, action=action)
    except PermissionDenied:
        raise deny(request, f"change service {service_pk}") from None
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("customers:detail", pk=service.customer_id)
    messages.success(request, _("Draft %(number)s created: fill in the order elements.") % {"number": order.number})
    return redirect("orders:edit", pk=order.pk)


@login_required
def billing_account_new(request, customer_pk: int):
    """The customer's account manager opens a billing account (TMF666) from the customer page."""
    customer = get_in_scope_or_404(
        request, Customer.objects.select_related("city"), visible_customers(request.user), customer_pk
    )
    if not access.may_open_billing_account(request.user, customer):
        raise deny(request, f"open a billing account for customer {customer_pk}")
    form = BillingAccountForm(
        request.POST or None, initial={"payer_name": customer.name, "billing_address": customer.address}
    )
    if request.method == "POST" and form.is_valid():
        try:
            account = services.billing_account_open(user=request.user, customer=customer, **form.cleaned_data)
        except PermissionDenied:
            raise deny(request, f"open a billing account for customer {customer_pk}") from None
        except ApplicationError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Billing account %(number)s opened.") % {"number": account.number})
            if _safe_next(request):  # back to the order that needed it
                return redirect(request.GET["next"])
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "orders/billing_account_form.html", {"form": form, "customer": customer})


def _safe_next(request) -> bool:
    target = request.GET.get("next")
    return bool(target) and url_has_allowed_host_and_scheme(target, {request.get_host()})
