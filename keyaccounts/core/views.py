from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from .access import PermissionRequiredMixin
from .health import health_report
from .home import home_panels_for
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
