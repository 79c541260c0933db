"""Pages of planned work, the monthly SLA report of a customer (and its XLSX and PDF files) and the supervisors'
view of availability budgets and credits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.selectors import customer_get
from keyaccounts.core.access import deny, read_in_scope_or_404
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.exports import XLSX, export_table
from keyaccounts.core.pdf import PDF, pdf_table

from . import availability, planned
from .forms import PlannedWorkForm


@login_required
def planned_list(request):
    """The windows to come, with who was told in time."""
    if not request.user.has_perm("assurance.view_plannedwork"):
        raise deny(request, "planned work")
    return render(
        request,
        "assurance/planned_list.html",
        {"works": planned.planned_works_upcoming(request.user), "may_register": planned.may_register(request.user)},
    )


@login_required
def planned_new(request):
    if not planned.may_register(request.user):
        raise deny(request, "register planned work")
    form = PlannedWorkForm(request.POST or None, services=planned.services_to_choose(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            work = planned.planned_work_register(user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Planned work registered: the affected customers are told ahead."))
            return redirect(work)
    return render(request, "assurance/planned_form.html", {"form": form})


@login_required
def planned_detail(request, pk: int):
    work = read_in_scope_or_404(request, planned.visible_planned_works(request.user), pk, ("city", "registered_by"))
    rows = planned.planned_work_rows(work)
    return render(
        request,
        "assurance/planned_detail.html",
        {"work": work, "rows": rows, "late": [row for row in rows if row["state"] == "late"]},
    )


def _report_month(request):
    return availability.parse_month(request.GET.get("month"), default=availability.month_of(timezone.now()))


@login_required
def sla_report(request, customer_pk: int):
    """The customer's monthly SLA report: each service's target, availability, outages and credits."""
    customer = customer_get(request, customer_pk)
    if not request.user.has_perm("assurance.view_troubleticket"):
        raise deny(request, f"SLA report of customer {customer_pk}")
    month = _report_month(request)
    rows = availability.customer_sla_month(customer, month)
    if (fmt := request.GET.get("format")) in (XLSX, PDF):
        return _report_file(customer, month, rows, fmt)
    return render(
        request,
        "assurance/sla_report.html",
        {"customer": customer, "month": month, "month_value": month.strftime("%Y-%m"), "rows": rows},
    )


def _cause(outage) -> str:
    if outage.ticket is not None:
        return _("Fault %(number)s") % {"number": outage.ticket.number}
    return _("Planned work %(reference)s (not told in time)") % {"reference": outage.planned_work.reference}


def _credit_text(credit) -> str:
    worth = f"{credit.percent} %" if credit.percent is not None else f"¥{credit.amount}"
    return f"{credit.get_reason_display()}: {worth}"


def _report_table(rows) -> tuple[list[str], list[list]]:
    """The report's headers and rows as its XLSX and PDF files both show them."""
    headers = [
        _("Service"),
        _("Product"),
        _("Availability target (%)"),
        _("Availability achieved (%)"),
        _("Outage (minutes)"),
        _("Causes"),
        _("Credits"),
    ]
    table = [
        [
            row.service.number,
            row.service.product.name,
            row.target if row.target is not None else _("No target"),
            row.achieved,
            row.used,
            "; ".join(
                f"{_cause(o)} {timezone.localtime(o.start):%Y-%m-%d %H:%M}–{timezone.localtime(o.end):%H:%M}"
                for o in row.outages
            ),
            "; ".join(_credit_text(c) for c in row.credits),
        ]
        for row in rows
    ]
    return headers, table


def _report_file(customer, month, rows, fmt: str):
    headers, table = _report_table(rows)
    name = f"sla-{customer.pk}-{month:%Y-%m}"
    title = f"{_('Monthly SLA report')} {customer.name} {month:%Y-%m}"
    if fmt == PDF:
        return pdf_table(name=name, title=title, headers=headers, rows=table)
    return export_table(name=name, title=title, headers=headers, rows=table, fmt=XLSX)


@login_required
def availability_overview(request):
    """Supervisors: the planned-work calendar, budgets at risk and credits, in their cities."""
    user = request.user
    if not user.has_perm("assurance.view_slacredit"):
        raise deny(request, "availability overview")
    month = _report_month(request)
    return render(
        request,
        "assurance/availability_overview.html",
        {
            "month": month,
            "month_value": month.strftime("%Y-%m"),
            "works": planned.planned_works_upcoming(user)[:30],
            "at_risk": availability.budgets_at_risk(user, month),
            "credits": availability.credits_by_month_city_product(user),
        },
    )
