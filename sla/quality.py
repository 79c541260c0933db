"""Network quality SLA: EOMS measures running services, we hold each period against the service's targets.

The service's grade is its SLA-grade order element (set when it was ordered); the target is the most
specific active one for its product and grade. Per service, EOMS is asked once for a measurement
collection job (TMF628, through the outbox); beat then reads the measurements back in batches (one GET
per batch of services). A measurement is stored once (EOMS's id is unique); a missed target opens one
violation per service and metric, and that violation opens one fault ticket through the owner of tickets
(assurance, registered in `sla.registry`), which sends it to EOMS (TMF621) and follows it there; the ticket's
status changes come back here (`quality_ticket_moved`) onto the violation and the customer's timeline.
Further missed periods extend the open violation (a fresh ticket when its ticket was finished as fixed); the
next period that meets the target resolves it, and the service's termination closes it: either is told to
the ticket's owner.

Violations opened before tickets moved to assurance keep their quality work order (sent from here, with a
`QV…` reference): beat still reads those back (GET) and still tells EOMS their resolution or cancellation.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from keyaccounts.catalogue.models import Service
from keyaccounts.core.timeline import TimelineRow, timeline_event, timeline_record, timeline_save
from keyaccounts.peers.client import PeerError, peer_list
from keyaccounts.peers.models import OutboxMessage, Peer
from keyaccounts.peers.outbox import outbox_enqueue

from . import registry
from .models import (
    TICKET_FINAL,
    QualityLevel,
    QualityMeasurement,
    QualityMetric,
    QualityTarget,
    QualityViolation,
    TicketStatus,
)
from .timeline import QualityAction

logger = logging.getLogger("keyaccounts.sla.quality")
GRADE_ELEMENT = "sla_grade"  # the service-level order element that holds a service's grade
JOB_RESOURCE = "measurementCollectionJob"
MEASUREMENT_RESOURCE = "performanceMeasurement"
TICKET_RESOURCE = "troubleTicket"
COLLECT_BATCH = 100  # services (or tickets) per GET
# A ticket EOMS finished so while the violation is still open is followed by a fresh one (`_ticket_again`).
TICKET_FINISHED_AS_FIXED = {TicketStatus.RESOLVED, TicketStatus.CLOSED}
# Why a ticket's status changes, as EOMS reads it (stable English).
TICKET_REASONS = {
    TicketStatus.RESOLVED: "network quality target met again",
    TicketStatus.CANCELLED: "service terminated",
}
# EOMS's indicator names (TMF628 performanceIndicator) → our metrics.
INDICATORS = {
    "availabilityRate": QualityMetric.AVAILABILITY,
    "packetLossRate": QualityMetric.PACKET_LOSS,
    "transmissionDelay": QualityMetric.DELAY,
}
UNITS = {QualityMetric.AVAILABILITY: "%", QualityMetric.PACKET_LOSS: "%", QualityMetric.DELAY: "ms"}
# What EOMS reads: stable English, whatever the language of the request that caused it.
PEER_LABELS = {
    QualityMetric.AVAILABILITY: "Availability rate",
    QualityMetric.PACKET_LOSS: "Packet-loss rate",
    QualityMetric.DELAY: "Transmission delay",
}
SEVERITY = {QualityMetric.AVAILABILITY: "critical", QualityMetric.PACKET_LOSS: "major", QualityMetric.DELAY: "major"}


# ---------------------------------------------------------------------------- targets
class Targets:
    """The active targets, read once: the most specific for a product and grade (the product's, else any)."""

    def __init__(self):
        self._by_key = {
            (t.product_id, t.grade.code): t
            for t in QualityTarget.objects.filter(is_active=True).select_related("grade")
        }

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def grades(self) -> set[str]:
        return {grade for _product, grade in self._by_key}

    def products(self) -> set[int | None]:
        return {product for product, _grade in self._by_key}

    def for_service(self, service: Service) -> QualityTarget | None:
        grade = service_grade(service)
        if not grade:
            return None
        return self._by_key.get((service.product_id, grade)) or self._by_key.get((None, grade))


def service_grade(service: Service) -> str:
    return str((service.elements or {}).get(GRADE_ELEMENT) or "").strip().lower()


def quality_target_for(service: Service) -> QualityTarget | None:
    return Targets().for_service(service)


def judge(target: QualityTarget, metric: str, value: Decimal) -> str:
    """ok, warning or violated: availability must stay above its floor, loss and delay below their ceilings."""
    limit, warning = target.limit_of(metric)
    if metric == QualityMetric.AVAILABILITY:
        return QualityLevel.VIOLATED if value < limit else QualityLevel.WARNING if value < warning else QualityLevel.OK
    return QualityLevel.VIOLATED if value > limit else QualityLevel.WARNING if value > warning else QualityLevel.OK


_RANK = {QualityLevel.OK: 0, QualityLevel.WARNING: 1, QualityLevel.VIOLATED: 2}


# ---------------------------------------------------------------------------- measurements in
@dataclass(frozen=True)
class Reading:
    """One period of one service as EOMS reported it, checked."""

    source_id: str
    service_number: str
    period_start: datetime
    period_end: datetime
    values: dict  # metric → Decimal


def parse_measurement(body: dict) -> Reading | None:
    """A TMF628-shaped measurement, or None (logged) when it is malformed: it is never half stored."""
    try:
        values = {
            INDICATORS[i["name"]]: Decimal(str(i["value"]))
            for i in body.get("performanceIndicator") or []
            if i.get("name") in INDICATORS
        }
        period = body.get("period") or {}
        reading = Reading(
            source_id=str(body["id"]).strip(),
            service_number=str((body.get("service") or {}).get("id") or ""),
            period_start=parse_datetime(str(period.get("startDateTime") or "")),
            period_end=parse_datetime(str(period.get("endDateTime") or "")),
            values=values,
        )
    except (KeyError, TypeError, ValueError, InvalidOperation, AttributeError):
        logger.warning("malformed quality measurement ignored: %r", body)
        return None
    if (
        not reading.source_id
        or set(values) != set(QualityMetric.values)
        or not all(v.is_finite() and v >= 0 for v in values.values())
        or values[QualityMetric.AVAILABILITY] > 100
        or values[QualityMetric.PACKET_LOSS] > 100
        or reading.period_start is None
        or reading.period_end is None
        or reading.period_end <= reading.period_start
    ):
        logger.warning("malformed quality measurement ignored: %r", body)
        return None
    return reading


def quality_measurements_record(*, service: Service, readings: list[Reading], targets: Targets | None = None) -> dict:
    """Store one service's new measurements and hold them against its target."""
    return quality_measurements_record_many(readings_of={service.pk: readings}, targets=targets)


def quality_measurements_record_many(*, readings_of: dict[int, list[Reading]], targets: Targets | None = None) -> dict:
    """Store the new measurements of several services (service pk → readings) and judge them, in one transaction.

    The services' rows are locked (in pk order, so two collectors never deadlock) and no collector judges
    the same service twice at once; a measurement already stored (same EOMS id) is skipped, so a replay
    or a retry opens nothing twice. The common case, a period that changes nothing, costs no query of
    its own: the measurements go in one INSERT.
    """
    targets = targets if targets is not None else Targets()
    counts = {"stored": 0, "violations": 0, "resolved": 0}
    last_level = QualityMeasurement.objects.filter(service=OuterRef("pk")).order_by("-period_end").values("level")
    with transaction.atomic():
        services = list(
            Service.objects.select_for_update(of=("self",))
            .select_related("customer", "product")
            .annotate(last_level=Subquery(last_level[:1]))
            .filter(pk__in=readings_of)
            .order_by("pk")
        )
        known = set(
            QualityMeasurement.objects.filter(
                source_id__in=[r.source_id for readings in readings_of.values() for r in readings]
            ).values_list("source_id", flat=True)
        )
        measurements: list[QualityMeasurement] = []
        for service in services:
            fresh = {r.source_id: r for r in readings_of[service.pk] if r.source_id not in known}
            target = targets.for_service(service)
            for reading in sorted(fresh.values(), key=lambda r: r.period_end):
                levels = (
                    [judge(target, metric, reading.values[metric]) for metric in QualityMetric.values] if target else []
                )
                measurements.append(
                    QualityMeasurement(
                        service=service,
                        source_id=reading.source_id,
                        period_start=reading.period_start,
                        period_end=reading.period_end,
                        availability=reading.values[QualityMetric.AVAILABILITY],
                        packet_loss=reading.values[QualityMetric.PACKET_LOSS],
                        delay=reading.values[QualityMetric.DELAY],
                        level=max(levels, key=_RANK.get, default=QualityLevel.OK),
                    )
                )
        if not measurements:
            return counts
        QualityMeasurement.objects.bulk_create(measurements)
        counts["stored"] = len(measurements)
        # Only services that missed a target, warned, or have a violation open need more than the INSERT.
        open_ones = {
            (v.service_id, v.metric): v
            for v in QualityViolation.objects.filter(
                service_id__in={m.service_id for m in measurements}, state=QualityViolation.State.OPEN
            )
        }
        touched = {m.service_id for m in measurements if m.level != QualityLevel.OK} | {s for s, _m in open_ones}
        by_pk = {s.pk: s for s in services}
        changed: dict[int, QualityViolation] = {}
        events = []
        for measurement in measurements:
            if measurement.service_id not in touched:
                continue
            service = by_pk[measurement.service_id]
            target = targets.for_service(service)
            if target is None:
                continue  # no promise for this grade (any more): kept, judged by nothing
            for metric in QualityMetric.values:
                value, current = measurement.value_of(metric), open_ones.get((service.pk, metric))
                if judge(target, metric, value) == QualityLevel.VIOLATED:
                    if current is None:
                        earlier = _missed_before(service, target, metric, measurement)
                        if len(earlier) < target.tolerated_periods:
                            continue  # within the target's tolerance: not a violation yet
                        open_ones[service.pk, metric] = _violation_open(service, target, metric, measurement, earlier)
                        counts["violations"] += 1
                    elif measurement.period_end > current.period_end:
                        _violation_extend(current, metric, value, measurement.period_end)
                        if current.ticket_status in TICKET_FINISHED_AS_FIXED:
                            current.service = service
                            events.append(_ticket_again(current))
                        changed[current.pk] = current
                elif current is not None and measurement.period_start >= current.period_end:
                    _violation_resolve(current)
                    changed[current.pk] = current
                    events.append(_event(service, QualityAction.RESTORED, _restored(service, current, measurement)))
                    del open_ones[service.pk, metric]
                    counts["resolved"] += 1
            if measurement.level == QualityLevel.WARNING and service.last_level in (None, QualityLevel.OK):
                events.append(
                    _event(service, QualityAction.WARNED, {"service": service.number, **_values(measurement)})
                )
            service.last_level = measurement.level
        QualityViolation.objects.bulk_update(
            changed.values(),
            [
                *["worst_value", "period_end", "periods", "state", "resolved_at", "status_change"],
                *["tickets", "ticket_number", "ticket_status", "ticket_reason", "ticket_read_at"],
            ],
        )
        timeline_save(events)
    return counts


def _event(service: Service, action: str, data: dict, **change) -> TimelineRow:
    customer_type = ContentType.objects.get_for_model(service.customer)
    return timeline_event(
        subject_type_id=customer_type.pk, subject_id=service.customer_id, action=action, data=data, **change
    )


def _restored(service: Service, violation: QualityViolation, measurement: QualityMeasurement) -> dict:
    return {
        "service": service.number,
        "metric": violation.metric,
        "work_order": violation.reference,
        "actual": str(measurement.value_of(violation.metric)),
    }


def _values(measurement: QualityMeasurement) -> dict:
    return {
        "period": [measurement.period_start.isoformat(), measurement.period_end.isoformat()],
        **{metric: str(measurement.value_of(metric)) for metric in QualityMetric.values},
    }


def _missed_before(
    service: Service, target: QualityTarget, metric: str, measurement: QualityMeasurement
) -> list[QualityMeasurement]:
    """The measured periods right before this one that missed the metric's target too (at most as many as the
    target tolerates), newest first. No query when the target tolerates nothing."""
    if not target.tolerated_periods:
        return []
    before = QualityMeasurement.objects.filter(service=service, period_end__lte=measurement.period_start).order_by(
        "-period_end"
    )[: target.tolerated_periods]
    missed = []
    for earlier in before:
        if judge(target, metric, earlier.value_of(metric)) != QualityLevel.VIOLATED:
            break
        missed.append(earlier)
    return missed


def _violation_open(
    service: Service, target: QualityTarget, metric: str, measurement, earlier: list[QualityMeasurement]
) -> QualityViolation:
    """A violation from the period that made the missed target count; it dates from the first of the periods
    missed in a row that the target tolerated."""
    value = measurement.value_of(metric)
    values = [value, *(m.value_of(metric) for m in earlier)]
    violation = QualityViolation.objects.create(
        service=service,
        metric=metric,
        target=target,
        target_value=target.limit_of(metric)[0],
        actual_value=value,
        worst_value=min(values) if metric == QualityMetric.AVAILABILITY else max(values),
        measurement=measurement,
        period_start=earlier[-1].period_start if earlier else measurement.period_start,
        period_end=measurement.period_end,
        periods=1 + len(earlier),
    )
    _ticket_open(violation)
    violation.save(update_fields=["ticket_number"])
    timeline_record(
        subject=service.customer,
        action=QualityAction.VIOLATED,
        data={
            "service": service.number,
            "metric": metric,
            "target": str(violation.target_value),
            "actual": str(value),
            "unit": UNITS[metric],
            "period": [violation.period_start.isoformat(), violation.period_end.isoformat()],
            "periods": violation.periods,
            "work_order": violation.reference,
        },
    )
    return violation


def _violation_extend(violation: QualityViolation, metric: str, value: Decimal, period_end) -> None:
    worse = value < violation.worst_value if metric == QualityMetric.AVAILABILITY else value > violation.worst_value
    violation.worst_value = value if worse else violation.worst_value
    violation.period_end = period_end
    violation.periods += 1


def _ticket_again(violation: QualityViolation) -> TimelineRow:
    """A fresh ticket for a violation EOMS finished the ticket of while the target is still missed. Not after a
    rejection (EOMS says it is no network fault): that one is left to the supervisor, who sees it on the
    dashboard. Returns the customer's timeline line."""
    previous, status = violation.reference, violation.ticket_status
    violation.tickets += 1
    violation.ticket_status, violation.ticket_reason, violation.ticket_read_at = "", "", None
    violation.status_change = None
    _ticket_open(violation)
    data = {"service": violation.service.number, "metric": violation.metric, "work_order": violation.reference}
    return _event(violation.service, QualityAction.REOPENED, {**data, "previous": previous}, from_state=status)


def _violation_resolve(violation: QualityViolation) -> None:
    violation.state = QualityViolation.State.RESOLVED
    violation.resolved_at = timezone.now()
    _ticket_change(violation, TicketStatus.RESOLVED)


def _ticket_open(violation: QualityViolation) -> None:
    """The violation's fault ticket, opened by the owner of tickets (`sla.registry`); none when no app owns them."""
    owner = registry.quality_tickets()
    if owner is None:
        logger.warning("no owner of trouble tickets: violation %s opens none", violation.pk)
        return
    violation.ticket_number = owner.open(violation)


def _ticket_change(violation: QualityViolation, status: str) -> None:
    """Tell the ticket's owner (or, for a work order sent from here, EOMS: TMF621 PATCH through the outbox, sent
    once the ticket exists there) that the network is restored or the service ended. Once per violation; nothing
    when the ticket is finished already."""
    if violation.ticket_number:
        owner = registry.quality_tickets()
        if owner is not None and violation.ticket_status not in TICKET_FINAL:
            (owner.restored if status == TicketStatus.RESOLVED else owner.ended)(violation)
            # The owner's status change came back here (`quality_ticket_moved`): the row, not this copy, is right.
            fresh = QualityViolation.objects.filter(pk=violation.pk).values("ticket_status", "ticket_reason").get()
            violation.ticket_status, violation.ticket_reason = fresh["ticket_status"], fresh["ticket_reason"]
        return
    if violation.work_order_id is None or violation.status_change_id or violation.ticket_status in TICKET_FINAL:
        return
    violation.status_change = outbox_enqueue(
        peer=Peer.EOMS,
        resource=TICKET_RESOURCE,
        external_id=f"{violation.reference}-S",
        payload={"status": status, "statusChangeReason": TICKET_REASONS[status], "@type": "TroubleTicket"},
        follows=OutboxMessage(pk=violation.work_order_id),
    )


def quality_monitoring_end(*, service_ids) -> int:
    """For services that were terminated: close their open violations (nothing is left to restore, so EOMS's
    ticket is cancelled) and stop EOMS measuring them. Locks the services first, as the collector does, so
    the two never cross. Returns how many violations were closed."""
    if not service_ids:
        return 0
    with transaction.atomic():
        locked = Service.objects.select_for_update(of=("self",)).filter(pk__in=service_ids).order_by("pk")
        _jobs_cancel([s for s in locked.only("pk", "status") if s.status != Service.Status.ACTIVE])
        violations = list(
            QualityViolation.objects.filter(service_id__in=service_ids, state=QualityViolation.State.OPEN)
            .exclude(service__status=Service.Status.ACTIVE)
            .select_related("service__customer")
        )
        events = []
        for violation in violations:
            violation.state = QualityViolation.State.CLOSED
            violation.resolved_at = timezone.now()
            _ticket_change(violation, TicketStatus.CANCELLED)
            events.append(
                _event(
                    violation.service,
                    QualityAction.CLOSED,
                    {
                        "service": violation.service.number,
                        "metric": violation.metric,
                        "work_order": violation.reference,
                    },
                )
            )
        QualityViolation.objects.bulk_update(violations, ["state", "resolved_at", "status_change"])
        timeline_save(events)
    return len(violations)


def quality_tickets_reconcile(*, batch_size: int = COLLECT_BATCH, limit: int = 2_000) -> int:
    """Read back the work orders sent from here (before tickets moved to assurance) that EOMS has not finished
    (one GET per batch), the least recently read first, and record what changed: the status (with EOMS's reason)
    and a timeline line on the customer. Returns how many changed."""
    to_read = list(
        QualityViolation.objects.filter(work_order__status=OutboxMessage.Status.SENT, ticket_number="")
        .exclude(ticket_status__in=TICKET_FINAL)
        .order_by(F("ticket_read_at").asc(nulls_first=True), "pk")
        .values_list("pk", "work_order__remote_id")[:limit]
    )
    changed = 0
    for start in range(0, len(to_read), batch_size):
        batch = dict(to_read[start : start + batch_size])
        try:
            bodies = peer_list(Peer.EOMS, TICKET_RESOURCE, {"id": ",".join(batch.values())})
        except PeerError as error:  # read again next time: EOMS keeps its tickets
            logger.warning("quality work orders not readable: %s", error)
            break
        truth = {str(b.get("id")): b for b in bodies if isinstance(b, dict)}
        changed += _tickets_apply({pk: truth.get(remote_id) for pk, remote_id in batch.items()})
    return changed


def _tickets_apply(truth: dict[int, dict | None]) -> int:
    now = timezone.now()
    with transaction.atomic():
        violations = list(
            QualityViolation.objects.select_for_update(of=("self",))
            .filter(pk__in=truth)
            .select_related("service__customer")
            .order_by("pk")
        )
        events = []
        for violation in violations:
            body = truth[violation.pk]
            violation.ticket_read_at = now
            status = (body or {}).get("status")
            if status not in TicketStatus.values:
                if body is not None:
                    logger.warning("quality work order %s: unknown status %r ignored", violation.reference, status)
                continue
            if status == violation.ticket_status:
                continue
            events.append(
                _event(
                    violation.service,
                    QualityAction.TICKET,
                    {
                        "service": violation.service.number,
                        "metric": violation.metric,
                        "work_order": violation.reference,
                    },
                    from_state=violation.ticket_status,
                    to_state=status,
                    reason=str(body.get("statusChangeReason") or "")[:200],
                )
            )
            violation.ticket_status, violation.ticket_reason = status, events[-1].reason
        QualityViolation.objects.bulk_update(violations, ["ticket_status", "ticket_reason", "ticket_read_at"])
        timeline_save(events)
    return len(events)


def quality_ticket_moved(*, reference: str, status: str, reason: str = "") -> int:
    """A violation's ticket changed status at its owner (assurance): shown on the violation and as a line on the
    customer's timeline, as EOMS's statuses were. Returns how many violations it is the ticket of."""
    with transaction.atomic():
        violations = list(
            QualityViolation.objects.select_for_update(of=("self",))
            .filter(ticket_number=reference)
            .select_related("service__customer")
        )
        events = []
        for violation in violations:
            if violation.ticket_status == status:
                continue
            events.append(
                _event(
                    violation.service,
                    QualityAction.TICKET,
                    {"service": violation.service.number, "metric": violation.metric, "work_order": reference},
                    from_state=violation.ticket_status,
                    to_state=status,
                    reason=reason[:200],
                )
            )
            violation.ticket_status, violation.ticket_reason = status, reason[:200]
            violation.ticket_read_at = timezone.now()
        QualityViolation.objects.bulk_update(violations, ["ticket_status", "ticket_reason", "ticket_read_at"])
        timeline_save(events)
    return len(violations)


def trouble_ticket_payload(violation: QualityViolation) -> dict:
    """TMF621 TroubleTicket for a missed target: the service, the metric, the promise and the measured value."""
    service, metric = violation.service, violation.metric
    unit = UNITS[metric]
    label = PEER_LABELS[metric]
    return {
        "externalId": violation.reference,
        "name": f"Network quality: {service.number} {metric}",
        "description": (
            f"{label} {violation.actual_value}{unit} against the target {violation.target_value}{unit} "
            f"from {violation.period_start.isoformat()} to {violation.period_end.isoformat()}"
        ),
        "ticketType": "incident",
        "severity": SEVERITY[metric],
        "priority": "high",
        "relatedEntity": [
            {
                "id": service.number,
                "role": "affectedService",
                "name": service.product.name_en,
                "@referredType": "Service",
            }
        ],
        "relatedParty": [{"role": "customer", "id": str(service.customer_id), "name": service.customer.name}],
        "characteristic": [
            {"name": "metric", "value": metric},
            {"name": "target", "value": str(violation.target_value)},
            {"name": "actualValue", "value": str(violation.actual_value)},
            {"name": "unit", "value": unit},
            {"name": "periodStart", "value": violation.period_start.isoformat()},
            {"name": "periodEnd", "value": violation.period_end.isoformat()},
        ],
        "@type": "TroubleTicket",
    }


# ---------------------------------------------------------------------------- the collector (beat)
def _job_reference(service: Service) -> str:
    return f"{service.number}-PM"  # its cancellation, if the service ends: this plus "-C"


def measurement_job_payload(service: Service) -> dict:
    """TMF628 MeasurementCollectionJob: measure this service's three indicators every period."""
    return {
        "externalId": _job_reference(service),
        "service": {
            "id": service.number,
            "name": service.product.name_en,
            "serviceSpecification": {"id": service.product.code},
            "serviceCharacteristic": [{"name": k, "value": v} for k, v in sorted((service.elements or {}).items())],
        },
        "performanceIndicatorSpecification": [{"name": name} for name in INDICATORS],
        "@type": "MeasurementCollectionJob",
    }


def monitored_services(targets: Targets):
    """Running services that may have a target (by grade and product; `Targets.for_service` decides)."""
    services = Service.objects.filter(
        status=Service.Status.ACTIVE, **{f"elements__{GRADE_ELEMENT}__in": targets.grades()}
    )
    if None not in targets.products():
        services = services.filter(product_id__in=targets.products())
    return services.select_related("product", "customer").order_by("pk")


def quality_collect(*, batch_size: int = COLLECT_BATCH) -> dict[str, int]:
    """One pass: ask EOMS to measure new services, read what it measured for the others, judge what is new.

    Idempotent and safe on several workers: jobs and tickets have deterministic references, measurements
    are unique by EOMS's id and judged under the service's row lock.
    """
    targets = Targets()
    counts = {"jobs": 0, "stored": 0, "violations": 0, "resolved": 0, "closed": 0}
    # Services terminated since: whatever path ended them, their violations do not stay open.
    ended = QualityViolation.objects.filter(state=QualityViolation.State.OPEN).exclude(
        service__status=Service.Status.ACTIVE
    )
    counts["closed"] = quality_monitoring_end(service_ids=list(ended.values_list("service_id", flat=True)))
    if not targets:
        return counts
    after = 0
    while True:
        candidates = list(monitored_services(targets).filter(pk__gt=after)[:batch_size])
        if not candidates:
            break
        after = candidates[-1].pk
        batch = [s for s in candidates if targets.for_service(s) is not None]  # the grade's target for its product
        jobs = dict(
            OutboxMessage.objects.filter(external_id__in=[_job_reference(s) for s in batch]).values_list(
                "external_id", "status"
            )
        )
        missing = [s for s in batch if _job_reference(s) not in jobs]
        if missing:
            counts["jobs"] += _jobs_request(missing)
        measured = {s.number: s for s in batch if jobs.get(_job_reference(s)) == OutboxMessage.Status.SENT}
        for key, value in (_read_measurements(measured, targets) if measured else {}).items():
            counts[key] += value
        if len(candidates) < batch_size:
            break
    if any(counts.values()):
        logger.info("quality collect", extra=counts)
    return counts


def _jobs_request(services: list[Service]) -> int:
    """Ask EOMS to measure these services: one transaction, or one each if another collector raced us."""

    def request(service: Service) -> None:
        outbox_enqueue(
            peer=Peer.EOMS,
            resource=JOB_RESOURCE,
            external_id=_job_reference(service),
            payload=measurement_job_payload(service),
        )

    try:
        with transaction.atomic():
            for service in services:
                request(service)
        return len(services)
    except IntegrityError:
        asked = 0
        for service in services:
            try:
                with transaction.atomic():
                    request(service)
                asked += 1
            except IntegrityError:
                pass
        return asked


def _jobs_cancel(services: list[Service]) -> None:
    """Stop EOMS's measurement jobs of these services (TMF628 PATCH through the outbox, sent once the job is
    at EOMS); once per job, as the cancellation has a deterministic reference."""
    jobs = list(OutboxMessage.objects.filter(external_id__in=[_job_reference(s) for s in services]))
    cancelled = set(
        OutboxMessage.objects.filter(external_id__in=[f"{job.external_id}-C" for job in jobs]).values_list(
            "external_id", flat=True
        )
    )
    for job in jobs:
        if f"{job.external_id}-C" not in cancelled:
            outbox_enqueue(
                peer=Peer.EOMS,
                resource=JOB_RESOURCE,
                external_id=f"{job.external_id}-C",
                payload={"state": "cancelled", "@type": "MeasurementCollectionJob"},
                follows=job,
            )


def _read_measurements(services: dict[str, Service], targets: Targets) -> dict[str, int]:
    try:
        bodies = peer_list(Peer.EOMS, MEASUREMENT_RESOURCE, {"service": ",".join(services)})
    except PeerError as error:  # the next pass reads them: EOMS keeps its measurements
        logger.warning("quality measurements not readable: %s", error)
        return {}
    readings = [r for r in map(parse_measurement, bodies) if r is not None and r.service_number in services]
    # What is stored already is left out before any row is locked: a pass with nothing new locks nothing.
    known = set(
        QualityMeasurement.objects.filter(source_id__in=[r.source_id for r in readings]).values_list(
            "source_id", flat=True
        )
    )
    readings_of: dict[int, list[Reading]] = {}
    for reading in readings:
        if reading.source_id not in known:
            readings_of.setdefault(services[reading.service_number].pk, []).append(reading)
    if not readings_of:
        return {}
    return quality_measurements_record_many(readings_of=readings_of, targets=targets)
