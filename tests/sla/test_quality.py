"""Network quality SLA: targets by product and grade, EOMS's measurements over real HTTP (the stub), one
violation with the measured value and one fault ticket (assurance's, sent to EOMS) per missed target, scoped by
city."""

import datetime as dt
from decimal import Decimal

import pytest
import requests
from django.urls import reverse
from django.utils import timezone

from assurance.models import TroubleTicket
from customers.models import Customer
from keyaccounts.catalogue.models import Service
from keyaccounts.core.models import TimelineEvent
from keyaccounts.core.roles import Role
from keyaccounts.peers.models import OutboxMessage
from keyaccounts.peers.outbox import outbox_sweep
from orders.models import Order, OrderItem
from sla.demo import QUALITY_TARGETS, seed_demo_quality_targets
from sla.models import QualityGrade, QualityLevel, QualityMeasurement, QualityMetric, QualityTarget, QualityViolation
from sla.quality import (
    TICKET_RESOURCE,
    Reading,
    parse_measurement,
    quality_collect,
    quality_measurements_record,
    quality_target_for,
)
from tests.factories import credit_code

pytestmark = pytest.mark.django_db
M = QualityMetric


def running_service(customer, product, **elements) -> Service:
    order = Order.objects.create(
        customer=customer,
        city=customer.city,
        account_manager=customer.account_manager,
        status=Order.Status.COMPLETED,
    )
    item = OrderItem.objects.create(
        order=order, product=product, unit_price=1000, state=OrderItem.State.COMPLETED, elements=elements
    )
    return Service.objects.create(customer=customer, product=product, origin=item, elements=elements)


def reading(service, n: int, *, availability="99.999", loss="0.010", delay="8") -> Reading:
    start = timezone.now().replace(microsecond=0) - dt.timedelta(hours=3) + dt.timedelta(minutes=15 * n)
    return Reading(
        source_id=f"test-{service.pk}-{n}",
        service_number=service.number,
        period_start=start,
        period_end=start + dt.timedelta(minutes=15),
        values={M.AVAILABILITY: Decimal(availability), M.PACKET_LOSS: Decimal(loss), M.DELAY: Decimal(delay)},
    )


def stub_count(stub_server, kind: str) -> int:
    return requests.get(f"{stub_server}/eoms/stats", timeout=5).json()["resources"].get(kind, 0)


def collect_from_eoms() -> None:
    """What beat does over two passes: ask EOMS to measure, deliver, read the measurements, deliver tickets."""
    quality_collect()
    outbox_sweep()
    quality_collect()
    outbox_sweep()


# ---------------------------------------------------------------------------- targets
def test_a_services_target_is_its_products_at_its_grade_else_the_grades_for_any_product(
    targets,
    catalogue,
    customer,
):
    line, sms = catalogue["T2"], catalogue["T3"]
    assert quality_target_for(running_service(customer, line, sla_grade="gold")) == targets["gold"]
    assert quality_target_for(running_service(customer, line, sla_grade="Silver")) == targets["silver"]
    assert quality_target_for(running_service(customer, sms, sla_grade="gold")) == targets["any-gold"]
    assert quality_target_for(running_service(customer, sms, sla_grade="silver")) is None
    assert quality_target_for(running_service(customer, line)) is None  # sold without a grade: nothing promised
    targets["gold"].is_active = False
    targets["gold"].save()
    assert quality_target_for(running_service(customer, line, sla_grade="gold")) == targets["any-gold"]


