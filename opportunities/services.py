"""Every write of opportunity management; each service is one transaction, a refusal saves nothing."""

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from viewflow.workflow.models import Task

from customers.access import visible_customers
from customers.models import Customer
from keyaccounts.catalogue.models import Product
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import City
from keyaccounts.core.timeline import timeline_record
from keyaccounts.core.workflow import OPEN_STATUSES, handle_run, human_task, steps_follow
from keyaccounts.peers.client import PeerError, peer_retrieve
from keyaccounts.peers.models import OutboxMessage, Peer
from keyaccounts.peers.outbox import outbox_enqueue
from orders.models import Order
from orders.services import ItemInput, approval_rule_for, order_draft_for_opportunity

from . import access
from .defaults import NO_RESOURCE_REASON, VISIT_CHANNEL
from .lifecycle import opportunity_move
from .models import ApprovalLevel, Attachment, Channel, LostReason, Opportunity, QuoteLine, SurveyResult
from .timeline import OpportunityAction
from .validators import CUSTOMER_OR_PROSPECT

logger = logging.getLogger(__name__)
APPROVE, REJECT = "approve", "reject"
SURVEY_RESOURCE = "checkServiceQualification"


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
    if data.customer is not None and data.prospect_name.strip():
        raise ApplicationError(str(CUSTOMER_OR_PROSPECT), field="prospect_name")
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
        _start_flow(opportunity)
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
            _start_flow(opportunity)
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


# ---------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class Plan:
    """Which branches the opportunity takes, and why: decided by product configuration and its answers."""

    survey: bool
    survey_because: list[str]
    solution: bool
    solution_because: list[str]


def opportunity_plan(opportunity: Opportunity) -> Plan:
    products = list(opportunity.products.all())
    asked = gettext_lazy("asked for by the account manager")
    survey_because = [str(p) for p in products if p.needs_survey] + ([str(asked)] if opportunity.needs_survey else [])
    solution_because = [str(p) for p in products if p.needs_solution] + (
        [str(asked)] if opportunity.needs_solution else []
    )
    return Plan(bool(survey_because), survey_because, bool(solution_because), solution_because)


def quote_approval_level(lines: list[QuoteLine], *, customer_level: str = "") -> str:
    """The highest approval any line's discount needs, by each product's configured thresholds; a quote whose
    total an order approval rule matches needs the city supervisor's at least."""
    level = ApprovalLevel.NONE
    for line in lines:
        if line.discount_percent > line.product.province_discount_limit:
            return ApprovalLevel.PROVINCE
        if line.discount_percent > line.product.city_discount_limit:
            level = ApprovalLevel.CITY
    total = sum((line.amount for line in lines), Decimal(0))
    if approval_rule_for(total=total, level=customer_level, product_ids={line.product_id for line in lines}):
        return ApprovalLevel.CITY if level == ApprovalLevel.NONE else level
    return level


# ---------------------------------------------------------------------------- the flow
def _start_flow(opportunity: Opportunity) -> None:
    from .flows import OpportunityFlow

    OpportunityFlow.start.run(opportunity=opportunity)
    _sla_follow(opportunity)


def _sla_follow(opportunity: Opportunity) -> None:
    """The opportunity's SLA clocks run exactly while its waiting steps are open."""
    from .flows import SLA_STEPS

    steps_follow(
        subject=opportunity,
        process_id=opportunity.process_id,
        steps=SLA_STEPS,
        level=opportunity.customer.level if opportunity.customer_id else "",
        city_id=opportunity.city_id,
        customer_id=opportunity.customer_id,
        product=lambda: opportunity.products.first(),
        account_manager_id=opportunity.account_manager_id,
    )


def _opportunity_of(task: Task) -> Opportunity:
    """The opportunity the flow's switches read (the process row is locked by the flow lock): fresh, and the
    same object, so what a step decides is what the next switch sees."""
    opportunity = task.process.opportunity
    opportunity.refresh_from_db()
    return opportunity


def _lost_reason(reason: LostReason | None, note: str) -> LostReason:
    if reason is None or not reason.is_active:
        raise ApplicationError(_("Choose why the opportunity is lost."), field="lost_reason")
    if not note.strip():
        raise ApplicationError(_("Say in a few words what happened."), field="note")
    return reason


