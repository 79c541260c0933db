"""Demo opportunities: recorded on visits and received from channels, some routed, some in the city queue."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from keyaccounts.core.models import City, User
from orders.models import Product

from .defaults import ensure_defaults
from .models import Channel, LostReason, Opportunity
from .services import OpportunityInput, opportunity_receive, opportunity_record

# channel, external id, city, customer name start (or a prospect), products, value
RECEIVED = [
    ("portal", "PORTAL-DEMO-1", "changchun", "长春一汽物流", ["internet-line"], "180000"),
    ("hotline", "HOTLINE-DEMO-1", "changchun", "长春绿源农业合作社", ["group-sms"], "24000"),
    ("agent", "AGENT-DEMO-1", "jilin", "吉林化纤集团", ["m2m-iot", "data-line"], "560000"),
]


@transaction.atomic
def seed_demo_opportunities() -> None:
    ensure_defaults(Channel, LostReason)
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
                description="Demo demand from a channel",
                customer=customer,
                prospect_name="" if customer else company,
            ),
        )
    manager = User.objects.get(username="am_changchun")
    if not Opportunity.objects.filter(account_manager=manager, channel__code="visit").exists():
        opportunity_record(
            user=manager,
            data=OpportunityInput(
                city=manager.city,
                products=list(Product.objects.filter(code="enterprise-broadband")),
                estimated_value=Decimal("36000"),
                expected_close_date=close,
                description="Broadband for three branch offices",
                prospect_name="长春市朝阳区图书馆",
                needs_survey=True,
            ),
        )
