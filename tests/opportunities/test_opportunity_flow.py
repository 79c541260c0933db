"""O1–O8: the three business elements (survey, solution, discount beyond the threshold) as branches,
driven through the services as the pages drive them; the survey goes to the real EOMS stub over HTTP."""

import datetime as dt
from decimal import Decimal

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import PROCESS

from keyaccounts.core.exceptions import ApplicationError, TaskClosedError
from keyaccounts.core.timeline import timeline_for
from keyaccounts.peers.models import OutboxMessage
from keyaccounts.peers.outbox import outbox_sweep
from opportunities import services
from opportunities.flows import OpportunityFlow
from opportunities.models import LostReason, Opportunity, SurveyResult
from opportunities.services import OpportunityInput
from orders.models import Order
from tests.opportunities.conftest import make_product

pytestmark = pytest.mark.django_db
F = OpportunityFlow


def record(manager, products, customer=None, **fields) -> Opportunity:
    return services.opportunity_record(
        user=manager,
        data=OpportunityInput(
            city=manager.city,
            products=products,
            estimated_value=Decimal("100000"),
            expected_close_date=dt.date(2027, 3, 31),
            description="Demand met on a visit",
            customer=customer,
            prospect_name="" if customer else "新客户有限公司",
            **fields,
        ),
    )


def task(opportunity, node) -> Task:
    return Task.objects.get(process_id=opportunity.process_id, flow_task=node, status__in=["NEW", "ASSIGNED"])


def nodes_taken(opportunity) -> list[str]:
    return [t.flow_task.name for t in Task.objects.filter(process_id=opportunity.process_id).order_by("pk")]


def answer_survey() -> None:
    """What beat does: deliver the outbox, then read EOMS's answers."""
    outbox_sweep()
    assert services.surveys_reconcile() == 1


@pytest.mark.parametrize(
    ("scenario", "survey", "solution", "discount"),
    [
        ("O1", False, False, "5"),
        ("O2", False, False, "15"),
        ("O3", False, True, "5"),
        ("O4", False, True, "15"),
        ("O5", True, False, "5"),
        ("O6", True, False, "15"),
        ("O7", True, True, "5"),
        ("O8", True, True, "25"),
    ],
)
def test_each_opportunity_scenario_takes_its_path_and_wins_a_draft_order(
    scenario, survey, solution, discount, manager, customer, presales, city_supervisor, provincial_supervisor, eoms
):
    line = make_product("internet-line", route="T2", needs_survey=survey)
    mailbox = make_product("mobile-mailbox", needs_solution=solution)
    opportunity = record(manager, [line, mailbox], customer=customer)
    plan = services.opportunity_plan(opportunity)
    assert (plan.survey, plan.solution) == (survey, solution)

    services.opportunity_qualify(
        user=manager,
        task_pk=task(opportunity, F.qualify).pk,
        customer=customer,
        needs_survey=False,
        needs_solution=False,
        installation_address="长春市南关区人民大街 100 号",
    )
    if survey:
        answer_survey()
    if solution:
        services.opportunity_design_solution(
            user=presales, task_pk=task(opportunity, F.solution).pk, summary="Mailbox tied to the ERP"
        )
    services.opportunity_quote(
        user=manager,
        task_pk=task(opportunity, F.quote).pk,
        lines=[
            {"product": line, "quantity": 2, "discount_percent": Decimal(discount)},
            {"product": mailbox, "quantity": 50, "discount_percent": Decimal("0")},
        ],
        justification="A three-year contract" if discount != "5" else "",
    )
    opportunity.refresh_from_db()
    if discount == "15":
        assert opportunity.status == Opportunity.Status.PENDING
        services.opportunity_decide_discount(
            user=city_supervisor, task_pk=task(opportunity, F.approve_city).pk, decision="approve"
        )
    if discount == "25":
        services.opportunity_decide_discount(
            user=provincial_supervisor, task_pk=task(opportunity, F.approve_province).pk, decision="approve"
        )
    services.opportunity_mark_won(user=manager, task_pk=task(opportunity, F.close).pk)

    expected = ["start", "qualify"]
    expected += ["request_survey", "survey"] if survey else []
    expected += ["solution"] if solution else []
    expected += ["quote"]
    expected += {"5": [], "15": ["approve_city"], "25": ["approve_province"]}[discount]
    expected += ["close", "win", "end"]
    assert [n for n in nodes_taken(opportunity) if not n.startswith("after_")] == expected, scenario

    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.ACCEPTED
    assert opportunity.process.status == PROCESS.DONE
    order = Order.objects.get(opportunity=opportunity)
    assert (order.status, order.customer, order.account_manager) == (Order.Status.DRAFT, customer, manager)
    prices = {i.product.code: (i.quantity, i.unit_price) for i in order.items.all()}
    agreed = Decimal("10000") * (100 - Decimal(discount)) / 100
    assert prices == {"internet-line": (2, agreed), "mobile-mailbox": (50, Decimal("10000"))}
    if survey:
        assert opportunity.survey_result == SurveyResult.QUALIFIED