def opportunity_qualify(
    *,
    user,
    task_pk: int,
    customer: Customer | None,
    needs_survey: bool,
    needs_solution: bool,
    installation_address: str = "",
    note: str = "",
) -> Opportunity:
    """The account manager confirms the demand is real and says what it needs; the plan follows."""
    with human_task(task_pk, user=user, may_act=lambda t: access.may_work_on(user, t.process.opportunity)) as act:
        opportunity = _opportunity_of(act.task)
        customer = customer or opportunity.customer
        if customer is None or customer.status != Customer.Status.VALIDATED:
            raise ApplicationError(
                _("Archive the prospect as a customer first (it goes through review), then choose it here."),
                field="customer",
            )
        if not visible_customers(user).filter(pk=customer.pk).exists():
            raise ApplicationError(_("Choose one of your own customers."), field="customer")
        opportunity.customer = customer
        opportunity.account_manager = user
        opportunity.needs_survey = needs_survey
        opportunity.needs_solution = needs_solution
        opportunity.installation_address = installation_address.strip()
        plan = opportunity_plan(opportunity)
        if plan.survey and not opportunity.installation_address:
            raise ApplicationError(_("Give the installation address: EOMS surveys it."), field="installation_address")
        opportunity_move(
            opportunity=opportunity,
            to=Opportunity.Status.IN_PROGRESS,
            action=OpportunityAction.QUALIFIED,
            actor=user,
            reason=note,
            data={"customer": customer.name, "survey": plan.survey, "solution": plan.solution},
            also=("customer", "account_manager", "needs_survey", "needs_solution", "installation_address"),
        )
        act.execute()
        _sla_follow(opportunity)
    return opportunity


def opportunity_give_up(*, user, task_pk: int, lost_reason: LostReason | None, note: str) -> Opportunity:
    """From qualification, quote or closing: the account manager records that the business is lost."""
    lost_reason = _lost_reason(lost_reason, note)
    with human_task(task_pk, user=user, may_act=lambda t: access.may_work_on(user, t.process.opportunity)) as act:
        opportunity = _opportunity_of(act.task)
        opportunity.lost_reason = lost_reason
        opportunity.lost_note = note
        opportunity.save(update_fields=["lost_reason", "lost_note", "updated_at"])
        act.execute()
        _sla_follow(opportunity)
    return opportunity


def opportunity_send_survey(*, opportunity: Opportunity) -> OutboxMessage:
    """The pre-survey as a TMF645 CheckServiceQualification to EOMS, through the outbox."""
    attempt = OutboxMessage.objects.filter(external_id__startswith=f"{opportunity.number}-SQ").count() + 1
    external_id = f"{opportunity.number}-SQ{attempt}"
    payload = {
        "externalId": external_id,
        "description": opportunity.description[:500],
        "relatedParty": [{"role": "customer", "name": opportunity.company_name}],
        "relatedPlace": [{"role": "installationAddress", "name": opportunity.installation_address}],
        "serviceQualificationItem": [
            {"id": str(i), "service": {"serviceSpecification": {"id": p.code, "name": p.name_en}}}
            for i, p in enumerate(opportunity.products.all(), 1)
        ],
        "@type": "CheckServiceQualification",
    }
    message = outbox_enqueue(peer=Peer.EOMS, resource=SURVEY_RESOURCE, external_id=external_id, payload=payload)
    opportunity.survey_reference = external_id
    opportunity.save(update_fields=["survey_reference", "updated_at"])
    timeline_record(subject=opportunity, action=OpportunityAction.SURVEY_REQUESTED, data={"externalId": external_id})
    return message


def opportunity_record_survey(*, opportunity: Opportunity, result: str, note: str = "") -> None:
    """EOMS's answer; an unqualified place ends the opportunity (no network resource)."""
    if result not in SurveyResult.values:
        raise ApplicationError(f"unknown qualification result {result!r}")
    opportunity.survey_result = result
    opportunity.survey_note = note
    if result == SurveyResult.UNQUALIFIED:
        opportunity.lost_reason = LostReason.objects.get(code=NO_RESOURCE_REASON)
        opportunity.lost_note = note or _("EOMS found no network resource at the installation address.")
    opportunity.save(update_fields=["survey_result", "survey_note", "lost_reason", "lost_note", "updated_at"])
    timeline_record(subject=opportunity, action=OpportunityAction.SURVEY_ANSWERED, reason=note, data={"result": result})


