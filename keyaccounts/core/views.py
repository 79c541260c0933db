from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from .access import PermissionRequiredMixin, deny
from .exceptions import ApplicationError
from .health import health_report
from .home import home_panels_for
from .inbox import VIEWS, inbox_claim, inbox_release, inbox_rows, sources
from .models import Notification, User
from .notifications import (
    notification_open,
    notification_text,
    notifications_for,
    notifications_mark_all_read,
)
from .selectors import city_list_for, team_list_for


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role lands on what it works on: the panels come from `home.py`."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(panels=home_panels_for(self.request.user), **kwargs)


class OrganisationView(PermissionRequiredMixin, TemplateView):
    permission_required = "core.view_organisation"
    template_name = "core/organisation.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(teams=team_list_for(user), cities=city_list_for(user), **kwargs)


@never_cache
def healthz(request):
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


@login_required
def inbox(request):
    """My tasks and my teams' queue across every flow, soonest breach first."""

    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "mine"
    rows = inbox_rows(
        request.user,
        view=view,
        flow=request.GET.get("flow", ""),
        sla_state=request.GET.get("sla", ""),
        search=request.GET.get("q", "").strip(),
    )
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    flows = [(s.flow.__name__, s.label) for s in sources()]
    return render(request, "core/inbox.html", {"page": page, "view": view, "query": request.GET, "flows": flows})


@login_required
@require_POST
def inbox_action(request, task_pk: int, action: str):

    act = {"claim": inbox_claim, "release": inbox_release}.get(action)
    if act is None:
        raise Http404
    try:
        act(user=request.user, task_pk=task_pk)
        messages.success(
            request, _("Claimed: the task is yours.") if action == "claim" else _("Given back to the queue.")
        )
    except PermissionDenied:
        raise deny(request, f"{action} task {task_pk}") from None
    except ApplicationError as error:
        messages.info(request, error.message)
    return redirect(f"{reverse('inbox')}?view={'mine' if action == 'claim' else 'queue'}")


# ---------------------------------------------------------------------------- notifications
class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["email_new_tasks", "email_assignments", "email_sla"]


@login_required
def notifications(request):
    """The bell's list, newest first; the settings of which ones also come by e-mail."""
    user = request.user
    form = NotificationSettingsForm(request.POST or None, instance=user)
    if request.method == "POST":
        if request.POST.get("action") == "read_all":
            notifications_mark_all_read(user=user)
            return redirect("notifications")
        if form.is_valid():
            form.save()
            messages.success(request, _("Your e-mail choices are saved."))
            return redirect("notifications")
    page = Paginator(notifications_for(user), 30).get_page(request.GET.get("page"))
    rows = [(n, notification_text(n)) for n in page]
    return render(request, "core/notifications.html", {"page": page, "rows": rows, "form": form})


@login_required
@require_POST
def notification_read(request, pk: int):
    try:
        url = notification_open(user=request.user, pk=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    return redirect(url or "notifications")
