from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from keyaccounts.core.access import deny, get_in_scope_or_404
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_for

from . import access, selectors, services
from .forms import AttachmentForm, OpportunityForm
from .models import Attachment, Opportunity


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
    form = OpportunityForm(request.POST or None, user=request.user)
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
    return render(
        request,
        "opportunities/opportunity_detail.html",
        {
            "opportunity": opportunity,
            "products": opportunity.products.all(),
            "events": timeline_for(opportunity),
            "attachments": opportunity.attachments.select_related("uploaded_by"),
            "attachment_form": form,
        },
    )


@login_required
def attachment_download(request, pk: int, attachment_pk: int):
    """Files are served through the scope check, never from a public media URL."""
    opportunity = _visible(request, pk)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, opportunity=opportunity)
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.file.name.rsplit("/", 1)[-1]
    )
