"""Planned work (割接, cutover): registered with its window and the running services it interrupts; each affected
customer is told ahead by its level (`NoticeLeadTime`, an administrator's data), through messaging, to its contacts
in their channel and language. A customer told in time has the window excluded from its availability; a customer
told late, or never, has it counted as outage.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from keyaccounts.catalogue.models import Service
from keyaccounts.core.access import sees_all_cities
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.roles import Role, has_role
from keyaccounts.messaging.events import MessageEvent
from keyaccounts.messaging.services import message_send

from .models import NoticeLeadTime, PlannedWork, PlannedWorkNotice
from .telling import moment, services_named

# The sweep runs every few minutes: it sends a notice up to this long before it falls due, so that it is never late.
SEND_EARLY = timedelta(hours=1)
# A level no row names, and no catch-all row: told a day ahead.
DEFAULT_LEAD = timedelta(hours=24)


# ---------------------------------------------------------------------------- who sees and registers
def may_register(user) -> bool:
    return user.has_perm("assurance.add_plannedwork") and (sees_all_cities(user) or bool(user.city_id))


def visible_planned_works(user, queryset: QuerySet | None = None) -> QuerySet[PlannedWork]:
    """Operations and supervisors see the work of their city and any work affecting a customer of their city;
    account managers the work affecting their customers; provincial roles all."""
    queryset = PlannedWork.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("assurance.view_plannedwork"):
        return queryset.none()
    if sees_all_cities(user):
        return queryset
    affecting = PlannedWorkNotice.objects.values("planned_work_id")
    scope = Q(pk__in=[])
    if has_role(user, Role.ACCOUNT_MANAGER):
        scope |= Q(pk__in=affecting.filter(customer__account_manager=user))
    if has_role(user, Role.BACK_OFFICE, Role.CITY_SUPERVISOR) and user.city_id:
        scope |= Q(city_id=user.city_id) | Q(pk__in=affecting.filter(customer__city_id=user.city_id))
    return queryset.filter(scope)


def services_to_choose(user) -> QuerySet[Service]:
    """The running services a user may name as affected: their city's, or every city's for provincial roles."""
    services = Service.objects.filter(status=Service.Status.ACTIVE).select_related("product", "customer")
    if sees_all_cities(user):
        return services.order_by("customer__name", "pk")
    return services.filter(customer__city_id=user.city_id).order_by("customer__name", "pk")


def planned_works_upcoming(user, *, now=None) -> QuerySet[PlannedWork]:
    """The windows not yet over, soonest first, with their notices and customers."""
    return (
        visible_planned_works(user)
        .filter(window_end__gt=now or timezone.now())
        .select_related("city")
        .prefetch_related(Prefetch("notices", queryset=PlannedWorkNotice.objects.select_related("customer")))
        .order_by("window_start", "pk")
    )


# ---------------------------------------------------------------------------- registering and telling
def lead_times() -> dict[str, timedelta]:
    return dict(NoticeLeadTime.objects.values_list("customer_level", "lead"))


def lead_for(level: str, leads: dict[str, timedelta]) -> timedelta:
    return leads.get(level) or leads.get("") or DEFAULT_LEAD


@transaction.atomic
def planned_work_register(*, user, title: str, reason: str, window_start, window_end, services) -> PlannedWork:
    """Register a cutover: the affected customers follow from the services; those already due are told at once
    (late, if their notice time has passed)."""
    now = timezone.now()
    services = list(services)
    if window_end <= window_start:
        raise ApplicationError(_("The window must end after it starts."), field="window_end")
    if window_start <= now:
        raise ApplicationError(_("The window must start in the future."), field="window_start")
    if not services:
        raise ApplicationError(_("Choose the services the work interrupts."), field="services")
    allowed = set(services_to_choose(user).filter(pk__in=[s.pk for s in services]).values_list("pk", flat=True))
    if len(allowed) != len({s.pk for s in services}):
        raise ApplicationError(_("Only running services of your city may be chosen."), field="services")
    work = PlannedWork.objects.create(
        title=title,
        reason=reason,
        window_start=window_start,
        window_end=window_end,
        city_id=None if sees_all_cities(user) else user.city_id,
        registered_by=user,
    )
    work.services.set(services)
    leads = lead_times()
    customers = {s.customer_id: s.customer for s in services}
    PlannedWorkNotice.objects.bulk_create(
        PlannedWorkNotice(
            planned_work=work, customer=customer, notify_by=window_start - lead_for(customer.level, leads)
        )
        for customer in customers.values()
    )
    planned_work_notices_send(now=now, work=work)
    return work


def planned_work_notices_send(*, now=None, work: PlannedWork | None = None) -> int:
    """Tell the customers whose notice falls due (beat runs it; registering runs it for the new work). A notice
    that cannot be written says why on the planned work's page and is tried again until the window ends."""
    now = now or timezone.now()
    due = PlannedWorkNotice.objects.filter(
        notified_at=None, notify_by__lte=now + SEND_EARLY, planned_work__window_end__gt=now
    )
    if work is not None:
        due = due.filter(planned_work=work)
    told = 0
    with transaction.atomic():
        for notice in (
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("planned_work", "customer")
            .order_by("notify_by", "pk")[:200]
        ):
            told += _notice_send(notice, now)
    return told


