"""The home page's panels, one set per role. A user with several roles sees each role's panels.

The process apps and `sla` register their panels (`keyaccounts.core.registry.HomePanel`); the administrator's
configuration panel links to the tables core and the apps register.
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from keyaccounts.core import registry
from keyaccounts.core.models import SiCompany, Team, User
from keyaccounts.core.registry import Panel
from keyaccounts.core.roles import Role, user_roles

from .inbox import inbox_tasks

PANEL_ROWS = 20
_VIEW_LABELS = {"mine": _("My tasks"), "queue": _("Team queue")}


def inbox_panel(title, template: str, user, *, flow: type, empty_message, views=("mine", "queue"), related=()) -> Panel:
    """A panel of the user's steps of one flow as their inbox lists them, with each view's count linking to it:
    the panel reads the inbox's selector (`inbox_tasks`), so that the two never disagree."""
    tasks, counts = inbox_tasks(user, flow=flow, views=views)
    inbox = reverse("inbox")
    links = [
        (_VIEW_LABELS[view], f"{inbox}?{urlencode({'view': view, 'flow': flow.__name__})}", count)
        for view, count in counts.items()
        if count
    ]
    context = {"tasks": tasks.select_related(*related)[:PANEL_ROWS], "message": empty_message, "inbox_links": links}
    return Panel(title, template, context)


def _configuration(user) -> list[Panel]:
    tables = [
        (_("Users"), "admin:core_user_changelist", User),
        (_("Teams"), "admin:core_team_changelist", Team),
        (_("SI companies"), "admin:core_sicompany_changelist", SiCompany),
        *registry.configuration(),
    ]
    links = [(label, reverse(changelist), model.objects.count()) for label, changelist, model in tables]
    return [Panel(_("Configuration"), "inbox/panels/configuration.html", {"links": links})]


_OWN_PANELS = {Role.ADMINISTRATOR: [registry.HomePanel(Role.ADMINISTRATOR, 0, _configuration)]}


def home_panels_for(user) -> list[Panel]:
    roles = user_roles(user)
    panels = []
    for role in Role:
        if role.value in roles:
            for home_panel in [*_OWN_PANELS.get(role, []), *registry.panels_of(role)]:
                panels.extend(home_panel.build(user))
    return panels
