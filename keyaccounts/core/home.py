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
    from keyaccounts.catalogue.models import Product
    from sla.models import BusinessCalendar

    from .models import SiCompany, Team, User

    links = [
        (_("Users"), reverse("admin:core_user_changelist"), User.objects.count()),
        (_("Teams"), reverse("admin:core_team_changelist"), Team.objects.count()),
        (_("SI companies"), reverse("admin:core_sicompany_changelist"), SiCompany.objects.count()),
        (_("Products"), reverse("admin:catalogue_product_changelist"), Product.objects.count()),
        (_("Business calendars"), reverse("admin:sla_businesscalendar_changelist"), BusinessCalendar.objects.count()),
    ]
    return [Panel(_("Configuration"), "core/panels/configuration.html", {"links": links})]


def _empty(title, message) -> Panel:
    return Panel(title, "core/panels/empty.html", {"message": message})


def _customers(title, customers, empty_message) -> Panel:
    return Panel(title, "core/panels/customers.html", {"customers": customers[:10], "message": empty_message})


def _tasks(title, tasks, empty_message) -> Panel:
    return Panel(title, "core/panels/archiving_tasks.html", {"tasks": tasks[:20], "message": empty_message})


def _opportunity_tasks(title, user, empty_message) -> Panel:
    from opportunities.selectors import opportunity_tasks_for

    return Panel(
        title,
        "core/panels/opportunity_tasks.html",
        {"tasks": opportunity_tasks_for(user)[:20], "message": empty_message},
    )


def _order_tasks(title, user, empty_message) -> Panel:
    from orders.selectors import order_tasks_for

    return Panel(title, "core/panels/order_tasks.html", {"tasks": order_tasks_for(user)[:20], "message": empty_message})


def _launch_tasks(title, user, empty_message) -> Panel:
    from provisioning.selectors import launch_tasks_for

    return Panel(
        title, "core/panels/launch_tasks.html", {"tasks": launch_tasks_for(user)[:20], "message": empty_message}
    )


def _si_work_orders(user) -> Panel:
    from provisioning.access import si_work_orders
    from provisioning.models import FINAL_WORK_ORDER_STATES

    open_ones = si_work_orders(user).exclude(state__in=FINAL_WORK_ORDER_STATES)
    return Panel(
        _("My work orders"),
        "core/panels/si_work_orders.html",
        {
            "work_orders": open_ones.select_related("order_item__product", "order_item__order__customer")[:20],
            "message": _("No open work order for your company."),
        },
    )


def _account_manager_panels(user) -> list[Panel]:
    from customers import selectors
    from customers.models import Customer

    return [
        _tasks(_("My tasks"), selectors.archiving_tasks_for(user), _("Nothing waits for you.")),
        _opportunity_tasks(_("Opportunity steps"), user, _("No opportunity step waits for you.")),
        _launch_tasks(_("Customer acceptances"), user, _("No service waits for its customer's acceptance.")),
        _customers(
            _("My customers"),
            Customer.objects.filter(account_manager=user).exclude(submitted_at=None).select_related("city"),
            _("Customers you register and look after will be listed here."),
        ),
        _customers(
            _("My drafts"), selectors.drafts_of(user), _("Forms you saved without submitting will wait for you here.")
        ),
        _opportunities(user),
    ]


def _opportunities(user) -> Panel:
    from opportunities.access import visible_opportunities
    from opportunities.models import Opportunity

    open_ones = visible_opportunities(user).filter(
        status__in=[Opportunity.Status.ACKNOWLEDGED, Opportunity.Status.IN_PROGRESS, Opportunity.Status.PENDING]
    )
    return Panel(
        _("Open opportunities"),
        "core/panels/opportunities.html",
        {
            "opportunities": open_ones.select_related("customer", "account_manager").order_by("-created_at")[:10],
            "message": _("No open opportunity."),
        },
    )


def _sla_overview(user) -> Panel:
    from sla.selectors import clocks_at_risk_for
    from sla.services import sla_status

    statuses = [sla_status(clock) for clock in clocks_at_risk_for(user)]
    return Panel(
        _("SLA overview"),
        "core/panels/sla_overview.html",
        {"statuses": statuses, "message": _("No timed step is running in your scope.")},
    )


def _back_office_panels(user) -> list[Panel]:
    from customers import selectors
    from keyaccounts.core.models import Team

    tasks = selectors.archiving_tasks_for(user)
    panels = [
        _tasks(_("My inbox"), tasks.filter(owner=user), _("Nothing is assigned to you.")),
        _tasks(_("My teams' queue"), tasks.filter(owner__isnull=True), _("Your teams' queue is empty.")),
    ]
    if user.teams.filter(kind=Team.Kind.ORDER_ACCEPTANCE).exists():
        panels.append(_order_tasks(_("Orders to accept"), user, _("No order waits for your team.")))
    if user.teams.filter(kind=Team.Kind.PROVISIONING).exists():
        from provisioning.selectors import open_questions_for

        panels.append(_launch_tasks(_("Service launch steps"), user, _("No launch step waits for your team.")))
        panels.append(
            Panel(
                _("Questions from EOMS and SI"),
                "core/panels/questions.html",
                {"questions": open_questions_for(user)[:20], "message": _("No peer waits for an answer.")},
            )
        )
    if user.teams.filter(kind=Team.Kind.PRESALES).exists():
        panels.append(_opportunity_tasks(_("Solutions to design"), user, _("No solution waits for your team.")))
    return panels


def _supervisor_panels(user) -> list[Panel]:
    from customers import selectors

    return [
        _tasks(
            _("Waiting for my approval"), selectors.archiving_tasks_for(user), _("Nothing waits for your approval.")
        ),
        _opportunity_tasks(_("Discounts to approve"), user, _("No discount waits for your approval.")),
        _order_tasks(_("Orders to approve"), user, _("No order waits for your approval.")),
        _sla_overview(user),
    ]


PANELS_BY_ROLE = {
    Role.ACCOUNT_MANAGER: _account_manager_panels,
    Role.BACK_OFFICE: _back_office_panels,
    Role.CITY_SUPERVISOR: _supervisor_panels,
    Role.PROVINCIAL_SUPERVISOR: _supervisor_panels,
    Role.SI_PARTNER: lambda user: [_si_work_orders(user)],
    Role.ADMINISTRATOR: _administrator_panels,
}


def home_panels_for(user) -> list[Panel]:
    roles = user_roles(user)
    panels = []
    for role in Role:
        if role.value in roles:
            panels.extend(PANELS_BY_ROLE[role](user))
    return panels
