"""Network incidents (TMF656 ServiceProblem): EOMS raises one by a signed event through the stub and our listener,
or a supervisor groups open fault tickets into one; every affected customer gets exactly one child fault ticket
(their own open one linked, else one opened, timed and told); resolving the incident resolves the children, and
each child's customer confirms on their own. Only supervisors and the desk of the cities concerned see it."""

import datetime as dt

import pytest
import requests
from django.urls import reverse

from assurance.flows import TicketFlow
from assurance.incidents import (
    problem_children_open,
    problem_children_start,
    problem_children_wake,
    problem_group,
    problem_resolve,
)
from assurance.lifecycle import ticket_move
from assurance.models import ResolutionCode, ServiceProblem, ServiceProblemTicket, TroubleTicket
from assurance.services import ticket_record_decision
from customers.models import Contact, Customer
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_for
from keyaccounts.messaging.selectors import messages_of
from keyaccounts.peers.models import InboundEvent, OutboxMessage
from sla.models import SlaClock, SlaPolicy, TimeBasis
from tests.factories import credit_code
from tests.messaging.conftest import templates  # noqa: F401
from tests.processes import wait_for

from .conftest import F, open_task, report, running_service
from .test_faults import beat_until, listening  # noqa: F401

Status = TroubleTicket.Status
PLACE = "长春市绿园区"


def another_customer(manager, name: str, n: int) -> Customer:
    customer = Customer.objects.create(
        name=name,
        credit_code=credit_code(n),
        industry="manufacturing",
        address=PLACE,
        size="large",
        city=manager.city,
        account_manager=manager,
        status=Customer.Status.VALIDATED,
        level="B",
        proposed_level="B",
    )
    Contact.objects.create(customer=customer, name=f"{name}联系人", role="IT", phone=f"1390431{n:04d}")
    return customer


@pytest.fixture
def street(customer, manager, catalogue, contact):
    """Three customers with internet lines in the district (the first has two), one line elsewhere."""
    neighbour = another_customer(manager, "长春客车厂", 21)
    third = another_customer(manager, "长春轨道客车", 22)
    lines = {
        "first": running_service(customer, catalogue["T2"], install_address=f"{PLACE} 1 号"),
        "first_b": running_service(customer, catalogue["T2"], install_address=f"{PLACE} 1 号 B 座"),
        "neighbour": running_service(neighbour, catalogue["T2"], install_address=f"{PLACE} 3 号"),
        "third": running_service(third, catalogue["T2"], install_address=f"{PLACE} 3 号 2 楼"),
        "elsewhere": running_service(third, catalogue["T2"], install_address="长春市南关区 5 号"),
    }
    return {"customers": (customer, neighbour, third), "lines": lines}


def children_of(problem) -> dict[int, TroubleTicket]:
    return {
        c.customer_id: c.ticket for c in ServiceProblemTicket.objects.filter(problem=problem).select_related("ticket")
    }


