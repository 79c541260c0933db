"""The month's availability of running services and the credits owed for breaches (TMF623 consequences).

A resolved fault that interrupted a service counts from its report to its restoration; a planned-work window
counts only for customers not told in time. Overlapping outages count once. Each service of an SLA grade with a
monthly target (`sla.QualityGrade.monthly_availability`) has a budget of outage minutes; at 80 % its account
manager is told once a month, beyond it the customer is credited once. A fault whose restoration breached its
contracted time is credited once per affected service.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Sum
from django.urls import reverse
from django.utils import timezone

from keyaccounts.catalogue.models import Product, Service
from keyaccounts.core.access import scope_to_city
from keyaccounts.core.models import City, Notification
from keyaccounts.core.notifications import notify
from sla.quality import service_grade
from sla.selectors import breached_subject_ids, monthly_availability_targets

from .models import AvailabilityBudget, CreditReason, SlaCredit, SlaCreditRule, TroubleTicket
from .planned import late_notices

WARN_AT_PERCENT = Decimal(80)
# A fault no longer worked and not refused as ours: its interruption counts.
COUNTED_STATUSES = (TroubleTicket.Status.RESOLVED, TroubleTicket.Status.CLOSED)


# ---------------------------------------------------------------------------- months
def month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month as a half-open window in the local time zone."""
    zone = timezone.get_current_timezone()
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    end_day = next_month(month)
    return start, datetime(end_day.year, end_day.month, 1, tzinfo=zone)


def parse_month(value: str | None, *, default: date) -> date:
    """A month as a page's selector gives it (2026-12); anything else: the default."""
    try:
        return datetime.strptime(str(value or ""), "%Y-%m").date()  # noqa: DTZ007 — a month, not a moment
    except ValueError:
        return default


# ---------------------------------------------------------------------------- outages
@dataclass
class Outage:
    """One cause of outage of a service in a month, clipped to the month."""

    start: datetime
    end: datetime
    ticket: TroubleTicket | None = None
    planned_work: object | None = None

    @property
    def minutes(self) -> Decimal:
        return _minutes(self.end - self.start)


def _minutes(span: timedelta) -> Decimal:
    return (Decimal(span.total_seconds()) / 60).quantize(Decimal("0.01"))


def _union_minutes(outages: list[Outage]) -> Decimal:
    """Minutes out of service: overlapping causes count once."""
    total, end = timedelta(0), None
    for outage in sorted(outages, key=lambda o: o.start):
        if end is None or outage.start >= end:
            total += outage.end - outage.start
            end = outage.end
        elif outage.end > end:
            total += outage.end - end
            end = outage.end
    return _minutes(total)


def service_outages(service_ids, month: date) -> dict[int, list[Outage]]:
    """Each service's outages in the month: its interrupting faults, and the windows its customer was not told
    of in time."""
    since, until = month_bounds(month)
    service_ids = set(service_ids)
    found: dict[int, list[Outage]] = {pk: [] for pk in service_ids}
    tickets = (
        TroubleTicket.objects.filter(
            type=TroubleTicket.Type.FAULT,
            interruption=True,
            status__in=COUNTED_STATUSES,
            resolved_at__gt=since,
            created_at__lt=until,
            services__in=service_ids,
        )
        .distinct()
        .prefetch_related("services")
    )
    for ticket in tickets:
        for service in ticket.services.all():
            if service.pk in service_ids:
                found[service.pk].append(
                    Outage(max(ticket.created_at, since), min(ticket.resolved_at, until), ticket=ticket)
                )
    # A window counts as far as it has passed: what is to come is not an outage yet.
    now = timezone.now()
    customers = set(Service.objects.filter(pk__in=service_ids).values_list("customer_id", flat=True))
    for notice in late_notices(customer_ids=customers, since=since, until=min(until, now)).prefetch_related(
        "planned_work__services"
    ):
        work = notice.planned_work
        for service in work.services.all():
            if service.pk in service_ids and service.customer_id == notice.customer_id:
                found[service.pk].append(
                    Outage(max(work.window_start, since), min(work.window_end, until, now), planned_work=work)
                )
    for outages in found.values():
        outages.sort(key=lambda o: o.start)
    return found


def targets_of(services) -> dict[int, Decimal]:
    """Each service's monthly availability target (%), by its SLA grade; services without one are left out."""
    grades = {service.pk: service_grade(service) for service in services}
    targets = monthly_availability_targets({grade for grade in grades.values() if grade})
    return {pk: targets[grade] for pk, grade in grades.items() if grade in targets}