# ---------------------------------------------------------------------------- against the stub EOMS
def test_a_violating_measurement_records_the_actual_value_and_opens_one_quality_work_order_at_eoms(
    peers,
    stub_server,
    targets,
    catalogue,
    customer,
):
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site="新区 lossy")
    tickets_before = stub_count(stub_server, "troubleTicket")

    collect_from_eoms()

    violation = QualityViolation.objects.get(service=service)
    assert violation.metric == M.PACKET_LOSS
    assert violation.actual_value == Decimal("2.5")  # what EOMS measured
    assert violation.target_value == Decimal("0.1")  # what the gold internet line promises
    assert violation.state == QualityViolation.State.OPEN
    assert violation.measurement.level == QualityLevel.VIOLATED
    # Its ticket is a fault ticket of assurance, which sent it to EOMS.
    fault = TroubleTicket.objects.get()
    assert (violation.reference, fault.channel, fault.type) == (fault.number, "network_quality", "fault")
    ticket = OutboxMessage.objects.get(external_id=fault.external_id)
    assert ticket.resource == TICKET_RESOURCE
    assert ticket.status == OutboxMessage.Status.SENT
    at_eoms = requests.get(f"{stub_server}/eoms/troubleTicket/{ticket.remote_id}", timeout=5).json()
    assert at_eoms["externalId"] == fault.external_id
    assert at_eoms["relatedEntity"][0]["id"] == service.number
    assert {"name": "actualValue", "value": "2.500"} in at_eoms["characteristic"]
    assert stub_count(stub_server, "troubleTicket") == tickets_before + 1
    event = TimelineEvent.objects.get(action="quality.violated", subject_id=customer.pk)
    assert event.data["actual"] == "2.500"
    assert event.data["work_order"] == violation.reference

    # EOMS answers with the same measurements again, a replay, a retry, the next missed period: still one
    collect_from_eoms()
    replay = [
        parse_measurement(m)
        for m in requests.get(
            f"{stub_server}/eoms/performanceMeasurement", params={"service": service.number}, timeout=5
        ).json()
    ]
    assert quality_measurements_record(service=service, readings=replay)["stored"] == 0
    quality_measurements_record(service=service, readings=[reading(service, 50, loss="3.1")])
    OutboxMessage.objects.filter(pk=ticket.pk).update(status=OutboxMessage.Status.PENDING)  # a resend
    outbox_sweep()
    violation.refresh_from_db()
    assert QualityViolation.objects.filter(service=service).count() == 1
    assert violation.periods >= 2
    assert violation.worst_value == Decimal("3.1")
    assert OutboxMessage.objects.filter(resource=TICKET_RESOURCE, method="POST").count() == 1
    assert stub_count(stub_server, "troubleTicket") == tickets_before + 1
    assert TroubleTicket.objects.count() == 1
    assert QualityMeasurement.objects.filter(service=service).count() == len(replay) + 1


def test_a_compliant_service_is_measured_and_nothing_is_opened(
    peers,
    stub_server,
    targets,
    catalogue,
    customer,
):
    service = running_service(customer, catalogue["T2"], sla_grade="gold", site="人民大街 1 号")
    collect_from_eoms()
    measured = QualityMeasurement.objects.filter(service=service)
    assert measured.exists()
    assert {m.level for m in measured} == {QualityLevel.OK}
    assert measured.first().availability == Decimal("99.999")
    assert not QualityViolation.objects.exists()
    assert not OutboxMessage.objects.filter(resource=TICKET_RESOURCE, method="POST").exists()


@pytest.mark.django_db(transaction=True)
def test_beats_task_on_a_real_worker_finds_the_violation_and_delivers_its_work_order(
    celery_worker_process, peers, targets, catalogue, customer
):
    from sla.tasks import quality_collect_task
    from tests.processes import wait_for

    service = running_service(customer, catalogue["T2"], sla_grade="silver", site="开发区 outage")

    def delivered() -> bool:
        fault = TroubleTicket.objects.filter(services=service).first()
        return (
            fault is not None
            and OutboxMessage.objects.filter(external_id=fault.external_id, status=OutboxMessage.Status.SENT).exists()
        )

    # beat's role, twice: first EOMS is asked to measure (the worker delivers the job after commit), then read
    quality_collect_task.delay()
    wait_for(lambda: OutboxMessage.objects.filter(resource="measurementCollectionJob", status="sent").exists())
    quality_collect_task.delay()
    wait_for(delivered, timeout=30)
    violation = QualityViolation.objects.get(service=service)
    assert violation.metric == M.AVAILABILITY
    assert violation.actual_value == Decimal("98.5")
    assert violation.target_value == Decimal("99.95")
    assert violation.reference == TroubleTicket.objects.get(services=service).number


def test_eoms_is_asked_to_measure_only_services_with_a_target(peers, targets, catalogue, customer):
    running_service(customer, catalogue["T2"], sla_grade="gold", site="a")
    running_service(customer, catalogue["T3"], sla_grade="silver")  # no target for this product and grade
    running_service(customer, catalogue["T2"])  # no grade
    assert quality_collect()["jobs"] == 1
    assert quality_collect()["jobs"] == 0  # asked once


def test_the_stub_refuses_a_ticket_without_the_affected_service(stub_server):
    answer = requests.post(
        f"{stub_server}/eoms/troubleTicket", json={"externalId": "QV-bad", "severity": "major"}, timeout=5
    )
    assert answer.status_code == 400
    assert "relatedEntity" in answer.json()["message"]


