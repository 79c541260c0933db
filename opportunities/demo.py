"""Demo opportunities: recorded on visits and received from channels, some routed, some in the city queue."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import City, User

from .defaults import ensure_defaults
from .models import Channel, LostReason, Opportunity
from .services import OpportunityInput, opportunity_receive, opportunity_record

# channel, external id, city, customer name start (or a prospect), products, value
RECEIVED = [
    ("portal", "PORTAL-DEMO-1", "changchun", "长春一汽物流", ["internet-line"], "180000"),
    ("hotline", "HOTLINE-DEMO-1", "changchun", "长春绿源农业合作社", ["group-sms"], "24000"),
    ("agent", "AGENT-DEMO-1", "jilin", "吉林化纤集团", ["m2m-iot", "data-line"], "560000"),
]


def seed_channels() -> None:
    """Configuration: the channels and the reasons an opportunity is lost."""
    ensure_defaults(Channel, LostReason)


@transaction.atomic
def seed_demo_opportunities() -> None:
    close = timezone.localdate() + dt.timedelta(days=60)
    for code, external_id, city, company, products, value in RECEIVED:
        customer = Customer.objects.filter(name__startswith=company, status=Customer.Status.VALIDATED).first()
        opportunity_receive(
            channel=Channel.objects.get(code=code),
            external_id=external_id,
            data=OpportunityInput(
                city=City.objects.get(code=city),
                products=list(Product.objects.filter(code__in=products)),
                estimated_value=Decimal(value),
                expected_close_date=close,
                description="演示：渠道转来的需求",
                customer=customer,
                prospect_name="" if customer else company,
            ),
        )
    manager = User.objects.get(username="am_changchun")
    _seed_worked_opportunities(manager, close)
    if not Opportunity.objects.filter(account_manager=manager, channel__code="visit", prospect_name__gt="").exists():
        opportunity_record(
            user=manager,
            data=OpportunityInput(
                city=manager.city,
                products=list(Product.objects.filter(code="enterprise-broadband")),
                estimated_value=Decimal("36000"),
                expected_close_date=close,
                description="三个分支机构的宽带",
                prospect_name="长春市朝阳区图书馆",
                needs_survey=True,
            ),
        )


# description, products, discount, how far it goes: approval | won | lost
WORKED = [
    ("司机车队的 VPMN", ["vpmn"], "15", "approval"),
    ("总部的移动总机", ["mobile-switchboard"], "5", "won"),
    ("销售团队的手机邮箱", ["mobile-mailbox"], "0", "lost"),
]


def _seed_worked_opportunities(manager, close) -> None:
    """Opportunities of a customer in each later stage: waiting for a discount approval, won, lost."""
    from viewflow.workflow.models import Task

    from .flows import OpportunityFlow as F
    from .services import (
        opportunity_give_up,
        opportunity_mark_won,
        opportunity_qualify,
        opportunity_quote,
    )

    customer = Customer.objects.filter(account_manager=manager, status=Customer.Status.VALIDATED).first()
    if customer is None:
        return

    def task(opportunity, node):
        return Task.objects.get(process_id=opportunity.process_id, flow_task=node, status__in=["NEW", "ASSIGNED"])

    for description, codes, discount, stage in WORKED:
        if Opportunity.objects.filter(description=description).exists():
            continue
        products = list(Product.objects.filter(code__in=codes))
        opportunity = opportunity_record(
            user=manager,
            data=OpportunityInput(
                city=manager.city,
                products=products,
                estimated_value=sum((p.list_price for p in products), Decimal(0)),
                expected_close_date=close,
                description=description,
                customer=customer,
            ),
        )
        opportunity_qualify(
            user=manager,
            task_pk=task(opportunity, F.qualify).pk,
            customer=customer,
            needs_survey=False,
            needs_solution=False,
        )
        if stage == "lost":
            opportunity_give_up(
                user=manager,
                task_pk=task(opportunity, F.quote).pk,
                lost_reason=LostReason.objects.get(code="price"),
                note="演示：客户认为价格太高",
            )
            continue
        lines = [{"product": p, "quantity": 10, "discount_percent": Decimal(discount)} for p in products]
        opportunity_quote(
            user=manager,
            task_pk=task(opportunity, F.quote).pk,
            lines=lines,
            justification="演示：三年合同，对手报价更低",
        )
        if stage == "won":
            opportunity_mark_won(user=manager, task_pk=task(opportunity, F.close).pk, note="演示：合同已签")
