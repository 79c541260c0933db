"""Demo SLA policies for the steps of the four sub-processes and a working calendar (an administrator edits them)."""

import datetime as dt
from datetime import timedelta

from django.db import transaction

from keyaccounts.catalogue.models import Product
from keyaccounts.core.models import Team

from .models import BusinessCalendar, Holiday, QualityGrade, QualityTarget, SlaPolicy, TimeBasis, WorkingWindow

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
    ("launch.resource_confirmation", "", 15 * H, TimeBasis.WORKING),
    ("launch.construction", "", 150 * H, TimeBasis.WORKING),
    ("launch.configuration", "", 22.5 * H, TimeBasis.WORKING),
    ("launch.acceptance", "", 15 * H, TimeBasis.WORKING),
    ("launch.customer_acceptance", "", 22.5 * H, TimeBasis.WORKING),
    ("launch.manual_handling", "", 7.5 * H, TimeBasis.WORKING),
    ("launch.information", "", 4 * H, TimeBasis.WORKING),
    ("assurance.fault_level1", "", 4 * H, TimeBasis.CALENDAR),
    ("assurance.fault_level2", "", 8 * H, TimeBasis.CALENDAR),
    ("assurance.complaint", "", 48 * H, TimeBasis.CALENDAR),
]


# The back-office team that works each step (the others wait for an account manager, a supervisor or a peer).
TEAM_OF_STEP = {
    "customer.review": Team.Kind.CUSTOMER_AUDIT,
    "opportunity.solution": Team.Kind.PRESALES,
    "order.acceptance": Team.Kind.ORDER_ACCEPTANCE,
    "launch.configuration": Team.Kind.PROVISIONING,
    "launch.manual_handling": Team.Kind.PROVISIONING,
    "launch.acceptance": Team.Kind.PROVISIONING,
    "launch.information": Team.Kind.PROVISIONING,
}


@transaction.atomic
def seed_demo_policies() -> None:
    for step, level, limit, basis in POLICIES:
        if not SlaPolicy.objects.filter(step=step, customer_level=level, product__isnull=True).exists():
            SlaPolicy.objects.create(
                step=step, customer_level=level, limit=limit, time_basis=basis, team_kind=TEAM_OF_STEP.get(step, "")
            )


GRADES = [("gold", "Gold", "金牌"), ("silver", "Silver", "银牌"), ("bronze", "Bronze", "铜牌")]
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
        code: QualityGrade.objects.get_or_create(code=code, defaults={"name_en": en, "name_zh": zh, "sort_order": n})[0]
        for n, (code, en, zh) in enumerate(GRADES)
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
