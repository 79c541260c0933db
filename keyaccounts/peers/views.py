"""Operators' dead letters: requests to the peers that failed for good (served under /provisioning/)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keyaccounts.core.access import deny

from .access import may_retry_deliveries
from .models import OutboxMessage
from .outbox import outbox_retry


@login_required
def dead_letters(request):
    """Requests to EOMS/SI that failed for good, with the last error; an operator sends them again."""
    if not may_retry_deliveries(request.user):
        raise deny(request, "dead letters")
    dead = OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD).order_by("-created_at")
    waiting = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count()
    page = Paginator(dead, 25).get_page(request.GET.get("page"))
    return render(request, "peers/dead_letters.html", {"page": page, "waiting": waiting})


@login_required
@require_POST
def dead_letter_retry(request, pk: int):
    if not may_retry_deliveries(request.user):
        raise deny(request, f"retry {pk}")
    message = get_object_or_404(OutboxMessage, pk=pk)
    outbox_retry(message=message)
    messages.success(request, _("%(reference)s is sent again.") % {"reference": message.external_id})
    return redirect("provisioning:dead_letters")