def budget_minutes(target: Decimal, month: date) -> Decimal:
    since, until = month_bounds(month)
    return (_minutes(until - since) * (100 - target) / 100).quantize(Decimal("0.01"))


def availability_achieved(used: Decimal, month: date) -> Decimal:
    since, until = month_bounds(month)
    return (100 - used * 100 / _minutes(until - since)).quantize(Decimal("0.001"))


# ---------------------------------------------------------------------------- the sweep
def _services_with_outage(month: date) -> set[int]:
    since, until = month_bounds(month)
    from_tickets = TroubleTicket.services.through.objects.filter(
        troubleticket__type=TroubleTicket.Type.FAULT,
        troubleticket__interruption=True,
        troubleticket__status__in=COUNTED_STATUSES,
        troubleticket__resolved_at__gt=since,
        troubleticket__created_at__lt=until,
    ).values_list("service_id", flat=True)
    ids = set(from_tickets)
    for notice in late_notices(since=since, until=min(until, timezone.now())).prefetch_related(
        "planned_work__services"
    ):
        ids |= {s.pk for s in notice.planned_work.services.all() if s.customer_id == notice.customer_id}
    return ids


def _rules() -> dict[str, SlaCreditRule]:
    return {rule.reason: rule for rule in SlaCreditRule.objects.filter(is_active=True)}


def _credit(rule: SlaCreditRule | None, *, service: Service, month: date, reason: str, ticket=None, detail: str = ""):
    if rule is None:
        return None
    return SlaCredit(
        customer_id=service.customer_id,
        city_id=service.customer.city_id,
        service=service,
        month=month,
        reason=reason,
        ticket=ticket,
        percent=rule.percent,
        amount=rule.amount,
        detail=detail[:200],
    )


@transaction.atomic
def availability_month_measure(month: date, *, now=None) -> int:
    """Measure the month of every service with an outage in it: store its budget, warn its account manager at
    80 % (once), credit its customer beyond 100 % (once). Returns how many services were measured."""
    now = now or timezone.now()
    services = list(
        Service.objects.filter(pk__in=_services_with_outage(month)).select_related("customer__account_manager")
    )
    targets = targets_of(services)
    services = [s for s in services if s.pk in targets]
    outages = service_outages([s.pk for s in services], month)
    existing = {
        b.service_id: b
        for b in AvailabilityBudget.objects.select_for_update().filter(month=month, service__in=services)
    }
    rules, credits, changed = _rules(), [], []
    for service in services:
        budget = existing.get(service.pk) or AvailabilityBudget(
            service=service, customer_id=service.customer_id, month=month
        )
        budget.city_id = service.customer.city_id
        budget.target = targets[service.pk]
        budget.budget_minutes = budget_minutes(budget.target, month)
        budget.used_minutes = _union_minutes(outages[service.pk])
        if budget.used_percent >= WARN_AT_PERCENT and budget.warned_at is None:
            budget.warned_at = now
            _warn(service, budget)
        if budget.used_minutes > budget.budget_minutes:
            achieved = availability_achieved(budget.used_minutes, month)
            credits.append(
                _credit(
                    rules.get(CreditReason.AVAILABILITY),
                    service=service,
                    month=month,
                    reason=CreditReason.AVAILABILITY,
                    detail=f"{achieved} % < {budget.target} %",
                )
            )
        changed.append(budget)
    for budget in changed:
        budget.save()
    SlaCredit.objects.bulk_create([c for c in credits if c is not None], ignore_conflicts=True)
    return len(changed)


def _warn(service: Service, budget: AvailabilityBudget) -> None:
    month = budget.month.strftime("%Y-%m")
    notify(
        recipients=[service.customer.account_manager],
        kind=Notification.Kind.AVAILABILITY_BUDGET,
        key=f"availability:{service.pk}:{month}",
        data={
            "service": f"{service.number}",
            "customer": service.customer.name,
            "percent": str(int(budget.used_percent)),
            "month": month,
        },
        url=f"{reverse('assurance:sla_report', args=[service.customer_id])}?month={month}",
    )