def test_an_unqualified_survey_ends_the_opportunity_as_lost_for_no_resource(manager, customer, eoms):
    line = make_product("internet-line", route="T2", needs_survey=True)
    opportunity = record(manager, [line], customer=customer)
    services.opportunity_qualify(
        user=manager,
        task_pk=task(opportunity, F.qualify).pk,
        customer=customer,
        needs_survey=False,
        needs_solution=False,
        installation_address="长春市双阳区山区 unqualified 无资源",
    )
    opportunity.refresh_from_db()
    message = OutboxMessage.objects.get(external_id=opportunity.survey_reference)
    assert message.payload["relatedPlace"][0]["name"].startswith("长春市双阳区")
    answer_survey()
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.REJECTED
    assert (opportunity.survey_result, opportunity.lost_reason.code) == ("unqualified", "no-resource")
    assert timeline_for(opportunity)[-1].data == {"lost_reason": "no-resource"}
    assert not Order.objects.exists()
    # A second read of the same answer changes nothing.
    assert services.surveys_reconcile() == 0


def test_an_alternate_answer_goes_on_to_the_quote(manager, customer, eoms):
    opportunity = record(manager, [make_product("data-line", route="T2")], customer=customer)
    services.opportunity_qualify(
        user=manager,
        task_pk=task(opportunity, F.qualify).pk,
        customer=customer,
        needs_survey=True,
        needs_solution=False,
        installation_address="吉林市高新区 alternate 替代接入",
    )
    answer_survey()
    opportunity.refresh_from_db()
    assert opportunity.survey_result == SurveyResult.ALTERNATE
    assert task(opportunity, F.quote).owner == manager


def test_a_refused_discount_returns_to_the_quote_with_the_reason(manager, customer, city_supervisor):
    product = make_product("group-sms")
    opportunity = record(manager, [product], customer=customer)
    services.opportunity_qualify(
        user=manager, task_pk=task(opportunity, F.qualify).pk, customer=None, needs_survey=False, needs_solution=False
    )
    quote = {"product": product, "quantity": 1, "discount_percent": Decimal("18")}
    services.opportunity_quote(
        user=manager, task_pk=task(opportunity, F.quote).pk, lines=[quote], justification="A competitor's offer"
    )
    approval = task(opportunity, F.approve_city)
    with pytest.raises(ApplicationError, match="reason"):
        services.opportunity_decide_discount(user=city_supervisor, task_pk=approval.pk, decision="reject")
    services.opportunity_decide_discount(
        user=city_supervisor, task_pk=approval.pk, decision="reject", reason="Keep it within 10 percent"
    )
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.IN_PROGRESS
    refused = timeline_for(opportunity)[-1]
    assert (refused.action, refused.reason, refused.actor) == (
        "opportunity.discount_refused",
        "Keep it within 10 percent",
        city_supervisor,
    )
    # The account manager quotes again within the threshold: no approval this time.
    services.opportunity_quote(
        user=manager, task_pk=task(opportunity, F.quote).pk, lines=[{**quote, "discount_percent": Decimal("8")}]
    )
    services.opportunity_mark_won(user=manager, task_pk=task(opportunity, F.close).pk)
    assert Order.objects.get(opportunity=opportunity).items.get().unit_price == Decimal("9200.00")


