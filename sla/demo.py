"""Demo SLA policies for the steps of the four sub-processes and a working calendar (an administrator edits them)."""

import datetime as dt
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import Team

from .models import (
    BusinessCalendar,
    Holiday,
    QualityGrade,
    QualityTarget,
    SlaClock,
    SlaPolicy,
    TimeBasis,
    WorkingWindow,
)
from .selectors import calendar_read
from .services import sla_clock_pause, sla_clock_resume

H = timedelta(hours=1)
# step, level ("" = any), limit, basis
POLICIES = [
    ("customer.review", "", 4 * H, TimeBasis.WORKING),
    ("customer.review", "A", 2 * H, TimeBasis.WORKING),
    ("customer.correction", "", 15 * H, TimeBasis.WORKING),
    ("customer.approval", "", 4 * H, TimeBasis.WORKING),
    ("opportunity.response", "", 4 * H, TimeBasis.WORKING),
    ("opportunity.response", "A", 2 * H, TimeBasis.WORKING),
    ("opportunity.survey", "", 22.5 * H, TimeBasis.WORKING),
    ("opportunity.solution", "", 37.5 * H, TimeBasis.WORKING),
    ("opportunity.quote", "", 15 * H, TimeBasis.WORKING),
    ("opportunity.approval", "", 7.5 * H, TimeBasis.WORKING),
    ("order.check", "", 2 * H, TimeBasis.WORKING),
    ("order.acceptance", "", 4 * H, TimeBasis.WORKING),
    ("order.acceptance", "A", 2 * H, TimeBasis.WORKING),
    ("order.approval", "", 7.5 * H, TimeBasis.WORKING),
    ("order.correction", "", 15 * H, TimeBasis.WORKING),
    ("order.cancellation", "", 4 * H, TimeBasis.WORKING),
    ("launch.resource_confirmation", "", 15 * H, TimeBasis.WORKING),
    ("launch.construction", "", 150 * H, TimeBasis.WORKING),
    ("launch.configuration", "", 22.5 * H, TimeBasis.WORKING),
    ("launch.acceptance", "", 15 * H, TimeBasis.WORKING),
    ("launch.customer_acceptance", "", 22.5 * H, TimeBasis.WORKING),
    ("launch.manual_handling", "", 7.5 * H, TimeBasis.WORKING),
    ("launch.correction", "", 15 * H, TimeBasis.WORKING),
    ("launch.information", "", 4 * H, TimeBasis.WORKING),
    ("assurance.fault_level1", "", 4 * H, TimeBasis.CALENDAR),
    ("assurance.fault_level2", "", 8 * H, TimeBasis.CALENDAR),
    ("assurance.information", "", 2 * H, TimeBasis.CALENDAR),
    ("assurance.confirmation", "", 24 * H, TimeBasis.CALENDAR),
    ("assurance.complaint", "", 48 * H, TimeBasis.CALENDAR),
    ("assurance.triage", "", 2 * H, TimeBasis.WORKING),
    ("assurance.handling", "", 15 * H, TimeBasis.WORKING),
    ("assurance.callback", "", 7.5 * H, TimeBasis.WORKING),
    ("assurance.billing", "", 22.5 * H, TimeBasis.WORKING),
    ("assurance.first_response", "", 2 * H, TimeBasis.WORKING),
    # On the way to a fault's restoration: sent to EOMS, taken on by it, and the customer told of its progress.
    ("assurance.dispatch", "", 0.25 * H, TimeBasis.CALENDAR),
    ("assurance.acknowledge_level1", "", 0.25 * H, TimeBasis.CALENDAR),
    ("assurance.acknowledge_level2", "", 0.5 * H, TimeBasis.CALENDAR),
    ("assurance.progress_level1", "", 1 * H, TimeBasis.CALENDAR),
    ("assurance.progress_level2", "", 2 * H, TimeBasis.CALENDAR),
    # Level-A customers' faults by their contract's calendar (7×24 in the demo), shorter; the holding parties' time.
    ("assurance.fault_level1", "A", 2 * H, TimeBasis.WORKING),
    ("assurance.fault_level2", "A", 6 * H, TimeBasis.WORKING),
    ("assurance.held_desk", "", 1 * H, TimeBasis.CALENDAR),
    ("assurance.held_eoms", "", 6 * H, TimeBasis.CALENDAR),
    ("assurance.held_si", "", 8 * H, TimeBasis.CALENDAR),
]
# Escalation and pauses, by step: level-1 faults breach straight to the province, e-mailed at any hour; a ticket's
# pauses on the customer's side are capped at half its limit.
_LEVEL_1 = {"escalate_to": SlaPolicy.Escalation.PROVINCIAL_SUPERVISOR, "email_any_time": True, "pause_cap_percent": 50}
POLICY_SETTINGS = {
    "assurance.fault_level1": _LEVEL_1,
    "assurance.fault_level2": {"pause_cap_percent": 50},
    "assurance.complaint": {"pause_cap_percent": 50},
}


