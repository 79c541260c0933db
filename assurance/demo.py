"""Demo configuration of assurance (an administrator edits it): the fault-level rules, the complaint routes, the
resolution codes and the closure of tickets the customer does not answer; and, for the demo only, two complaints
as an account manager reported them."""

from datetime import timedelta

from django.db import transaction

from keyaccounts.catalogue.models import Product

from .models import (
    ComplaintRoute,
    FaultLevelRule,
    ResolutionCode,
    Severity,
    SurveyQuestion,
    SurveyRule,
    TicketChannel,
    TroubleTicket,
    UnansweredClosure,
)

# English and Chinese names, order, interruption only, product code, customer level, at least this many services
FAULT_LEVEL_RULES = [
    ("Interruption of an internet dedicated line", "互联网专线中断", 10, True, "internet-line", "", None),
    ("Interruption of a data dedicated line", "数据专线中断", 20, True, "data-line", "", None),
    ("Interruption for a level-A customer", "A 级客户业务中断", 30, True, None, "A", None),
    ("Three services or more affected", "三项及以上业务受影响", 40, False, None, "", 3),
]
# order, ticket type, product route of an affected service ("": any), handled by
COMPLAINT_ROUTES = [
    (10, TroubleTicket.Type.BILLING, "", TroubleTicket.Route.BILLING),
    # ---- network complaints to EOMS, complaints about platform and SI products to the product's SI company
    (20, TroubleTicket.Type.COMPLAINT, Product.Route.EOMS, TroubleTicket.Route.EOMS),
    (30, TroubleTicket.Type.COMPLAINT, Product.Route.PLATFORM, TroubleTicket.Route.SI),
    (40, TroubleTicket.Type.COMPLAINT, Product.Route.SI, TroubleTicket.Route.SI),
]
RESOLUTION_CODES = [  # code, English, Chinese
    ("repaired", "Fault repaired", "故障已修复"),
    ("configuration", "Configuration corrected", "配置已更正"),
    ("explained", "Explained to the customer", "已向客户解释"),
    ("bill-adjusted", "Bill adjusted", "账单已调整"),
    ("compensated", "Compensation granted", "已给予补偿"),
    ("customer-side", "Cause on the customer's side", "客户侧原因"),
    ("suggestion-noted", "Suggestion passed on", "建议已转交"),
]

# The systems that report tickets over the API (an administrator issues their tokens): code, reports as, names.
TICKET_CHANNELS = [
    ("hotline", TroubleTicket.Channel.HOTLINE, "Hotline 10086", "10086 热线"),
    ("portal", TroubleTicket.Channel.PORTAL, "Customer portal", "客户门户"),
]

# A customer who does not answer: reminded after, then closed after (never level A, who answers explicitly).
UNANSWERED = [
    (UnansweredClosure.Kind.FAULT, timedelta(days=1), timedelta(days=2)),
    (UnansweredClosure.Kind.COMPLAINT, timedelta(days=2), timedelta(days=3)),
]


@transaction.atomic
def seed_demo_configuration() -> None:
    """Idempotent: a rule, route, code or channel an administrator has kept (by its name or code) is left as it
    is."""
    products = {p.code: p for p in Product.objects.filter(code__in=[r[4] for r in FAULT_LEVEL_RULES if r[4]])}
    for en, zh, order, interruption, product, level, at_least in FAULT_LEVEL_RULES:
        if product and product not in products:
            continue
        FaultLevelRule.objects.get_or_create(
            name_en=en,
            defaults={
                "name_zh": zh,
                "order": order,
                "interruption_only": interruption,
                "product": products.get(product),
                "customer_level": level,
                "min_services": at_least,
                "severity": Severity.LEVEL_1,
            },
        )
    for order, ticket_type, product_route, route in COMPLAINT_ROUTES:
        ComplaintRoute.objects.get_or_create(
            ticket_type=ticket_type, product_route=product_route, defaults={"order": order, "route": route}
        )
    for n, (code, en, zh) in enumerate(RESOLUTION_CODES):
        ResolutionCode.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh, "sort_order": n})
    for code, channel, en, zh in TICKET_CHANNELS:
        TicketChannel.objects.get_or_create(code=code, defaults={"channel": channel, "name_en": en, "name_zh": zh})
    for kind, remind, close in UNANSWERED:
        UnansweredClosure.objects.get_or_create(
            kind=kind, defaults={"remind_after": remind, "close_after": close, "explicit_levels": "A"}
        )