def _notice_send(notice: PlannedWorkNotice, now) -> int:
    work, customer = notice.planned_work, notice.customer
    contacts = list(customer.contacts.order_by("pk"))
    services = list(work.services.filter(customer=customer).select_related("product").order_by("pk"))
    problem, sent = "", []
    if not contacts:
        problem = _("The customer has no contact to write to.")
    else:
        try:
            with transaction.atomic():
                sent = message_send(
                    subject=notice,
                    event=MessageEvent.CUTOVER_NOTICE,
                    recipients=contacts,
                    context={
                        "reference": work.reference,
                        "customer": customer.name,
                        "service": services_named(services),
                        "window_start": moment(work.window_start),
                        "window_end": moment(work.window_end),
                    },
                )
        except ApplicationError as error:
            problem = str(error.message)
    if sent:
        notice.notified_at, notice.messages, notice.problem = now, len(sent), ""
    else:
        notice.problem = problem[:300]
    notice.save(update_fields=["notified_at", "messages", "problem"])
    return 1 if sent else 0


def late_notices(*, customer_ids=None, since=None, until=None, now=None) -> QuerySet[PlannedWorkNotice]:
    """Notices not given in time (told after they fell due, or due and not told) whose window overlaps
    [since, until): for these customers the window counts as outage."""
    now = now or timezone.now()
    notices = PlannedWorkNotice.objects.filter(
        Q(notified_at__gt=F("notify_by")) | Q(notified_at=None, notify_by__lt=now)
    )
    if customer_ids is not None:
        notices = notices.filter(customer_id__in=customer_ids)
    if since is not None:
        notices = notices.filter(planned_work__window_end__gt=since)
    if until is not None:
        notices = notices.filter(planned_work__window_start__lt=until)
    return notices.select_related("planned_work")


def planned_work_rows(work: PlannedWork, *, now=None) -> list[dict]:
    """The planned work's page: each affected customer, its services, and whether it was told in time."""
    now = now or timezone.now()
    services = {}
    for service in work.services.select_related("product").order_by("pk"):
        services.setdefault(service.customer_id, []).append(service)
    rows = []
    for notice in work.notices.select_related("customer").order_by("customer__name"):
        if notice.in_time:
            state = "in_time"
        elif notice.notified_at is not None or now > notice.notify_by:
            state = "late"
        else:
            state = "waiting"
        rows.append({"notice": notice, "services": services.get(notice.customer_id, []), "state": state})
    return rows