@transaction.atomic
def restore_credits_record(*, since: datetime) -> int:
    """Credit each service of a fault whose restoration breached its contracted time (clocks started since
    `since`); a breach credited already is not credited again."""
    rule = _rules().get(CreditReason.RESTORE_TIME)
    if rule is None:
        return 0
    tickets = TroubleTicket.objects.filter(
        pk__in=breached_subject_ids(TroubleTicket, step_prefix="assurance.fault_", since=since),
        type=TroubleTicket.Type.FAULT,
    ).prefetch_related("services__customer")
    credits = [
        _credit(
            rule,
            service=service,
            month=month_of(ticket.created_at),
            reason=CreditReason.RESTORE_TIME,
            ticket=ticket,
            detail=ticket.number,
        )
        for ticket in tickets
        for service in ticket.services.all()
    ]
    return len(SlaCredit.objects.bulk_create(credits, ignore_conflicts=True))


def availability_sweep(*, now=None) -> None:
    """Beat runs it: this month and the last (a fault resolved early in a month may reach into the last)."""
    now = now or timezone.now()
    month = month_of(now)
    previous = month_of(month_bounds(month)[0] - timedelta(days=1))
    for each in (previous, month):
        availability_month_measure(each, now=now)
    restore_credits_record(since=month_bounds(previous)[0])


# ---------------------------------------------------------------------------- the customer's month
@dataclass
class ServiceMonth:
    service: Service
    target: Decimal | None
    budget: Decimal | None
    outages: list[Outage] = field(default_factory=list)
    credits: list[SlaCredit] = field(default_factory=list)
    used: Decimal = Decimal(0)
    achieved: Decimal | None = None

    @property
    def breached(self) -> bool:
        return self.target is not None and self.achieved is not None and self.achieved < self.target


def customer_sla_month(customer, month: date) -> list[ServiceMonth]:
    """The monthly SLA report of a customer: each service running in the month (or with an outage or a credit
    in it), its target, availability achieved, outages with their causes, and credits."""
    since, until = month_bounds(month)
    credits = list(
        SlaCredit.objects.filter(customer=customer, month=month).select_related("ticket").order_by("created_at")
    )
    services = list(
        Service.objects.filter(customer=customer, created_at__lt=until)
        .exclude(status=Service.Status.TERMINATED, updated_at__lt=since)
        .select_related("product")
        .order_by("pk")
    )
    known = {s.pk for s in services}
    services += list(Service.objects.filter(pk__in={c.service_id for c in credits} - known).select_related("product"))
    targets = targets_of(services)
    outages = service_outages([s.pk for s in services], month)
    rows = []
    for service in services:
        target = targets.get(service.pk)
        used = _union_minutes(outages[service.pk])
        rows.append(
            ServiceMonth(
                service=service,
                target=target,
                budget=budget_minutes(target, month) if target is not None else None,
                outages=outages[service.pk],
                credits=[c for c in credits if c.service_id == service.pk],
                used=used,
                achieved=availability_achieved(used, month),
            )
        )
    return rows


# ---------------------------------------------------------------------------- the supervisors' view
def budgets_at_risk(user, month: date):
    """Services whose month has used 80 % of its outage allowance or more, in the user's cities, worst first."""
    budgets = AvailabilityBudget.objects.filter(
        month=month, used_minutes__gte=F("budget_minutes") * WARN_AT_PERCENT / 100
    ).select_related("service__product", "customer", "city")
    return sorted(scope_to_city(budgets, user), key=lambda b: b.used_percent, reverse=True)


def credits_by_month_city_product(user, *, months: int = 6) -> list[dict]:
    """The credits of the last months in the user's cities: how many and how much, by month, city and product."""
    first = month_of(timezone.now())
    for _n in range(months - 1):
        first = month_of(month_bounds(first)[0] - timedelta(days=1))
    groups = (
        scope_to_city(SlaCredit.objects.filter(month__gte=first), user)
        .values("month", "city", "service__product")
        .annotate(count=Count("pk"), amount=Sum("amount"), percent=Sum("percent"))
        .order_by("-month", "city", "service__product")
    )
    cities = {c.pk: c for c in City.objects.filter(pk__in={g["city"] for g in groups})}
    products = {p.pk: p for p in Product.objects.filter(pk__in={g["service__product"] for g in groups})}
    return [{**g, "city": cities[g["city"]], "product": products[g["service__product"]]} for g in groups]


def credits_of(user, customer):
    """The customer page's credits section (the page has checked the customer is in the user's scope)."""
    if not user.has_perm("assurance.view_troubleticket"):
        return SlaCredit.objects.none()
    return SlaCredit.objects.filter(customer=customer).select_related("service", "ticket").order_by("-month", "-pk")