DEMO_TICKETS = [  # type, description, triaged by the desk (then it is the routed team's)
    (TroubleTicket.Type.COMPLAINT, "热线让客户等候了 40 分钟", False),
    (TroubleTicket.Type.BILLING, "11 月账单重复收取了 VPMN 套餐费", True),
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


# ---------------------------------------------------------------------------- satisfaction survey
SURVEY_QUESTIONS = [  # order, English, Chinese
    (10, "How satisfied are you with how fast we restored or settled it?", "您对处理速度是否满意？"),
    (20, "How satisfied are you with how we kept you informed?", "您对处理过程中的沟通是否满意？"),
    (30, "How satisfied are you with the result?", "您对处理结果是否满意？"),
]


@transaction.atomic
def seed_demo_survey() -> None:
    """Idempotent: the demo's questions (by their English text) and a rule that follows up any score of 2 or
    less, unless an administrator has one."""
    for order, english, chinese in SURVEY_QUESTIONS:
        SurveyQuestion.objects.get_or_create(text_en=english, defaults={"text_zh": chinese, "order": order})
    if not SurveyRule.objects.exists():
        SurveyRule.objects.create(follow_up_at_or_below=2)


# ---------------------------------------------------------------------------- contracts' calendars
@transaction.atomic
def seed_demo_contract_calendars() -> None:
    """The demo's level-A customers have a 7×24 promise for their faults: their fault clocks count on the 7×24
    calendar (their other steps keep the city's working time). A contract an administrator set is kept."""
    from customers.models import Customer
    from sla.demo import AROUND_THE_CLOCK
    from sla.models import BusinessCalendar, CustomerCalendar

    calendar = BusinessCalendar.objects.filter(code=AROUND_THE_CLOCK).first()
    if calendar is None:
        return
    level_a = Customer.objects.filter(level="A", status=Customer.Status.VALIDATED).exclude(
        pk__in=CustomerCalendar.objects.values("customer")
    )
    CustomerCalendar.objects.bulk_create(
        CustomerCalendar(customer=customer, calendar=calendar, steps="assurance.fault") for customer in level_a
    )


# ---------------------------------------------------------------------------- planned work, availability, credits
# How long ahead each level is told of planned work (empty level: every other).
NOTICE_LEAD_TIMES = [("A", timedelta(hours=72)), ("B", timedelta(hours=48)), ("", timedelta(hours=24))]
# What a breach is credited: a percentage of the service's monthly fee.
CREDIT_RULES = [("restore_time", "5.00"), ("availability", "10.00")]


@transaction.atomic
def seed_demo_planned_configuration() -> None:
    """Idempotent: a notice time or credit rule an administrator has kept (by its level or breach) is left."""
    from .models import NoticeLeadTime, SlaCreditRule

    for level, lead in NOTICE_LEAD_TIMES:
        NoticeLeadTime.objects.get_or_create(customer_level=level, defaults={"lead": lead})
    for reason, percent in CREDIT_RULES:
        SlaCreditRule.objects.get_or_create(reason=reason, defaults={"percent": percent})


DEMO_PLANNED_WORK = "长春城区核心交换机升级割接"


def seed_demo_planned_work() -> None:
    """One cutover in Changchun four days ahead, registered by its city supervisor over the demo's running
    services there (its customers are told when their notice falls due). Idempotent by its title."""
    from django.utils import timezone

    from keyaccounts.catalogue.models import Service
    from keyaccounts.core.models import User

    from .models import PlannedWork
    from .planned import planned_work_register

    supervisor = User.objects.filter(username="sup_changchun").first()
    if supervisor is None or PlannedWork.objects.filter(title=DEMO_PLANNED_WORK).exists():
        return
    services = list(
        Service.objects.filter(status=Service.Status.ACTIVE, customer__city_id=supervisor.city_id).order_by("pk")[:3]
    )
    if not services:
        return
    start = timezone.localtime().replace(hour=1, minute=0, second=0, microsecond=0) + timedelta(days=4)
    planned_work_register(
        user=supervisor,
        title=DEMO_PLANNED_WORK,
        reason="核心交换机软件版本升级，期间相关专线业务中断约两小时。",
        window_start=start,
        window_end=start + timedelta(hours=2),
        services=services,
    )
