"""What the shared parts need of customer archiving (`keyaccounts.core.registry`), registered from
`CustomersConfig.ready()`."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.registry import ChainLink, HomePanel, InboxSource, Panel, ProcessSpec, RowFacts, Seeder
from keyaccounts.core.roles import Role
from keyaccounts.inbox.home import inbox_panel

from . import selectors
from .access import visible_customers
from .demo import seed_demo_customers, seed_level_rules
from .flows import SLA_STEPS, ArchivingFlow
from .models import ArchivingRequest, Customer, Level


def _facts(records) -> dict:
    """An archiving pass is told apart by its customer's credit code (the name is on the row already)."""
    return {pk: RowFacts(code) for pk, code in records.values_list("pk", "customer__credit_code")}


def customer_link(customer: Customer) -> ChainLink:
    return ChainLink(_("Customer"), customer.name, reverse("customers:detail", args=[customer.pk]), None)


def _tasks(title, user, empty_message, views=("mine", "queue")) -> Panel:
    return inbox_panel(
        title,
        "customers/panels/archiving_tasks.html",
        user,
        flow=ArchivingFlow,
        empty_message=empty_message,
        views=views,
        related=("process__archiving_request__customer__city", "owner"),
    )


def _customers(title, customers, empty_message) -> Panel:
    return Panel(title, "customers/panels/customers.html", {"customers": customers[:10], "message": empty_message})


def _my_tasks(user) -> list[Panel]:
    return [_tasks(_("My tasks"), user, _("Nothing waits for you."))]


def _my_customers(user) -> list[Panel]:
    return [
        _customers(
            _("My customers"),
            Customer.objects.filter(account_manager=user).exclude(submitted_at=None).select_related("city"),
            _("Customers you register and look after will be listed here."),
        ),
        _customers(
            _("My drafts"), selectors.drafts_of(user), _("Forms you saved without submitting will wait for you here.")
        ),
    ]


def _back_office(user) -> list[Panel]:
    return [
        _tasks(_("My inbox"), user, _("Nothing is assigned to you."), views=("mine",)),
        _tasks(_("My teams' queue"), user, _("Your teams' queue is empty."), views=("queue",)),
    ]


def _approvals(user) -> list[Panel]:
    return [_tasks(_("Waiting for my approval"), user, _("Nothing waits for your approval."))]


# Each SLA step the app times, as people call it (`registry.step_name`).
STEP_NAMES = {
    "customer.review": _("Customer record review"),
    "customer.correction": _("Customer record correction"),
    "customer.approval": _("Customer level approval"),
}


SPEC = ProcessSpec(
    source=InboxSource(
        ArchivingFlow,
        _("Customer archiving"),
        selectors.archiving_task_scope,
        selectors.archiving_claimable,
        "process__archiving_request",
        "customer",
        "customer__city",
        "customers:task",
        SLA_STEPS,
        manager_path="customer__account_manager",
        url_key="customer_id",
        facts=_facts,
    ),
    step_names=STEP_NAMES,
    visible_records=lambda user: ArchivingRequest.objects.filter(customer__in=visible_customers(user)),
    chain=lambda archiving_request: [customer_link(archiving_request.customer)],
    panels=(
        HomePanel(Role.ACCOUNT_MANAGER, 10, _my_tasks),
        HomePanel(Role.ACCOUNT_MANAGER, 40, _my_customers),
        HomePanel(Role.BACK_OFFICE, 10, _back_office),
        HomePanel(Role.CITY_SUPERVISOR, 10, _approvals),
        HomePanel(Role.PROVINCIAL_SUPERVISOR, 10, _approvals),
    ),
    seeders=(Seeder(48, seed_level_rules), Seeder(50, seed_demo_customers, business=True)),
    customer_levels=Level.choices,
)
