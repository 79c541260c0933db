"""The supervisors' SLA dashboard, and its tables as CSV or XLSX."""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.access import deny, sees_all_cities
from keyaccounts.core.exports import export_table
from keyaccounts.core.models import City
from keyaccounts.core.registry import dashboard_sections, step_name
from keyaccounts.core.templatetags.core_tags import hours_minutes

from . import dashboard
from .forms import FinishedClocksForm, PeriodForm
from .services import sla_status


def _tables(user, period: dashboard.Period, city_id: int | None) -> dict:
    finished = dashboard.finished_in(user, period, city_id=city_id)
    return {
        "at_risk": [sla_status(clock) for clock in dashboard.at_risk(dashboard.scoped_clocks(user, city_id=city_id))],
        "by_step": dashboard.compliance_by_step(finished),
        "by_city": dashboard.compliance_by(finished, "city__code", dashboard.bilingual("city__name")),
        "by_product": dashboard.compliance_by(finished, "product__code", dashboard.bilingual("product__name")),
        "by_team": dashboard.compliance_by(finished, "team__code", dashboard.bilingual("team__name")),
        "by_manager": dashboard.compliance_by(
            finished, "account_manager__username", dashboard.person("account_manager")
        ),
        "trend": dashboard.weekly_trend(finished),
        "bottlenecks": dashboard.bottlenecks(finished),
        "volumes": dashboard.monthly_volumes(user, period),
        "quality_open": list(dashboard.open_violations(user, city_id=city_id)),
        "quality_by_product": dashboard.quality_by_product(user, period, city_id=city_id),
    }


# Each exported table: its title (the file's name), its translated headers, the first naming the first column,
# and its rows' values.
def _compliance(title, first) -> tuple:
    return (
        title,
        [first, _("Met"), _("Breached"), _("Compliance (%)")],
        lambda row: [row["key"], row["met"], row["breached"], row["rate"]],
    )


EXPORTS = {
    "at_risk": (
        _("At risk now"),
        [_("Step"), _("City"), _("Due"), _("Time left"), _("Time used (%)"), _("State")],
        lambda s: [
            step_name(s.clock.step),
            s.clock.city.name if s.clock.city else "",
            s.clock.due_at,
            hours_minutes(s.time_left),
            s.used_percent,
            SLA_LEVELS.get(s.level, s.level),
        ],
    ),
    "by_step": _compliance(_("Compliance by step"), _("Step")),
    "by_city": _compliance(_("Compliance by city"), _("City")),
    "by_product": _compliance(_("Compliance by product"), _("Product")),
    "by_team": _compliance(_("Compliance by team"), _("Team")),
    "by_manager": _compliance(_("Compliance by account manager"), _("Account manager")),
    "trend": (
        _("Compliance trend by week"),
        [_("Week from"), _("Finished"), _("Compliance (%)")],
        lambda row: [row["week"], row["total"], row["rate"]],
    ),
    "bottlenecks": (
        _("Bottlenecks: how long steps take"),
        [_("Step"), _("Finished"), _("Median"), _("90th percentile")],
        lambda row: [row["name"], row["count"], hours_minutes(row["median"]), hours_minutes(row["p90"])],
    ),
    "volumes": (
        _("Monthly volumes"),
        [_("Month"), _("Opportunities"), _("Orders"), _("Work orders")],
        lambda row: [row["month"].strftime("%Y-%m"), row["opportunities"], row["orders"], row["work_orders"]],
    ),
    "quality_open": (
        _("Targets missed now"),
        [
            _("Service"),
            _("Customer"),
            _("City"),
            _("Metric"),
            _("Target"),
            _("Measured"),
            _("Worst"),
            _("Unit"),
            _("From"),
            _("Until"),
            _("Quality work order"),
            _("State at EOMS"),
        ],
        lambda v: [
            v.service.number,
            v.service.customer.name,
            v.service.customer.city.name,
            v.get_metric_display(),
            v.target_value,
            v.actual_value,
            v.worst_value,
            v.unit,
            v.period_start,
            v.period_end,
            v.reference,
            v.get_ticket_status_display() if v.ticket_status else "",
        ],
    ),
    "quality_by_product": (
        _("Measured periods by product"),
        [_("Product"), _("Measured"), _("Warnings"), _("Violated"), _("Compliance (%)")],
        lambda row: [row["key"], row["measured"], row["warned"], row["violated"], row["rate"]],
    ),
}
SLA_LEVELS = {"ok": _("on time"), "warning": _("warning"), "breached": _("breached"), "paused": _("paused")}


def _export(name: str, rows: list, fmt: str):
    title, headers, values = EXPORTS[name]
    return export_table(name=f"sla-{name}", title=title, headers=headers, rows=[values(row) for row in rows], fmt=fmt)


