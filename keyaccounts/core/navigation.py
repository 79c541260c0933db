"""The navigation bar: each entry shows only to users who may open it."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from keyaccounts.core import registry


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    icon: str
    permission: str = ""  # empty: every signed-in user
    staff_only: bool = False

    def visible_to(self, user) -> bool:
        if self.staff_only and not user.is_staff:
            return False
        if self.permission and not user.has_perm(self.permission):
            return False
        may = registry.page_access(self.url_name)  # the page's own check, where it asks more than a permission
        return may is None or may(user)


# Later capabilities add their pages here, in the order users meet them.
ENTRIES = [
    NavEntry(_("Home"), "home", "house"),
    NavEntry(_("Inbox"), "inbox", "inbox"),
    NavEntry(_("Customers"), "customers:list", "building", permission="customers.view_customer"),
    NavEntry(_("Opportunities"), "opportunities:list", "lightbulb", permission="opportunities.view_opportunity"),
    NavEntry(_("Orders"), "orders:list", "cart", permission="orders.view_order"),
    NavEntry(_("My work orders"), "provisioning:si_portal", "tools", permission="provisioning.work_si_orders"),
    NavEntry(
        _("My complaint orders"), "assurance:si_complaints", "chat-left-text", permission="assurance.work_si_complaints"
    ),
    NavEntry(
        _("Failed deliveries"),
        "provisioning:dead_letters",
        "envelope-exclamation",
        permission="peers.retry_delivery",
    ),
    NavEntry(_("Incidents"), "assurance:incidents", "broadcast", permission="assurance.view_serviceproblem"),
    NavEntry(_("SLA dashboard"), "sla:dashboard", "speedometer2", permission="sla.view_dashboard"),
    NavEntry(_("Planned work"), "assurance:planned_list", "calendar-event", permission="assurance.view_plannedwork"),
    NavEntry(_("Organisation"), "organisation", "diagram-3", permission="core.view_organisation"),
    NavEntry(_("Administration"), "admin:index", "gear", staff_only=True),
]


def entries_for(user) -> list[NavEntry]:
    if not user.is_authenticated:
        return []
    return [entry for entry in ENTRIES if entry.visible_to(user)]
