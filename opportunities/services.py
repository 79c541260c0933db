"""Every write of opportunity management; each service is one transaction."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from customers.models import Customer
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import City
from keyaccounts.core.timeline import timeline_record
from orders.models import Product

from .defaults import VISIT_CHANNEL
from .models import Attachment, Channel, Opportunity
from .timeline import OpportunityAction


@dataclass(frozen=True)
class OpportunityInput:
    """What any channel supplies; the form and the API both build one."""

    city: City
    products: list[Product]
    estimated_value: Decimal
    expected_close_date: date
    description: str
    customer: Customer | None = None
    prospect_name: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    needs_survey: bool = False
    needs_solution: bool = False


def opportunity_route(*, customer: Customer | None):
    """To the account manager of an archived customer; otherwise to the city's queue (no manager)."""
    if customer is not None and customer.status == Customer.Status.VALIDATED:
        return customer.account_manager
    return None


def _validate(data: OpportunityInput) -> None:
    if data.customer is None and not data.prospect_name.strip():
        raise ApplicationError(_("Name the customer or the prospect."), field="prospect_name")
    if data.customer is not None and data.customer.status == Customer.Status.CLOSED:
        raise ApplicationError(_("This customer is closed; a supervisor must reopen it first."), field="customer")
    if not data.products:
        raise ApplicationError(_("Choose at least one product."), field="products")
    inactive = [p for p in data.products if not p.is_active]
    if inactive:
        raise ApplicationError(_("%(product)s is not offered any more.") % {"product": inactive[0]}, field="products")


def _create(*, data: OpportunityInput, channel: Channel, external_id: str, actor, account_manager) -> Opportunity:
    _validate(data)
    opportunity = Opportunity(
        channel=channel,
        external_id=external_id,
        customer=data.customer,
        prospect_name=data.prospect_name,
        contact_name=data.contact_name,
        contact_phone=data.contact_phone,
        city=data.city,
        account_manager=account_manager,
        estimated_value=data.estimated_value,
        expected_close_date=data.expected_close_date,
        description=data.description,
        needs_survey=data.needs_survey,
        needs_solution=data.needs_solution,
        created_by=actor,
    )
    opportunity.full_clean(exclude=["products"])
    opportunity.save()
    opportunity.products.set(data.products)
    return opportunity


def opportunity_record(*, user, data: OpportunityInput) -> Opportunity:
    """An account manager records demand met on a visit; it is theirs from the start."""
    with transaction.atomic():
        code, kind, name_en, name_zh = VISIT_CHANNEL
        channel, _created = Channel.objects.get_or_create(
            code=code, defaults={"kind": kind, "name_en": name_en, "name_zh": name_zh}
        )
        opportunity = _create(data=data, channel=channel, external_id="", actor=user, account_manager=user)
        timeline_record(subject=opportunity, action=OpportunityAction.RECORDED, actor=user, to_state=opportunity.status)
    return opportunity


def opportunity_receive(*, channel: Channel, external_id: str, data: OpportunityInput) -> tuple[Opportunity, bool]:
    """Demand from a channel's API: routed to the customer's manager or the city queue; a resubmission is one."""
    existing = Opportunity.objects.filter(channel=channel, external_id=external_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            manager = opportunity_route(customer=data.customer)
            opportunity = _create(
                data=data, channel=channel, external_id=external_id, actor=None, account_manager=manager
            )
            timeline_record(
                subject=opportunity,
                action=OpportunityAction.RECEIVED,
                to_state=opportunity.status,
                data={"channel": channel.code, "externalId": external_id},
            )
            timeline_record(
                subject=opportunity,
                action=OpportunityAction.ROUTED,
                data={"account_manager": manager.username if manager else None, "city": data.city.code},
            )
    except IntegrityError:
        # The same submission raced in on another connection: answer with the one that won.
        return Opportunity.objects.get(channel=channel, external_id=external_id), False
    return opportunity, True


def opportunity_attach(*, user, opportunity: Opportunity, kind: str, upload) -> Attachment:
    with transaction.atomic():
        attachment = Attachment(opportunity=opportunity, kind=kind, file=upload, uploaded_by=user)
        attachment.full_clean()
        attachment.save()
        timeline_record(
            subject=opportunity,
            action=OpportunityAction.ATTACHED,
            actor=user,
            data={"file": attachment.file.name.rsplit("/", 1)[-1], "kind": kind},
        )
    return attachment