# The back-office team that works each step (the others wait for an account manager, a supervisor or a peer).
TEAM_OF_STEP = {
    "customer.review": Team.Kind.CUSTOMER_AUDIT,
    "opportunity.solution": Team.Kind.PRESALES,
    "order.acceptance": Team.Kind.ORDER_ACCEPTANCE,
    "order.cancellation": Team.Kind.ORDER_ACCEPTANCE,
    "launch.configuration": Team.Kind.PROVISIONING,
    "launch.manual_handling": Team.Kind.PROVISIONING,
    "launch.acceptance": Team.Kind.PROVISIONING,
    "launch.information": Team.Kind.PROVISIONING,
    "assurance.triage": Team.Kind.ASSURANCE_DESK,
}


@transaction.atomic
def seed_demo_policies() -> None:
    for step, level, limit, basis in POLICIES:
        if not SlaPolicy.objects.filter(step=step, customer_level=level, product__isnull=True).exists():
            SlaPolicy.objects.create(
                step=step,
                customer_level=level,
                limit=limit,
                time_basis=basis,
                team_kind=TEAM_OF_STEP.get(step, ""),
                **POLICY_SETTINGS.get(step, {}),
            )


# code, English, Chinese, the month's availability target (%)
GRADES = [
    ("gold", "Gold", "金牌", "99.990"),
    ("silver", "Silver", "银牌", "99.900"),
    ("bronze", "Bronze", "铜牌", "99.500"),
]
# product code: grade → (availability ≥ %, warning below %), (packet loss ≤ %, warning above %),
# (delay ≤ ms, warning above ms). Dedicated lines promise more than broadband; MPLS VPN the lowest delay.
QUALITY_TARGETS = {
    "internet-line": {
        "gold": (("99.990", "99.995"), ("0.100", "0.050"), ("20", "15")),
        "silver": (("99.950", "99.970"), ("0.500", "0.300"), ("40", "30")),
        "bronze": (("99.900", "99.940"), ("1.000", "0.700"), ("60", "50")),
    },
    "data-line": {
        "gold": (("99.990", "99.995"), ("0.050", "0.030"), ("10", "8")),
        "silver": (("99.950", "99.970"), ("0.200", "0.150"), ("20", "15")),
        "bronze": (("99.900", "99.940"), ("0.500", "0.400"), ("30", "25")),
    },
    "enterprise-broadband": {
        "gold": (("99.900", "99.950"), ("0.500", "0.300"), ("40", "30")),
        "silver": (("99.500", "99.700"), ("1.000", "0.700"), ("60", "50")),
        "bronze": (("99.000", "99.300"), ("2.000", "1.500"), ("80", "70")),
    },
}


@transaction.atomic
def seed_demo_quality_targets() -> None:
    """Grades gold, silver and bronze, and the network products' targets at each (kept if an admin edited)."""
    grades = {
        code: QualityGrade.objects.get_or_create(
            code=code, defaults={"name_en": en, "name_zh": zh, "sort_order": n, "monthly_availability": monthly}
        )[0]
        for n, (code, en, zh, monthly) in enumerate(GRADES)
    }
    for product in Product.objects.filter(code__in=QUALITY_TARGETS):
        for grade, (availability, loss, delay) in QUALITY_TARGETS[product.code].items():
            target = QualityTarget(
                product=product,
                grade=grades[grade],
                availability_min=availability[0],
                availability_warning=availability[1],
                packet_loss_max=loss[0],
                packet_loss_warning=loss[1],
                delay_max=delay[0],
                delay_warning=delay[1],
            )
            if not QualityTarget.objects.filter(product=product, grade=grades[grade]).exists():
                target.full_clean()
                target.save()


