"""Demo configuration of assurance (an administrator edits it): the fault-level rules, the complaint routes and the
resolution codes; and, for the demo only, two complaints as an account manager reported them."""

from django.db import transaction

from keyaccounts.catalogue.models import Product

from .models import ComplaintRoute, FaultLevelRule, ResolutionCode, Severity, TroubleTicket

# name, order, interruption only, product code, customer level, at least this many services
FAULT_LEVEL_RULES = [
    ("Interruption of an internet dedicated line", 10, True, "internet-line", "", None),
    ("Interruption of a data dedicated line", 20, True, "data-line", "", None),
    ("Interruption for a level-A customer", 30, True, None, "A", None),
    ("Three services or more affected", 40, False, None, "", 3),
]
COMPLAINT_ROUTES = [(10, TroubleTicket.Type.BILLING, TroubleTicket.Route.BILLING)]
RESOLUTION_CODES = [  # code, English, Chinese
    ("repaired", "Fault repaired", "故障已修复"),
    ("configuration", "Configuration corrected", "配置已更正"),
    ("explained", "Explained to the customer", "已向客户解释"),
    ("bill-adjusted", "Bill adjusted", "账单已调整"),
    ("compensated", "Compensation granted", "已给予补偿"),
    ("customer-side", "Cause on the customer's side", "客户侧原因"),
    ("suggestion-noted", "Suggestion passed on", "建议已转交"),
]


@transaction.atomic
def seed_demo_configuration() -> None:
    """Idempotent: a rule, route or code an administrator has kept (by its name or code) is left as it is."""
    products = {p.code: p for p in Product.objects.filter(code__in=[r[3] for r in FAULT_LEVEL_RULES if r[3]])}
    for name, order, interruption, product, level, at_least in FAULT_LEVEL_RULES:
        if product and product not in products:
            continue
        FaultLevelRule.objects.get_or_create(
            name=name,
            defaults={
                "order": order,
                "interruption_only": interruption,
                "product": products.get(product),
                "customer_level": level,
                "min_services": at_least,
                "severity": Severity.LEVEL_1,
            },
        )
    for order, ticket_type, route in COMPLAINT_ROUTES:
        ComplaintRoute.objects.get_or_create(ticket_type=ticket_type, defaults={"order": order, "route": route})
    for n, (code, en, zh) in enumerate(RESOLUTION_CODES):
        ResolutionCode.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh, "sort_order": n})


DEMO_TICKETS = [  # type, description, triaged by the desk (then it is the routed team's)
    (TroubleTicket.Type.COMPLAINT, "Demo: the hotline kept the customer waiting for 40 minutes", False),
    (TroubleTicket.Type.BILLING, "Demo: November's bill charges the VPMN package twice", True),
]


@transaction.atomic
def seed_demo_tickets() -> None:
    """The demo's first customer's complaints as its account manager reported them: one waits for the assurance
    desk's triage, a billing question for the billing team. Idempotent: a ticket of the same words is not
    reported again."""
    from viewflow.workflow.models import Task

    from customers.models import Customer
    from keyaccounts.core.models import User

    from .flows import TicketFlow
    from .services import ACCEPT, Report, ticket_report, ticket_triage

    manager = User.objects.get(username="am_changchun")
    customer = Customer.objects.filter(account_manager=manager, status=Customer.Status.VALIDATED).first()
    if customer is None:
        return
    for ticket_type, description, triaged in DEMO_TICKETS:
        if TroubleTicket.objects.filter(description=description).exists():
            continue
        ticket = ticket_report(
            user=manager,
            customer=customer,
            report=Report(type=ticket_type, description=description, contact=customer.contacts.first()),
        )
        if triaged:
            task = Task.objects.get(process_id=ticket.process_id, flow_task=TicketFlow.triage)
            ticket_triage(user=User.objects.get(username="bo_changchun"), task_pk=task.pk, decision=ACCEPT)