def test_a_lost_opportunity_ends_with_its_reason_and_a_withdrawn_one_as_cancelled(manager, customer):
    product = make_product("vpmn", route="T1")
    lost = record(manager, [product], customer=customer)
    with pytest.raises(ApplicationError):
        services.opportunity_give_up(user=manager, task_pk=task(lost, F.qualify).pk, lost_reason=None, note="x")
    services.opportunity_give_up(
        user=manager,
        task_pk=task(lost, F.qualify).pk,
        lost_reason=LostReason.objects.get(code="competitor"),
        note="Signed with another operator",
    )
    lost.refresh_from_db()
    assert (lost.status, lost.lost_reason.code, lost.lost_note) == (
        "rejected",
        "competitor",
        "Signed with another operator",
    )
    withdrawn = record(manager, [product], customer=customer)
    services.opportunity_qualify(
        user=manager, task_pk=task(withdrawn, F.qualify).pk, customer=None, needs_survey=False, needs_solution=False
    )
    services.opportunity_quote(
        user=manager,
        task_pk=task(withdrawn, F.quote).pk,
        lines=[{"product": product, "quantity": 1, "discount_percent": Decimal("0")}],
    )
    services.opportunity_give_up(
        user=manager,
        task_pk=task(withdrawn, F.close).pk,
        lost_reason=LostReason.objects.get(code="cancelled"),
        note="Project postponed",
    )
    withdrawn.refresh_from_db()
    assert withdrawn.status == Opportunity.Status.CANCELLED
    assert not Order.objects.exists()


def test_a_prospect_must_be_archived_before_it_is_qualified(manager, customer):
    opportunity = record(manager, [make_product("vpmn", route="T1")])
    qualify = task(opportunity, F.qualify)
    with pytest.raises(ApplicationError, match="Archive the prospect"):
        services.opportunity_qualify(
            user=manager, task_pk=qualify.pk, customer=None, needs_survey=False, needs_solution=False
        )
    qualify.refresh_from_db()
    assert (qualify.owner, qualify.status) == (manager, "ASSIGNED")
    services.opportunity_qualify(
        user=manager, task_pk=qualify.pk, customer=customer, needs_survey=False, needs_solution=False
    )
    opportunity.refresh_from_db()
    assert (opportunity.customer, opportunity.status) == (customer, Opportunity.Status.IN_PROGRESS)
    with pytest.raises(TaskClosedError):
        services.opportunity_qualify(
            user=manager, task_pk=qualify.pk, customer=customer, needs_survey=False, needs_solution=False
        )


def test_only_the_right_people_act_on_each_step(manager, customer, user_in_role, presales, city_supervisor, other_city):
    from django.core.exceptions import PermissionDenied

    from keyaccounts.core.roles import Role

    product = make_product("group-sms")
    opportunity = record(manager, [product], customer=customer)
    colleague = user_in_role(Role.ACCOUNT_MANAGER, username="am2")
    with pytest.raises(PermissionDenied):
        services.opportunity_qualify(
            user=colleague,
            task_pk=task(opportunity, F.qualify).pk,
            customer=customer,
            needs_survey=False,
            needs_solution=False,
        )
    services.opportunity_qualify(
        user=manager, task_pk=task(opportunity, F.qualify).pk, customer=None, needs_survey=False, needs_solution=True
    )
    outsider = user_in_role(Role.BACK_OFFICE, username="bo_no_presales")
    with pytest.raises(PermissionDenied):
        services.opportunity_design_solution(user=outsider, task_pk=task(opportunity, F.solution).pk, summary="x")
    assert Opportunity.objects.get(pk=opportunity.pk).solution_summary == ""
    services.opportunity_design_solution(user=presales, task_pk=task(opportunity, F.solution).pk, summary="SMS API")
    services.opportunity_quote(
        user=manager,
        task_pk=task(opportunity, F.quote).pk,
        lines=[{"product": product, "quantity": 1, "discount_percent": Decimal("15")}],
        justification="A competitor's offer",
    )
    foreign = user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_other")
    with pytest.raises(PermissionDenied):
        services.opportunity_decide_discount(
            user=foreign, task_pk=task(opportunity, F.approve_city).pk, decision="approve"
        )
    services.opportunity_decide_discount(
        user=city_supervisor, task_pk=task(opportunity, F.approve_city).pk, decision="approve"
    )
    assert task(opportunity, F.close).owner == manager


def test_a_prospects_opportunity_shows_in_the_inbox_under_the_name_it_was_given(manager, customer):
    from django.urls import reverse

    from keyaccounts.inbox.inbox import inbox_rows

    prospect, known = record(manager, [make_product("a")]), record(manager, [make_product("b")], customer=customer)
    rows = {row.task_id: row for view in ("mine", "queue") for row in inbox_rows(manager, view=view)}
    for opportunity, name in ((prospect, "新客户有限公司"), (known, customer.name)):
        row = rows[task(opportunity, F.qualify).pk]
        assert row.customer_name == name
        assert row.url == reverse("opportunities:task", args=[opportunity.pk, row.task_id])