@login_required
def sla_dashboard(request):
    user = request.user
    if not user.has_perm("sla.view_dashboard"):
        raise deny(request, "sla.view_dashboard")
    form = PeriodForm(request.GET, user=user)
    period, city_id = form.period, form.city_id
    tables = _tables(user, period, city_id)
    export = request.GET.get("export")
    if export in tables and export in EXPORTS:
        return _export(export, tables[export], request.GET.get("format"))
    sections = _sections(user, period, city_id)
    section_export = _section_export(sections, export, request.GET.get("format"))
    if section_export is not None:
        return section_export
    links = _figure_links(tables, period, city_id)
    clocks = reverse("sla:clocks")
    chart = {
        "weeks": [str(row["week"]) for row in tables["trend"]],
        "rates": [row["rate"] for row in tables["trend"]],
        "cities": [row["key"] for row in tables["by_city"]],
        "city_rates": [row["rate"] for row in tables["by_city"]],
        "label": _("Compliance (%)"),
        "links": [f"{clocks}?{row['link']}" for row in tables["trend"]],
    }
    return render(
        request,
        "sla/dashboard.html",
        {
            **tables,
            "period": period,
            "form": form,
            "sees_all_cities": sees_all_cities(user),
            "query": request.GET,
            "chart": chart,
            "links": links,
            "at_risk_rows": [{"status": s, "inbox": _inbox_query(s)} for s in tables["at_risk"]],
            "sections": sections,
        },
    )


# ---------------------------------------------------------------------------- the process apps' sections
def _sections(user, period: dashboard.Period, city_id: int | None) -> list[dict]:
    """The sections the process apps register (`registry.dashboard_sections`), built for the user's scope."""
    return [{"section": section, "context": section.build(user, period, city_id)} for section in dashboard_sections()]


def _section_export(sections: list[dict], export: str | None, fmt: str | None):
    """A section's table as a download (`?export=<section>-<table>`), or None when none is asked for."""
    for built in sections:
        section = built["section"]
        prefix = f"{section.key}-"
        if export and export.startswith(prefix) and export[len(prefix) :] in section.exports:
            title, headers, rows = section.exports[export[len(prefix) :]](built["context"])
            return export_table(name=export, title=title, headers=headers, rows=rows, fmt=fmt)
    return None


# The tables whose rows count finished clocks, and the drill-down filter their rows' values name.
FIGURE_FILTERS = {
    "by_step": "step",
    "by_city": "city",
    "by_product": "product",
    "by_team": "team",
    "by_manager": "manager",
}


def _figure_links(tables: dict, period: dashboard.Period, city_id: int | None) -> dict:
    """For each row of the compliance tables, the drill-down's query for its clocks (add `&state=met` or
    `breached` for one of its counts), and one for the whole period."""
    base = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    if city_id:
        base["city"] = city_id
    in_city = {"city": city_id} if city_id else {}
    links: dict = {
        "all": urlencode(base),
        **{level: urlencode({"view": "all", "sla": level, **in_city}) for level in ("breached", "warning")},
    }
    city_pks = dict(City.objects.values_list("code", "pk")) if tables["by_city"] else {}
    for table, name in FIGURE_FILTERS.items():
        for row in tables[table]:
            value = city_pks.get(row["value"]) if name == "city" else row["value"]
            row["link"] = urlencode({**base, name: value}) if value is not None else ""
    for row in tables["bottlenecks"]:
        row["link"] = urlencode({**base, "step": row["step"]})
    for row in tables["trend"]:  # a week's clocks, within the period
        week_end = min(row["week"] + timedelta(days=6), period.end)
        row["link"] = urlencode(
            {**base, "start": max(row["week"], period.start).isoformat(), "end": week_end.isoformat()}
        )
    return links


def _inbox_query(status) -> str:
    """The inbox's filter (its query string) for the open tasks of the clock's step, city, product and state."""
    clock = status.clock
    query = {"view": "all", "step": clock.step, "sla": status.level}
    if clock.city_id:
        query["city"] = clock.city_id
    if clock.product_id:
        query["product"] = clock.product_id
    return urlencode(query)


PER_PAGE = 50


@login_required
def sla_clocks(request):
    """The finished clocks behind a dashboard figure: the same period, scope and filters, each with its record."""
    user = request.user
    if not user.has_perm("sla.view_dashboard"):
        raise deny(request, "sla.view_dashboard")
    form = FinishedClocksForm(request.GET, user=user)
    if form.refused_city:  # another city's clocks stay unknown, as its records do
        deny(request, "sla clocks of a city outside scope")
        raise Http404
    period, filters = form.period, form.filters()
    clocks = dashboard.finished_clocks(user, period, city_id=form.city_id, **filters).select_related(
        "city", "product", "team", "account_manager", "subject_type"
    )
    page = Paginator(clocks, PER_PAGE).get_page(request.GET.get("page"))
    records = _records_of(page.object_list)
    rows = [
        {
            "clock": clock,
            "record": records.get(clock.pk),
            "took": clock.stopped_at - clock.started_at,
        }
        for clock in page.object_list
    ]
    return render(
        request,
        "sla/clocks.html",
        {
            "form": form,
            "period": period,
            "filters": filters,
            "rows": rows,
            "page": page,
            "query": request.GET,
            "sees_all_cities": sees_all_cities(user),
        },
    )


def _records_of(clocks) -> dict[int, str]:
    """Each clock's page: its record's process page, else the record's own page. The records are read one query
    a kind (a GenericForeignKey prefetch)."""
    clocks = list(clocks)
    prefetch_related_objects(clocks, "subject")
    urls = {}
    for clock in clocks:
        record = clock.subject
        if getattr(record, "process_id", None):
            urls[clock.pk] = reverse("process", args=[record.process_id])
        elif hasattr(record, "get_absolute_url"):
            urls[clock.pk] = record.get_absolute_url()
    return urls
