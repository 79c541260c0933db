"""Reads of the SLA app: business calendars as the pure arithmetic of `sla.calendar` needs them, and the policies
and routes a clock starts from, kept in the cache as configuration is (every step of every flow starts a clock)."""

from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db.models import Q

from keyaccounts.core.access import scope_to_city
from keyaccounts.core.caching import TIMEOUT, forget_on_change, get_or_fill, instance_of, values_of
from keyaccounts.core.models import Team

from .calendar import WorkingCalendar
from .models import (
    BusinessCalendar,
    CityCalendar,
    CustomerCalendar,
    Holiday,
    QualityGrade,
    QualityViolation,
    SlaClock,
    SlaPolicy,
    WorkingWindow,
    calendar_applies,
)

POLICIES_KEY = "sla:policies"
ROUTES_KEY = "sla:routes"


def working_calendar(calendar: BusinessCalendar) -> WorkingCalendar:
    """The calendar's windows, holidays and make-up days (every SLA clock that starts reads its calendar)."""
    return calendar_read(pk=calendar.pk)[1]


def calendar_key(key: str, value) -> str:
    return f"sla:calendar:{value}" if key == "pk" else f"sla:calendar:{key}:{value}"


def calendar_read(**lookup) -> tuple[BusinessCalendar | None, WorkingCalendar | None]:
    """The calendar `lookup` finds (`pk=` or `code=`) with its windows, holidays and make-up days: a page showing
    clocks on the default calendar knows it only by its code. Kept in the cache under both until the calendar,
    a window or an exception of it changes (every page with a running clock reads its calendar)."""
    ((key, value),) = lookup.items()
    data = get_or_fill(calendar_key(key, value), lambda: _read(key, value))
    if data["calendar"] is None:
        return None, None
    return instance_of(BusinessCalendar, data["calendar"]), WorkingCalendar(
        time_zone=data["calendar"]["time_zone"],
        windows=data["windows"],
        holidays=frozenset(data["holidays"]),
        workdays=data["workdays"],
    )


def _read(key: str, value) -> dict:
    calendar = BusinessCalendar.objects.filter(**{key: value}).values("id", "code", "time_zone").first()
    if calendar is None:
        return {"calendar": None}
    windows_by_day = defaultdict(list)
    for weekday, starts, ends in WorkingWindow.objects.filter(calendar=calendar["id"]).values_list(
        "weekday", "starts", "ends"
    ):
        windows_by_day[weekday].append((starts, ends))
    holidays, workdays = [], {}
    for kind, date, workday_as in Holiday.objects.filter(calendar=calendar["id"]).values_list(
        "kind", "date", "workday_as"
    ):
        if kind == Holiday.Kind.HOLIDAY:
            holidays.append(date)
        else:
            workdays[date] = workday_as
    return {
        "calendar": calendar,
        "windows": {weekday: tuple(sorted(spans)) for weekday, spans in windows_by_day.items()},
        "holidays": holidays,
        "workdays": workdays,
    }


def _keys_of_calendar(calendar: BusinessCalendar) -> list[str]:
    return [calendar_key("pk", calendar.pk), calendar_key("code", calendar.code)]


def _keys_of_part(part: WorkingWindow | Holiday) -> list[str]:
    """A window's or an exception's calendar, by its pk and its code."""
    code = BusinessCalendar.objects.filter(pk=part.calendar_id).values_list("code", flat=True).first()
    return [calendar_key("pk", part.calendar_id), *([calendar_key("code", code)] if code is not None else [])]


def active_policies(step: str) -> list[SlaPolicy]:
    """The step's active policies, for every customer level and product: a starting clock picks among them."""
    by_step = get_or_fill(POLICIES_KEY, _read_policies)
    return [instance_of(SlaPolicy, values) for values in by_step.get(step, ())]


def _read_policies() -> dict[str, list[dict]]:
    by_step = defaultdict(list)
    for policy in SlaPolicy.objects.filter(is_active=True).order_by("pk"):
        by_step[policy.step].append(values_of(policy))
    return dict(by_step)


def clock_routes() -> dict:
    """`teams`: the team serving each (kind, city), a provincial one under (kind, None), the first by code;
    `city_calendars`: each city's own calendar."""
    return get_or_fill(ROUTES_KEY, _read_routes)


def _read_routes() -> dict:
    teams = {}
    for pk, kind, city_id in Team.objects.order_by("code").values_list("pk", "kind", "city_id"):
        teams.setdefault((kind, city_id), pk)
    return {"teams": teams, "city_calendars": dict(CityCalendar.objects.values_list("city_id", "calendar_id"))}


