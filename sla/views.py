"""The supervisors' SLA dashboard, and its tables as CSV."""

import csv
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from keyaccounts.core.access import deny, sees_all_cities
from keyaccounts.core.models import City

from . import dashboard
from .services import sla_status


def _period(get) -> dashboard.Period:
    try:
        return dashboard.Period(date.fromisoformat(get["start"]), date.fromisoformat(get["end"]))
    except (KeyError, ValueError):
        return dashboard.Period.last_days(30)


def _tables(user, period: dashboard.Period, city_id: int | None) -> dict:
    finished = dashboard.finished_in(user, period, city_id=city_id)
    return {
        "at_risk": [sla_status(clock) for clock in dashboard.at_risk(dashboard.scoped_clocks(user, city_id=city_id))],
        "by_step": dashboard.compliance_by(finished, "step"),
        "by_city": dashboard.compliance_by(finished, "city__code", "city__name_en"),
        "by_product": dashboard.compliance_by(finished, "product__code", "product__name_en"),
        "by_team": dashboard.compliance_by(finished, "team__code", "team__name_en"),
        "by_manager": dashboard.compliance_by(finished, "account_manager__username"),
        "trend": dashboard.weekly_trend(finished),
        "bottlenecks": dashboard.bottlenecks(finished),
        "volumes": dashboard.monthly_volumes(user, period),
        "quality_open": list(dashboard.open_violations(user, city_id=city_id)),
        "quality_by_product": dashboard.quality_by_product(user, period, city_id=city_id),
    }


CSV_COLUMNS = {
    "by_step": ["key", "met", "breached", "rate"],
    "by_city": ["key", "met", "breached", "rate"],
    "by_product": ["key", "met", "breached", "rate"],
    "by_team": ["key", "met", "breached", "rate"],
    "by_manager": ["key", "met", "breached", "rate"],
    "trend": ["week", "total", "rate"],
    "bottlenecks": ["step", "count", "median", "p90"],
    "volumes": ["month", "opportunities", "orders", "work_orders"],
    "quality_by_product": ["key", "measured", "warned", "violated", "rate"],
}


def _csv(name: str, rows: list) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sla-{name}.csv"'
    writer = csv.writer(response)
    if name == "at_risk":
        writer.writerow(["step", "city", "due", "time_left", "used_percent", "state"])
        for s in rows:
            writer.writerow(
                [
                    s.clock.step,
                    s.clock.city.code if s.clock.city else "",
                    s.clock.due_at.isoformat(),
                    s.time_left,
                    s.used_percent,
                    s.level,
                ]
            )
        return response
    if name == "quality_open":
        writer.writerow(
            [
                "service",
                "customer",
                "city",
                "metric",
                "target",
                "actual",
                "worst",
                "from",
                "until",
                "work_order",
                "status_at_eoms",
            ]
        )
        for v in rows:
            writer.writerow(
                [
                    v.service.number,
                    v.service.customer.name,
                    v.service.customer.city.code,
                    v.metric,
                    v.target_value,
                    v.actual_value,
                    v.worst_value,
                    v.period_start.isoformat(),
                    v.period_end.isoformat(),
                    v.reference,
                    v.ticket_status,
                ]
            )
        return response
    columns = CSV_COLUMNS[name]
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[c] for c in columns])
    return response


@login_required
def sla_dashboard(request):
    user = request.user
    if not user.has_perm("sla.view_dashboard"):
        raise deny(request, "sla.view_dashboard")
    period = _period(request.GET)
    city_id = request.GET.get("city") if sees_all_cities(user) else None
    tables = _tables(user, period, int(city_id) if city_id and city_id.isdigit() else None)
    export = request.GET.get("export")
    if export in tables:
        return _csv(export, tables[export])
    chart = {
        "weeks": [str(row["week"]) for row in tables["trend"]],
        "rates": [row["rate"] for row in tables["trend"]],
        "cities": [row["key"] for row in tables["by_city"]],
        "city_rates": [row["rate"] for row in tables["by_city"]],
        "label": _("Compliance (%)"),
    }
    return render(
        request,
        "sla/dashboard.html",
        {
            **tables,
            "period": period,
            "cities": City.objects.all() if sees_all_cities(user) else None,
            "query": request.GET,
            "chart": chart,
        },
    )