def surveys_reconcile() -> int:
    """Ask EOMS for the surveys we wait for (GET is the truth) and apply the finished ones. Returns how many."""
    from .flows import OpportunityFlow

    waiting = Task.objects.filter(flow_task=OpportunityFlow.survey, status__in=OPEN_STATUSES).values_list(
        "pk", "process__opportunity__survey_reference"
    )
    applied = 0
    for task_pk, reference in waiting:
        message = OutboxMessage.objects.filter(external_id=reference, status=OutboxMessage.Status.SENT).first()
        if message is None:
            continue  # not delivered yet: the outbox is still trying, or an operator must retry it
        try:
            answer = peer_retrieve(message.peer, message.resource, message.remote_id).body
        except PeerError as error:
            logger.warning("survey %s not readable: %s", reference, error)
            continue
        if answer.get("state") != "done":
            continue
        applied += opportunity_survey_answered(
            task_pk=task_pk, result=answer.get("qualificationResult", ""), note=answer.get("description", "")
        )
    return applied


def opportunity_survey_answered(*, task_pk: int, result: str, note: str = "") -> bool:
    """Complete the survey step once (a second answer for a finished step changes nothing)."""
    from .flows import OpportunityFlow

    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task_pk)
        if task.status not in OPEN_STATUSES:
            return False
        handle_run(OpportunityFlow.survey, task, result=result, note=note)
        _sla_follow(task.process.opportunity)
    return True


def opportunity_design_solution(*, user, task_pk: int, summary: str, si_company=None) -> Opportunity:
    if not summary.strip():
        raise ApplicationError(_("Describe the solution."), field="summary")
    with human_task(
        task_pk, user=user, may_act=lambda t: access.may_design_solution(user, t.process.opportunity)
    ) as act:
        opportunity = _opportunity_of(act.task)
        opportunity.solution_summary = summary
        opportunity.solution_si_company = si_company
        opportunity.save(update_fields=["solution_summary", "solution_si_company", "updated_at"])
        timeline_record(
            subject=opportunity,
            action=OpportunityAction.SOLUTION_DESIGNED,
            actor=user,
            reason=summary,
            data={"si_company": si_company.code if si_company else None},
        )
        act.execute()
        _sla_follow(opportunity)
    return opportunity


def opportunity_quote(*, user, task_pk: int, lines: list[dict], justification: str = "") -> Opportunity:
    """Price each product; the largest discount against each product's thresholds decides who approves, and a
    discount that needs approval needs the account manager's case for it."""
    with human_task(task_pk, user=user, may_act=lambda t: access.may_work_on(user, t.process.opportunity)) as act:
        opportunity = _opportunity_of(act.task)
        products = {p.pk: p for p in opportunity.products.all()}
        quote = [
            QuoteLine(
                opportunity=opportunity,
                product=products[line["product"].pk],
                quantity=line["quantity"],
                list_price=products[line["product"].pk].list_price,
                unit_cost=products[line["product"].pk].unit_cost,
                discount_percent=line["discount_percent"],
            )
            for line in lines
            if line["product"].pk in products
        ]
        if len(quote) != len(products):
            raise ApplicationError(_("Quote every product of the opportunity."))
        for line in quote:
            if not 0 <= line.discount_percent <= 100:
                raise ApplicationError(
                    _("The discount for %(product)s must lie between 0 and 100.") % {"product": line.product},
                    field="lines",
                )
            if problem := line.product.line_error(line.quantity, line.unit_price):
                raise ApplicationError(problem, field=f"quantity_{line.product_id}")
        level = opportunity.customer.level if opportunity.customer_id else ""
        approval_level = quote_approval_level(quote, customer_level=level)
        waiting = approval_level != ApprovalLevel.NONE
        # A quote a rule sends to approval for its total alone has no discount to argue for.
        if waiting and any(line.discount_percent for line in quote) and not justification.strip():
            raise ApplicationError(
                _("Say why the customer should have this discount: the supervisor who approves it reads it."),
                field="justification",
            )
        opportunity.quote_lines.all().delete()
        QuoteLine.objects.bulk_create(quote)
        opportunity.approval_level = approval_level
        opportunity.approval_decision = ""
        opportunity.discount_justification = justification.strip() if waiting else ""
        opportunity_move(
            opportunity=opportunity,
            to=Opportunity.Status.PENDING if waiting else Opportunity.Status.IN_PROGRESS,
            action=OpportunityAction.QUOTED,
            actor=user,
            data={
                "total": str(sum(line.amount for line in quote)),
                "discounts": {line.product.code: str(line.discount_percent) for line in quote},
                "approval": opportunity.approval_level,
            },
            reason=opportunity.discount_justification,
            also=("approval_level", "approval_decision", "discount_justification"),
        )
        act.execute()
        _sla_follow(opportunity)
    return opportunity