def customer_calendar_id(customer_pk: int, step: str = "") -> int | None:
    """The calendar the customer's contract names, if any (for `step`, when the contract limits it to some)."""
    contract = get_or_fill(
        _customer_calendar_key(customer_pk),
        lambda: list(
            CustomerCalendar.objects.filter(customer=customer_pk).values_list("calendar", "steps").first() or (0, "")
        ),
    )
    return calendar_for_step(contract, step)


def calendar_for_step(contract, step: str = "") -> int | None:
    """Of a customer's contract calendar as kept ([calendar id or 0, its steps]), the calendar `step` runs on."""
    calendar_id, steps = contract
    return calendar_id if calendar_id and (not step or calendar_applies(steps, step)) else None


def customer_contracts(customer_pks) -> dict[int, list]:
    """What `customer_calendar_id` reads, of many customers: one cache read, and one query for those not kept yet."""
    keys = {_customer_calendar_key(pk): pk for pk in customer_pks}
    found = {keys[key]: value for key, value in cache.get_many(list(keys)).items()}
    missing = [pk for pk in keys.values() if pk not in found]
    if missing:
        rows = CustomerCalendar.objects.filter(customer__in=missing).order_by("-pk")  # the first row wins, as above
        named = {
            customer: [calendar, steps]
            for customer, calendar, steps in rows.values_list("customer", "calendar", "steps")
        }
        read = {pk: named.get(pk, [0, ""]) for pk in missing}
        cache.set_many({_customer_calendar_key(pk): value for pk, value in read.items()}, TIMEOUT)
        found.update(read)
    return found


def _customer_calendar_key(customer_pk) -> str:
    return f"sla:customer-calendar:{customer_pk}:steps"


def connect() -> None:
    forget_on_change(BusinessCalendar, _keys_of_calendar, before_save=True)
    for part in (WorkingWindow, Holiday):
        forget_on_change(part, _keys_of_part, before_save=True)
    forget_on_change(SlaPolicy, lambda policy: [POLICIES_KEY])
    for routed in (Team, CityCalendar):
        forget_on_change(routed, lambda instance: [ROUTES_KEY])
    forget_on_change(CustomerCalendar, lambda link: [_customer_calendar_key(link.customer_id)], before_save=True)


def clocks_at_risk_for(user, *, limit: int = 15):
    """Open clocks in the user's scope, soonest due first (breached ones lead)."""
    clocks = SlaClock.objects.filter(stopped_at__isnull=True).select_related("city").prefetch_related("subject")
    return scope_to_city(clocks, user).order_by("due_at")[:limit]


def open_quality_violations_of(customer):
    """The customer's services missing a network quality target now (the page's own scope check applies)."""
    return (
        QualityViolation.objects.filter(service__customer=customer, state=QualityViolation.State.OPEN)
        .select_related("service__product")
        .order_by("period_start")
    )


def next_working_moment(now: datetime, calendar: BusinessCalendar | None = None) -> datetime:
    """Now if it is working time under the calendar (None: the default one), else the next working window's
    start: when an e-mail may leave."""
    calendar = calendar or BusinessCalendar.objects.filter(code=settings.SLA_DEFAULT_CALENDAR).first()
    if calendar is None:
        return now
    working = working_calendar(calendar)
    return working.next_working_moment(now) if working.has_working_time else now


def open_clock_states(subject) -> dict[str, str]:
    """The subject's open clocks: each step's state (running or paused), in one read."""
    return dict(
        SlaClock.objects.filter(
            subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk, stopped_at=None
        ).values_list("step", "state")
    )


def breached_subject_ids(model, *, step_prefix: str, since: datetime) -> list[int]:
    """The records of a model whose step (by its prefix) breached its limit, for clocks started since `since`:
    a breach the sweep raised, or a clock stopped late before the sweep saw it due."""
    return list(
        SlaClock.objects.filter(
            Q(breached_at__isnull=False) | Q(state=SlaClock.State.BREACHED),
            subject_type=ContentType.objects.get_for_model(model),
            step__startswith=step_prefix,
            started_at__gte=since,
        )
        .values_list("subject_id", flat=True)
        .distinct()
    )


def monthly_availability_targets(grades) -> dict:
    """The month's availability target (%) of each of these grade codes that has one."""
    return dict(
        QualityGrade.objects.filter(code__in=grades, monthly_availability__isnull=False).values_list(
            "code", "monthly_availability"
        )
    )