WEEKDAY_WINDOWS = [(dt.time(8, 30), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30))]
HOLIDAYS = [  # date, kind, name, weekday whose windows a make-up day follows
    (dt.date(2027, 1, 1), "holiday", "New Year's Day", None),
    (dt.date(2027, 2, 5), "holiday", "Spring Festival", None),
    (dt.date(2027, 2, 8), "holiday", "Spring Festival", None),
    (dt.date(2027, 2, 9), "holiday", "Spring Festival", None),
    (dt.date(2027, 2, 10), "holiday", "Spring Festival", None),
    (dt.date(2027, 2, 11), "holiday", "Spring Festival", None),
    (dt.date(2027, 2, 20), "workday", "Spring Festival make-up day", 4),
]


def seed_demo_calendar() -> None:
    """The Jilin standard working time: two windows a weekday, the 2027 holidays and make-up days."""
    calendar, _ = BusinessCalendar.objects.update_or_create(
        code="jilin-standard",
        defaults={
            "name_en": "Jilin standard working time",
            "name_zh": "吉林标准工作时间",
            "time_zone": "Asia/Shanghai",
        },
    )
    if not calendar.windows.exists():
        WorkingWindow.objects.bulk_create(
            WorkingWindow(calendar=calendar, weekday=day, starts=starts, ends=ends)
            for day in range(5)
            for starts, ends in WEEKDAY_WINDOWS
        )
    for date, kind, name, workday_as in HOLIDAYS:
        Holiday.objects.update_or_create(
            calendar=calendar, date=date, defaults={"kind": kind, "name": name, "workday_as": workday_as}
        )


AROUND_THE_CLOCK = "seven-by-twenty-four"


def seed_demo_around_the_clock() -> None:
    """A 7×24 calendar for the contracts that promise it: every day, all day (a window ends just before
    midnight; the microsecond left out is nothing a limit can see)."""
    calendar, _ = BusinessCalendar.objects.get_or_create(
        code=AROUND_THE_CLOCK, defaults={"name_en": "7×24", "name_zh": "7×24 小时", "time_zone": "Asia/Shanghai"}
    )
    if not calendar.windows.exists():
        WorkingWindow.objects.bulk_create(
            WorkingWindow(calendar=calendar, weekday=day, starts=dt.time(0, 0), ends=dt.time.max) for day in range(7)
        )


# ---------------------------------------------------------------------------- SLA history
HISTORY_DAYS = 42  # six weeks: the default 30-day period shows five of them
# step, products its clocks are about (None: none)
HISTORY_STEPS = [
    ("customer.review", [None]),
    ("opportunity.response", [None]),
    ("order.acceptance", ["internet-line", "group-sms", "vpmn", "enterprise-broadband"]),
    ("launch.configuration", ["internet-line", "data-line", "enterprise-broadband"]),
]
# Breached out of ten clocks, week by week: the trend goes up and down as real weeks do.
BREACHED_OF_TEN = [1, 3, 2, 4, 1, 2]


def _history_subjects() -> list:
    """The demo customers: the history's clocks hang on them, not on the demo's processes, whose pages pair
    each step with its clock. None when the customers app is not installed."""
    try:
        customer = apps.get_model("customers", "Customer")
    except LookupError:
        return []
    return list(customer.objects.filter(city__isnull=False).select_related("city").order_by("pk"))


@transaction.atomic
def seed_demo_history() -> None:
    """Six weeks of finished clocks (most met, some breached) across steps, cities and products, for the
    dashboards' rollup; then a few of the demo's open steps made late: one breached, one past its warning.
    Idempotent: the history is written once, and open steps already at risk are left as they are."""
    customers = _history_subjects()
    if customers:
        subject_type = ContentType.objects.get_for_model(customers[0])
        if not SlaClock.objects.filter(subject_type=subject_type).exists():
            # Left `uncounted` like any stop: the beat folds them, and the dashboard folds before it reads.
            SlaClock.objects.bulk_create(_history(customers, subject_type))
    _late_open_steps()