# ---------------------------------------------------------------------------- judging
def test_a_period_that_meets_the_target_again_resolves_the_violation(targets, catalogue, customer):
    service = running_service(customer, catalogue["T2"], sla_grade="gold")
    counts = quality_measurements_record(
        service=service, readings=[reading(service, 1, delay="45"), reading(service, 2, delay="60")]
    )
    assert counts == {"stored": 2, "violations": 1, "resolved": 0}
    violation = QualityViolation.objects.get()
    assert (violation.metric, violation.actual_value, violation.worst_value) == (M.DELAY, 45, 60)
    # an older compliant period arriving late does not resolve it
    quality_measurements_record(service=service, readings=[reading(service, 0)])
    assert QualityViolation.objects.get().state == QualityViolation.State.OPEN
    assert quality_measurements_record(service=service, readings=[reading(service, 3)])["resolved"] == 1
    violation.refresh_from_db()
    assert violation.state == QualityViolation.State.RESOLVED
    assert violation.resolved_at
    assert TimelineEvent.objects.filter(action="quality.restored", subject_id=customer.pk).count() == 1
    # it misses again: a new violation, a new work order
    quality_measurements_record(service=service, readings=[reading(service, 4, delay="70")])
    assert QualityViolation.objects.filter(state=QualityViolation.State.OPEN).count() == 1
    assert OutboxMessage.objects.filter(resource=TICKET_RESOURCE, method="POST").count() == 2


def test_a_value_past_the_warning_but_within_the_target_warns_once(targets, catalogue, customer):
    service = running_service(customer, catalogue["T2"], sla_grade="silver")
    readings = [reading(service, 1), reading(service, 2, availability="99.960"), reading(service, 3, loss="0.4")]
    quality_measurements_record(service=service, readings=readings)
    levels = list(QualityMeasurement.objects.order_by("period_end").values_list("level", flat=True))
    assert levels == [QualityLevel.OK, QualityLevel.WARNING, QualityLevel.WARNING]
    assert TimelineEvent.objects.filter(action="quality.warned").count() == 1  # on the way from ok to warning
    assert not QualityViolation.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"performanceIndicator": [{"name": "availabilityRate", "value": "120"}]},
        {
            "performanceIndicator": [
                {"name": "availabilityRate", "value": "99.9"},
                {"name": "packetLossRate", "value": "x"},
            ]
        },
        {"period": {"startDateTime": "2026-01-01T10:15:00+08:00", "endDateTime": "2026-01-01T10:00:00+08:00"}},
        {"id": ""},
    ],
)
def test_a_malformed_measurement_is_ignored(change):
    good = {
        "id": "m-1",
        "service": {"id": "SV000001"},
        "period": {"startDateTime": "2026-01-01T10:00:00+08:00", "endDateTime": "2026-01-01T10:15:00+08:00"},
        "performanceIndicator": [
            {"name": "availabilityRate", "value": "99.9"},
            {"name": "packetLossRate", "value": "0.2"},
            {"name": "transmissionDelay", "value": "12"},
        ],
    }
    assert parse_measurement(good) is not None
    assert parse_measurement({**good, **change}) is None


# ---------------------------------------------------------------------------- who sees it
def test_violations_are_on_the_dashboard_of_the_customers_city_only(
    client,
    targets,
    catalogue,
    customer,
    supervisor,
    user_in_role,
    other_city,
    manager,
):
    service = running_service(customer, catalogue["T2"], sla_grade="gold")
    quality_measurements_record(service=service, readings=[reading(service, 1, availability="97.5")])
    elsewhere = Customer.objects.create(
        name="吉林化纤", credit_code=credit_code(8), city=other_city, account_manager=manager, level="B"
    )
    theirs = running_service(elsewhere, catalogue["T2"], sla_grade="gold")
    quality_measurements_record(service=theirs, readings=[reading(theirs, 1, delay="99")])

    def dashboard_for(user) -> str:
        client.force_login(user)
        return client.get(reverse("sla:dashboard")).content.decode()

    own = dashboard_for(supervisor)
    assert service.number in own
    assert "97.5" in own
    assert theirs.number not in own
    other = dashboard_for(user_in_role(Role.CITY_SUPERVISOR, city=other_city, username="sup_jilin"))
    assert service.number not in other
    assert theirs.number in other
    province = dashboard_for(user_in_role(Role.PROVINCIAL_SUPERVISOR, city=None, username="sup_prov"))
    assert service.number in province
    assert theirs.number in province
    client.force_login(supervisor)
    csv = client.get(reverse("sla:dashboard"), {"export": "quality_open"}).content.decode()
    assert service.number in csv
    assert theirs.number not in csv
    assert "97.500" in client.get(reverse("customers:detail", args=[customer.pk])).content.decode()


