"""The home page's panels, one set per role. A user with several roles sees each role's panels.

A panel is a title, a template and its context; the sub-processes fill their panels in as
they arrive, so a panel with nothing in it says what will appear there.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Role, user_roles


@dataclass
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)


def _administrator_panels(user) -> list[Panel]:
    from orders.models import Product
    from sla.models import BusinessCalendar

    from .models import SiCompany, Team, User

    links = [
        (_("Users"), reverse("admin:core_user_changelist"), User.objects.count()),
        (_("Teams"), reverse("admin:core_team_changelist"), Team.objects.count()),
        (_("SI companies"), reverse("admin:core_sicompany_changelist"), SiCompany.objects.count()),
        (_("Products"), reverse("admin:orders_product_changelist"), Product.objects.count()),
        (_("Business calendars"), reverse("admin:sla_businesscalendar_changelist"), BusinessCalendar.objects.count()),
    ]
    return [Panel(_("Configuration"), "core/panels/configuration.html", {"links": links})]


def _empty(title, message) -> Panel:
    return Panel(title, "core/panels/empty.html", {"message": message})


PANELS_BY_ROLE = {
    Role.ACCOUNT_MANAGER: lambda user: [
        _empty(_("My customers"), _("Customers you register and look after will be listed here.")),
        _empty(_("My drafts"), _("Forms you saved without submitting will wait for you here.")),
    ],
    Role.BACK_OFFICE: lambda user: [
        _empty(_("My inbox"), _("Tasks assigned to you will be listed here, soonest deadline first.")),
        _empty(_("My teams' queue"), _("Tasks waiting for someone of your teams will be listed here.")),
    ],
    Role.CITY_SUPERVISOR: lambda user: [
        _empty(_("SLA overview"), _("Steps at risk and breached in your city will be listed here.")),
    ],
    Role.PROVINCIAL_SUPERVISOR: lambda user: [
        _empty(_("SLA overview"), _("Steps at risk and breached in every city will be listed here.")),
    ],
    Role.SI_PARTNER: lambda user: [
        _empty(_("My work orders"), _("Work orders sent to your company will be listed here.")),
    ],
    Role.ADMINISTRATOR: _administrator_panels,
}


def home_panels_for(user) -> list[Panel]:
    roles = user_roles(user)
    panels = []
    for role in Role:
        if role.value in roles:
            panels.extend(PANELS_BY_ROLE[role](user))
    return panels
