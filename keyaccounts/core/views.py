from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from .access import PermissionRequiredMixin
from .health import health_report
from .models import Notification, User
from .notifications import (
    notification_open,
    notification_text,
    notifications_for,
    notifications_mark_all_read,
)
from .selectors import city_list_for, team_list_for


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