def opportunity_decide_discount(*, user, task_pk: int, decision: str, reason: str = "") -> Opportunity:
    """A supervisor approves the quote, or refuses it and the account manager quotes again."""
    if decision not in (APPROVE, REJECT):
        raise ApplicationError(_("Choose a decision."), field="decision")
    if decision == REJECT and not reason.strip():
        raise ApplicationError(_("Give a reason: the account manager will read it."), field="reason")
    with human_task(
        task_pk, user=user, may_act=lambda t: access.may_approve_discount(user, t.process.opportunity)
    ) as act:
        opportunity = _opportunity_of(act.task)
        opportunity.approval_decision = decision
        opportunity_move(
            opportunity=opportunity,
            to=Opportunity.Status.IN_PROGRESS,
            action=OpportunityAction.DISCOUNT_APPROVED if decision == APPROVE else OpportunityAction.DISCOUNT_REFUSED,
            actor=user,
            reason=reason,
            data={"level": opportunity.approval_level},
            also=("approval_decision",),
        )
        act.execute()
        _sla_follow(opportunity)
    return opportunity


def opportunity_mark_won(*, user, task_pk: int, note: str = "") -> Opportunity:
    """The customer accepted the quote: the flow creates the draft order."""
    with human_task(task_pk, user=user, may_act=lambda t: access.may_work_on(user, t.process.opportunity)) as act:
        opportunity = _opportunity_of(act.task)
        timeline_record(subject=opportunity, action=OpportunityAction.CUSTOMER_AGREED, actor=user, reason=note)
        act.execute()
        _sla_follow(opportunity)
    return opportunity


def _known_elements(opportunity: Opportunity, product: Product) -> dict:
    """The order elements the opportunity already knows (the surveyed address, the contact), for those the
    product's order carries."""
    known = {
        "install_address": opportunity.installation_address,
        "a_end_address": opportunity.installation_address,
        "contact_name": opportunity.contact_name,
        "contact_phone": opportunity.contact_phone,
    }
    carried = {element.code for element in product.elements.all()}
    return {code: value for code, value in known.items() if value and code in carried}


def opportunity_win(*, opportunity: Opportunity) -> Order:
    """Won (E2): order management drafts the order for the account manager, with the agreed prices and what
    the opportunity knows of the elements."""
    items = [
        ItemInput(
            product=line.product,
            quantity=line.quantity,
            unit_price=line.unit_price,
            elements=_known_elements(opportunity, line.product),
        )
        for line in opportunity.quote_lines.select_related("product").prefetch_related("product__elements")
    ]
    order = order_draft_for_opportunity(opportunity=opportunity, items=items)
    opportunity_move(
        opportunity=opportunity,
        to=Opportunity.Status.ACCEPTED,
        action=OpportunityAction.WON,
        data={"order": order.number, "total": str(sum((i.unit_price * i.quantity for i in items), Decimal(0)))},
    )
    return order


def opportunity_lose(*, opportunity: Opportunity) -> None:
    reason = opportunity.lost_reason
    to = Opportunity.Status.CANCELLED if reason.outcome == LostReason.Outcome.CANCELLED else Opportunity.Status.REJECTED
    opportunity_move(
        opportunity=opportunity,
        to=to,
        action=OpportunityAction.LOST,
        reason=opportunity.lost_note,
        data={"lost_reason": reason.code},
    )