# ---------------------------------------------------------------------------- administration
def test_a_warning_on_the_wrong_side_of_the_target_is_refused_with_a_clear_message(
    client,
    grades,
    catalogue,
    user_in_role,
):
    admin = user_in_role(Role.ADMINISTRATOR, city=None, username="admin", is_staff=True)
    client.force_login(admin)
    form = {
        "product": catalogue["T2"].pk,
        "grade": grades["gold"].pk,
        "is_active": "on",
        "availability_min": "99.95",
        "availability_warning": "99.90",  # below the minimum: it would warn after the target is missed
        "packet_loss_max": "0.5",
        "packet_loss_warning": "0.8",  # above the maximum
        "delay_max": "40",
        "delay_warning": "30",
        "tolerated_periods": "0",
    }
    page = client.post(reverse("admin:sla_qualitytarget_add"), form)
    assert page.status_code == 200
    text = page.content.decode()
    assert "above the minimum availability" in text
    assert "below the maximum" in text
    assert not QualityTarget.objects.exists()
    saved = client.post(
        reverse("admin:sla_qualitytarget_add"), {**form, "availability_warning": "99.97", "packet_loss_warning": "0.3"}
    )
    assert saved.status_code == 302
    twin = client.post(
        reverse("admin:sla_qualitytarget_add"), {**form, "availability_warning": "99.97", "packet_loss_warning": "0.3"}
    )
    assert twin.status_code == 200
    assert QualityTarget.objects.count() == 1


def test_demo_targets_cover_every_grade_of_the_network_products(seeded):
    assert QualityTarget.objects.count() == sum(len(by_grade) for by_grade in QUALITY_TARGETS.values())
    seed_demo_quality_targets()  # idempotent
    assert QualityTarget.objects.count() == 9
    assert set(QualityGrade.objects.values_list("code", flat=True)) == {"gold", "silver", "bronze"}


# ---------------------------------------------------------------------------- tolerance (TMF657)
@pytest.mark.parametrize("tolerated", [0, 1, 2])
def test_a_target_tolerating_n_missed_periods_counts_the_one_after_them_as_the_violation(
    targets, catalogue, customer, tolerated
):
    targets["gold"].tolerated_periods = tolerated
    targets["gold"].save()
    service = running_service(customer, catalogue["T2"], sla_grade="gold")
    first = reading(service, 1, delay="31")
    missed = [first, *(reading(service, n, delay=str(30 + n)) for n in range(2, tolerated + 1))][:tolerated]
    assert quality_measurements_record(service=service, readings=missed)["violations"] == 0  # tolerated
    assert not QualityViolation.objects.exists()
    assert (
        quality_measurements_record(service=service, readings=[reading(service, tolerated + 1, delay="25")])[
            "violations"
        ]
        == 1
    )
    violation = QualityViolation.objects.get()
    assert violation.periods == tolerated + 1
    assert violation.period_start == (first.period_start if tolerated else violation.measurement.period_start)
    assert violation.actual_value == 25
    assert violation.worst_value == (30 + tolerated if tolerated else 25)
    assert OutboxMessage.objects.filter(resource=TICKET_RESOURCE).count() == 1


def test_a_period_meeting_the_target_or_another_metric_missing_breaks_the_tolerated_run(targets, catalogue, customer):
    targets["gold"].tolerated_periods = 2
    targets["gold"].save()
    service = running_service(customer, catalogue["T2"], sla_grade="gold")
    quality_measurements_record(
        service=service,
        readings=[
            reading(service, 1, delay="40"),
            reading(service, 2, delay="40"),
            reading(service, 3),  # met: the run starts again
            reading(service, 4, delay="40"),
            reading(service, 5, loss="0.9"),  # another metric: delay's run starts again
            reading(service, 6, delay="40"),
            reading(service, 7, loss="0.9"),
        ],
    )
    assert not QualityViolation.objects.exists()
    assert QualityMeasurement.objects.filter(level=QualityLevel.VIOLATED).count() == 6  # each missed period shows
    quality_measurements_record(service=service, readings=[reading(service, 8, loss="0.9", delay="40")])
    assert not QualityViolation.objects.exists()  # loss missed twice in a row, delay once
    quality_measurements_record(service=service, readings=[reading(service, 9, loss="0.9")])
    violation = QualityViolation.objects.get()  # loss missed three periods in a row
    assert (violation.metric, violation.periods) == (M.PACKET_LOSS, 3)


def test_an_out_of_range_tolerance_is_refused_with_a_clear_message(client, grades, catalogue, user_in_role):
    client.force_login(user_in_role(Role.ADMINISTRATOR, city=None, username="admin", is_staff=True))
    form = {
        "product": catalogue["T2"].pk,
        "grade": grades["gold"].pk,
        "is_active": "on",
        "availability_min": "99.95",
        "availability_warning": "99.97",
        "packet_loss_max": "0.5",
        "packet_loss_warning": "0.3",
        "delay_max": "40",
        "delay_warning": "30",
    }
    for wrong, message in (("97", "less than or equal to 96"), ("-1", "greater than or equal to 0")):
        page = client.post(reverse("admin:sla_qualitytarget_add"), {**form, "tolerated_periods": wrong})
        assert message in page.content.decode()
    assert not QualityTarget.objects.exists()
    assert client.post(reverse("admin:sla_qualitytarget_add"), {**form, "tolerated_periods": "3"}).status_code == 302
    assert QualityTarget.objects.get().tolerated_periods == 3