def _history(customers: list, subject_type) -> list[SlaClock]:
    products = {p.code: p for p in Product.objects.all()}
    policies = {p.step: p for p in SlaPolicy.objects.filter(customer_level="", product__isnull=True)}
    teams = {(t.kind, t.city_id): t for t in Team.objects.all()}
    working = calendar_read(code=settings.SLA_DEFAULT_CALENDAR)[1]
    now = timezone.now()
    today = timezone.localdate()
    clocks, n = [], 0
    for back in range(HISTORY_DAYS, 0, -1):
        day = today - timedelta(days=back)
        if working is not None and not working.windows_on(day):
            continue  # nobody starts a step on a day off
        week = (HISTORY_DAYS - back) // 7
        for step, codes in HISTORY_STEPS:
            policy = policies.get(step)
            if policy is None:
                continue
            for _ in range(1 + n % 2):  # one or two a day and step
                n += 1
                customer = customers[n % len(customers)]
                started = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0))) + timedelta(minutes=37 * n % 240)
                clock = _finished(policy, working, started, breached=(n * 7 + week) % 10 < BREACHED_OF_TEN[week % 6])
                if clock.stopped_at >= now:
                    continue
                clock.subject_type, clock.subject_id = subject_type, customer.pk
                clock.city, clock.account_manager_id = customer.city, customer.account_manager_id
                clock.product = products.get(codes[n % len(codes)])
                clock.team = teams.get((policy.team_kind, customer.city_id)) or teams.get((policy.team_kind, None))
                clocks.append(clock)
    return clocks


def _finished(policy: SlaPolicy, working, started: dt.datetime, *, breached: bool) -> SlaClock:
    """A clock of the policy started then, stopped well within its limit, or past it."""
    counted = working if policy.time_basis == TimeBasis.WORKING else None

    def after(share: float) -> dt.datetime:
        return counted.add_working_time(started, policy.limit * share) if counted else started + policy.limit * share

    due, warn, warn_again = after(1), after(policy.warn_at_percent / 100), after(policy.warn_again_at_percent / 100)
    minutes = int((started.minute + started.hour) % 5)  # a little spread, the same on every run
    stopped = due + (due - started) * (0.2 + minutes / 20) if breached else after(0.3 + minutes / 10)
    return SlaClock(
        step=policy.step,
        policy=policy,
        limit=policy.limit,
        time_basis=policy.time_basis,
        warn_at_percent=policy.warn_at_percent,
        warn_again_at_percent=policy.warn_again_at_percent,
        started_at=started,
        due_at=due,
        warn_at=warn,
        warn_again_at=warn_again,
        warned_level=(stopped >= warn) + (stopped >= warn_again),
        breached_at=due if breached else None,
        stopped_at=stopped,
        state=SlaClock.State.BREACHED if breached else SlaClock.State.MET,
        uncounted=True,  # the next fold counts them into their days
    )


# How long ago the demo's late open steps started running, as a share of their limit.
LATE = [1.5, 0.7]  # breached, past its first warning


def _late_open_steps() -> None:
    """The demo's first open steps of a short limit made to have run for a while, through the clock services
    (a pause now, a resume back then), so that the inbox and the dashboard show them at risk."""
    now = timezone.now()
    running = SlaClock.objects.filter(stopped_at__isnull=True, state=SlaClock.State.RUNNING)
    if running.filter(warn_at__lte=now).exists():
        return  # at risk already: from an earlier run, or of their own accord
    late = [c for c in running.order_by("pk") if c.limit <= 40 * timedelta(hours=1)][: len(LATE)]
    for clock, share in zip(late, LATE, strict=False):
        working = (
            calendar_read(
                **({"pk": clock.calendar_id} if clock.calendar_id else {"code": settings.SLA_DEFAULT_CALENDAR})
            )[1]
            if clock.time_basis == TimeBasis.WORKING
            else None
        )
        since = _back(now, clock.limit * share, working)
        sla_clock_pause(subject=clock.subject, step=clock.step, now=now)
        sla_clock_resume(subject=clock.subject, step=clock.step, now=since)


def _back(now: dt.datetime, duration: timedelta, working) -> dt.datetime:
    """The moment `duration` of (working) time before now, to the quarter hour."""
    if working is None:
        return now - duration
    since = now
    while working.working_time_between(since, now) < duration:
        since -= timedelta(minutes=15)
    return since