def raise_at_eoms(stub, reference: str, *, place: str = PLACE, city: str = "") -> str:
    """EOMS finds a cut fibre: the stub tells its listeners (ServiceProblemCreateEvent). Returns EOMS's id."""
    answer = requests.post(
        f"{stub}/eoms/serviceProblem",
        json={
            "externalId": reference,
            "name": "绿园区光缆中断",
            "category": "fibreCut",
            "characteristic": [
                {"name": "product", "value": "internet-line"},
                *([{"name": "city", "value": city}] if city else []),
            ],
            "affectedLocation": [{"role": "install_address", "name": place}],
        },
        timeout=5,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def resolve_at_eoms(stub, eoms_id: str, reason: str) -> None:
    """EOMS's operator has spliced the fibre: the stub tells its listeners (ServiceProblemStateChangeEvent)."""
    answer = requests.patch(
        f"{stub}/eoms/serviceProblem/{eoms_id}", json={"status": "resolved", "statusChangeReason": reason}, timeout=5
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.django_db(transaction=True)
def test_eoms_raises_an_incident_over_the_signed_listener_linking_who_reported_and_opening_one_child_per_customer(
    listening,  # noqa: F811
    celery_worker_process,
    templates,  # noqa: F811
    configured,
    manager,
    customer,
    contact,
    street,
):
    lines = street["lines"]
    # EOMS asks about it and waits for our answer: still open, however fast the worker and the stub are.
    reported = report(manager, customer, kind="fault", services=[lines["first"]], description="needinfo: Line down")
    requests.post(f"{listening}/eoms/faults", json={"duplicate_rate": 1.0}, timeout=5)  # every event twice
    try:
        raise_at_eoms(listening, "EOMS-SP-1")
        wait_for(lambda: ServiceProblemTicket.objects.count() == 3, timeout=40)
    finally:
        requests.post(f"{listening}/eoms/faults", json={}, timeout=5)
    problem = ServiceProblem.objects.get()
    assert (problem.external_id, problem.origin, problem.status) == ("EOMS-SP-1", "eoms", "acknowledged")
    assert InboundEvent.objects.filter(event_type="ServiceProblemCreateEvent").count() == 1  # the replay: once
    first, neighbour, third = street["customers"]
    children = children_of(problem)
    assert children[first.pk] == reported  # the customer who reported: linked, not duplicated
    assert TroubleTicket.objects.filter(customer=first).count() == 1
    for owner in (neighbour, third):
        child = children[owner.pk]
        assert (child.type, child.channel, child.status) == ("fault", "eoms", Status.ACKNOWLEDGED)
        assert child.severity == "level1"  # the demo's rule: an interrupted internet line
        clock = SlaClock.objects.get(subject_id=child.pk, step="assurance.fault_level1", stopped_at=None)
        assert child.requested_resolution_date == clock.due_at
        assert [m.event for m in messages_of(child)] == ["ticket_acknowledged"]
    assert list(children[third.pk].services.all()) == [lines["third"]]  # not the line elsewhere
    # Told again (another event, or a second opening): still one child per customer.
    assert problem_children_open(problem=problem) == (0, 0)
    assert TroubleTicket.objects.count() == 3
    # The children's flows wait for the incident, never sent to EOMS one by one.
    wait_for(lambda: not TroubleTicket.objects.filter(process__isnull=True).exists(), timeout=40)
    opened = [children[o.pk].external_id for o in (neighbour, third)]
    assert not OutboxMessage.objects.filter(external_id__in=opened).exists()


def group_and_resolve(
    celery_worker_process,
    templates,  # noqa: F811
    configured,
    manager,
    supervisor,
    customer,
    contact,
    street,
    client,
):
    first, neighbour, third = street["customers"]
    lines = street["lines"]
    mine = report(manager, first, kind="fault", services=[lines["first"]], description="Line down", contact=contact)
    theirs = report(manager, neighbour, kind="fault", services=[lines["neighbour"]], description="No internet")
    client.force_login(supervisor)
    page = client.get(reverse("assurance:incidents"))
    assert {mine.pk, theirs.pk} <= {t.pk for t in page.context["groupable"]}
    refused = client.post(reverse("assurance:incidents"), {"tickets": [mine.pk], "name": "光缆中断"})
    assert "at least two" in refused.content.decode()
    assert not ServiceProblem.objects.exists()
    answer = client.post(reverse("assurance:incidents"), {"tickets": [mine.pk, theirs.pk], "name": "光缆中断"})
    problem = ServiceProblem.objects.get()
    assert answer.url == reverse("assurance:incident", args=[problem.pk])
    children = children_of(problem)
    assert (children[first.pk], children[neighbour.pk]) == (mine, theirs)
    assert children[third.pk].channel == "eoms"  # the third customer there had not reported: opened for them
    detail = client.get(answer.url).content.decode()
    assert "长春轨道客车" in detail
    assert "Acknowledged" in detail
    assert "acknowledged</td>" not in detail
    assert reverse("assurance:incident", args=[problem.pk]) in client.get(mine.get_absolute_url()).content.decode()
    wait_for(lambda: not TroubleTicket.objects.filter(process__isnull=True).exists(), timeout=40)

    refused = client.post(reverse("assurance:incident_resolve", args=[problem.pk]), {"notes": "fibre spliced"})
    assert ServiceProblem.objects.get().status == "acknowledged"  # no resolution code: nothing changed
    client.post(
        reverse("assurance:incident_resolve", args=[problem.pk]),
        {"resolution": configured_code("repaired"), "notes": "光缆已熔接"},
    )
    problem.refresh_from_db()
    assert problem.status == "resolved"
    assert {t.status for t in TroubleTicket.objects.all()} == {Status.RESOLVED}
    assert not SlaClock.objects.filter(step="assurance.fault_level1", stopped_at=None).exists()
    return children, (first, neighbour, third)


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_groups_tickets_and_the_resolution_flows_to_every_child(
    celery_worker_process,
    templates,  # noqa: F811
    configured,
    manager,
    supervisor,
    customer,
    contact,
    street,
    client,
):
    group_and_resolve(
        celery_worker_process, templates, configured, manager, supervisor, customer, contact, street, client
    )


@pytest.mark.django_db(transaction=True)
def test_each_child_of_a_resolved_incident_is_confirmed_by_its_own_customer(
    celery_worker_process,
    templates,  # noqa: F811
    configured,
    manager,
    supervisor,
    customer,
    contact,
    street,
    client,
):
    children, owners = group_and_resolve(
        celery_worker_process, templates, configured, manager, supervisor, customer, contact, street, client
    )
    # Read again: the third customer's child got its flow in the worker after it was opened.
    tickets = [TroubleTicket.objects.get(pk=children[o.pk].pk) for o in owners]
    for ticket in tickets:  # each child goes on to its own customer's confirmation, assigned to their manager
        wait_for(lambda t=ticket: open_task(t, F.confirm) is not None, timeout=40)
        assert open_task(ticket, F.confirm).owner == manager
    for told in (tickets[0], tickets[2]):  # the customers with a reporting contact are asked to confirm
        assert [m.event for m in messages_of(told)][-1] == "confirmation_requested"
    ticket_record_decision(user=manager, task_pk=open_task(tickets[0], F.confirm).pk, accepted=True)
    ticket_record_decision(user=manager, task_pk=open_task(tickets[1], F.confirm).pk, accepted=False, note="still down")
    assert [TroubleTicket.objects.get(pk=t.pk).status for t in tickets] == [
        Status.CLOSED,
        Status.IN_PROGRESS,
        Status.RESOLVED,  # the third customer has not answered yet: their ticket waits for them alone
    ]
    assert ServiceProblem.objects.get().status == "resolved"  # not every customer's ticket is finished
    assert open_task(tickets[1], F.await_eoms) is not None  # reopened at EOMS, which had the customer's report


def start_and_wake(problem) -> list[TroubleTicket]:
    """What the worker does after the incident opens and after it is resolved (its tasks call these)."""
    problem_children_start(problem_pk=problem.pk)
    problem_children_wake(problem_pk=problem.pk)
    return list(TroubleTicket.objects.filter(problem_link__problem=problem).order_by("customer_id"))


@pytest.mark.django_db(transaction=True)
def test_the_incident_closes_once_every_customer_has_answered_and_a_child_eoms_never_had_goes_to_eoms_when_rejected(
    templates,  # noqa: F811
    configured,
    manager,
    supervisor,
    customer,
    contact,
    street,
):
    first, neighbour, _third = street["customers"]
    lines = street["lines"]
    reported = [
        report(manager, first, kind="fault", services=[lines["first"]], description="down", contact=contact),
        report(manager, neighbour, kind="fault", services=[lines["neighbour"]], description="down"),
    ]
    problem = problem_group(user=supervisor, ticket_pks=[t.pk for t in reported], name="光缆中断")
    problem_children_start(problem_pk=problem.pk)
    problem_resolve(
        user=supervisor, problem_pk=problem.pk, resolution=ResolutionCode.objects.get(code="repaired"), notes="熔接"
    )
    tickets = start_and_wake(problem)
    opened = tickets[2]
    assert opened.channel == "eoms"
    assert not OutboxMessage.objects.filter(external_id=opened.external_id).exists()
    ticket_record_decision(user=manager, task_pk=open_task(opened, F.confirm).pk, accepted=False, note="still down")
    # The customer's line is still down: the child EOMS never had goes to EOMS on its own.
    assert OutboxMessage.objects.filter(external_id=opened.external_id).exists()
    assert open_task(opened, F.await_eoms) is not None
    for ticket in tickets[:2]:
        ticket_record_decision(user=manager, task_pk=open_task(ticket, F.confirm).pk, accepted=True)
    problem.refresh_from_db()
    assert problem.status == "resolved"  # the third customer's ticket is worked again
    with TicketFlow.lock(opened.process_id):  # withdrawn: the last child finishes
        ticket_move(ticket=TroubleTicket.objects.get(pk=opened.pk), to=Status.CANCELLED, action="ticket.cancelled")
    problem.refresh_from_db()
    assert problem.status == "closed"
    assert [e.action for e in timeline_for(problem)][-1] == "problem.closed"


@pytest.mark.django_db(transaction=True)
def test_eoms_resolving_its_incident_resolves_every_child_as_the_supervisor_would(
    listening,  # noqa: F811
    templates,  # noqa: F811
    configured,
    manager,
    supervisor,
    customer,
    contact,
    street,
    client,
):
    eoms_id = raise_at_eoms(listening, "EOMS-SP-2")
    beat_until(lambda: ServiceProblemTicket.objects.count() == 3)
    problem = ServiceProblem.objects.get()
    resolve_at_eoms(listening, eoms_id, "光缆已熔接")
    beat_until(lambda: ServiceProblem.objects.get().status == "resolved")
    problem.refresh_from_db()
    assert problem.resolution_notes == "光缆已熔接"
    assert {t.status for t in TroubleTicket.objects.all()} == {Status.RESOLVED}
    assert not SlaClock.objects.filter(step="assurance.fault_level1", stopped_at=None).exists()
    tickets = start_and_wake(problem)
    for ticket in tickets:  # each customer confirms on their own
        assert open_task(ticket, F.confirm).owner == manager
    client.force_login(supervisor)
    page = client.get(problem.get_absolute_url()).content.decode()
    assert 'data-testid="incident-resolution">光缆已熔接 · ' in page  # EOMS's reason; it names no code of ours
    assert "Network incident resolved" in page
    assert "incident-resolve" not in page  # resolved: no form to resolve it again
    resolve_at_eoms(listening, eoms_id, "again")  # told again: nothing changes
    beat_until(lambda: InboundEvent.objects.filter(event_type="ServiceProblemStateChangeEvent").exists())
    assert ServiceProblem.objects.get().resolution_notes == "光缆已熔接"


@pytest.mark.django_db(transaction=True)
def test_eoms_progress_on_its_incident_is_told_to_each_customer_with_a_child(
    listening,  # noqa: F811
    templates,  # noqa: F811
    configured,
    street,
):
    first, neighbour, third = street["customers"]
    Contact.objects.filter(customer=neighbour).delete()  # nobody of theirs to tell
    eoms_id = raise_at_eoms(listening, "EOMS-SP-5")
    beat_until(lambda: ServiceProblemTicket.objects.count() == 3)
    children = children_of(ServiceProblem.objects.get())
    answer = requests.patch(
        f"{listening}/eoms/serviceProblem/{eoms_id}",
        json={"status": "inProgress", "statusChangeReason": "抢修队已到达人井"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text
    beat_until(lambda: ServiceProblem.objects.get().status == "inProgress")
    for owner in (first, third):
        (progress,) = messages_of(children[owner.pk]).filter(event="ticket_progress")
        assert progress.content.endswith("进展：处理中 — 抢修队已到达人井")
    lines = timeline_for(children[neighbour.pk])
    assert ("ticket_progress", "no_contact") in [
        (e.data["event"], e.data["why"]) for e in lines if e.action == "ticket.customer_not_told"
    ]


@pytest.mark.django_db(transaction=True)
def test_an_incident_affecting_no_customer_is_seen_by_the_city_eoms_names_and_says_so(
    listening,  # noqa: F811
    configured,
    supervisor,
    street,
    user_in_role,
    other_city,
    city,
    client,
):
    raise_at_eoms(listening, "EOMS-SP-3", place="长春市双阳区", city=city.code)
    beat_until(lambda: ServiceProblem.objects.exists())
    problem = ServiceProblem.objects.get()
    assert not problem.children.exists()
    client.force_login(supervisor)
    assert [row["problem"] for row in client.get(reverse("assurance:incidents")).context["rows"]] == [problem]
    page = client.get(problem.get_absolute_url()).content.decode()
    assert "No customer is affected" in page
    client.force_login(user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_far"))
    assert client.get(problem.get_absolute_url()).status_code == 404
    client.force_login(supervisor)  # resolved: nobody is left to confirm, so it closes
    client.post(
        reverse("assurance:incident_resolve", args=[problem.pk]),
        {"resolution": configured_code("repaired"), "notes": "误报"},
    )
    assert ServiceProblem.objects.get().status == "closed"


def configured_code(code: str) -> int:
    from assurance.models import ResolutionCode

    return ResolutionCode.objects.get(code=code).pk


@pytest.mark.django_db
def test_only_the_cities_concerned_see_an_incident(
    configured, manager, supervisor, customer, street, user_in_role, other_city, client
):
    first, neighbour, _third = street["customers"]
    lines = street["lines"]
    tickets = [
        report(manager, first, kind="fault", services=[lines["first"]], description="down"),
        report(manager, neighbour, kind="fault", services=[lines["neighbour"]], description="down"),
    ]
    problem = problem_group(user=supervisor, ticket_pks=[t.pk for t in tickets], name="光缆中断")
    far = user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_far")
    client.force_login(far)
    assert problem not in client.get(reverse("assurance:incidents")).context["rows"]
    assert not client.get(reverse("assurance:incidents")).context["rows"]
    assert client.get(reverse("assurance:incident", args=[problem.pk])).status_code == 404
    assert client.post(reverse("assurance:incident_resolve", args=[problem.pk]), {}).status_code == 404
    client.force_login(manager)  # an account manager sees the child ticket, not the incident
    assert client.get(reverse("assurance:incidents")).status_code == 403
    assert (
        reverse("assurance:incident", args=[problem.pk])
        not in client.get(tickets[0].get_absolute_url()).content.decode()
    )
    client.force_login(supervisor)
    assert client.get(reverse("assurance:incident", args=[problem.pk])).status_code == 200


@pytest.mark.django_db
def test_a_child_is_timed_by_its_restoration_and_never_waits_for_a_dispatch_of_its_own(
    templates,  # noqa: F811
    configured,
    street,
):
    for step in ("assurance.dispatch", "assurance.acknowledge_level1", "assurance.progress_level1"):
        SlaPolicy.objects.create(step=step, limit=dt.timedelta(hours=1), time_basis=TimeBasis.CALENDAR)
    problem = ServiceProblem.objects.create(
        name="光缆中断",
        origin="eoms",
        external_id="EOMS-SP-6",
        affected_location=[{"role": "install_address", "name": PLACE}],
    )
    problem.products.set([street["lines"]["first"].product])
    problem_children_open(problem=problem)
    children = start_and_wake(problem)  # their flows wait for the incident: EOMS works it, not each child
    assert set(SlaClock.objects.filter(subject_id__in=[c.pk for c in children]).values_list("step", flat=True)) == {
        "assurance.fault_level1"
    }


@pytest.mark.django_db
def test_opening_tells_each_customer_in_bulk_and_notes_on_the_ticket_who_could_not_be_told(
    templates,  # noqa: F811
    configured,
    street,
):
    first, neighbour, third = street["customers"]
    Contact.objects.filter(customer=neighbour).delete()  # nobody of theirs to tell
    problem = ServiceProblem.objects.create(
        name="光缆中断",
        origin="eoms",
        external_id="EOMS-SP-4",
        affected_location=[{"role": "install_address", "name": PLACE}],
    )
    problem.products.set([street["lines"]["first"].product])
    assert problem_children_open(problem=problem) == (3, 0)
    children = children_of(problem)
    told = [m for owner in (first, third) for m in messages_of(children[owner.pk])]
    assert [m.event for m in told] == ["ticket_acknowledged", "ticket_acknowledged"]
    for owner in (first, third):  # each written about their own ticket
        (message,) = messages_of(children[owner.pk])
        assert children[owner.pk].number in message.content
    # Each message leaves through the outbox, its current attempt as one row.
    assert set(OutboxMessage.objects.values_list("external_id", flat=True)) == {f"{m.reference}-1" for m in told}
    assert not messages_of(children[neighbour.pk]).exists()
    lines = timeline_for(children[neighbour.pk])
    assert [(e.action, e.data.get("why")) for e in lines if e.action == "ticket.customer_not_told"] == [
        ("ticket.customer_not_told", "no_contact")
    ]
