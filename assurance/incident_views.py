"""Thin pages of network incidents: the open incidents (grouping open fault tickets into one), an incident with its
affected customers, their tickets and its timeline, and its resolution."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from keyaccounts.core.access import deny, read_in_scope_or_404
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_for

from . import access, incidents
from .forms import GroupForm, ProblemResolveForm
from .selectors import child_states, problem_children, problems_open


def may_see_incidents(user) -> bool:
    """The navigation's check: provincial and city supervisors, and back-office staff on an assurance desk."""
    from keyaccounts.core.access import sees_all_cities, served_city_ids
    from keyaccounts.core.roles import Role, has_role

    return (
        sees_all_cities(user)
        or (has_role(user, Role.CITY_SUPERVISOR) and bool(user.city_id))
        or bool(served_city_ids(user, access.DESK))
    )


@login_required
def incident_list(request):
    """The open incidents with their affected customers and the states of their tickets; the open fault tickets
    a supervisor may group into a new one."""
    if not request.user.has_perm("assurance.view_serviceproblem"):
        raise deny(request, "incidents")
    problems = list(problems_open(request.user))
    rows = [{"problem": p, "states": child_states(p.children.all())} for p in problems]
    groupable = (
        list(incidents.groupable_tickets(request.user).select_related("customer").order_by("-created_at")[:200])
        if access.may_group(request.user)
        else []
    )
    form = GroupForm(request.POST or None, tickets=groupable)
    if request.method == "POST":
        if not groupable:
            raise deny(request, "group tickets")
        if form.is_valid():
            try:
                problem = incidents.problem_group(
                    user=request.user,
                    ticket_pks=form.cleaned_data["tickets"],
                    name=form.cleaned_data["name"],
                    description=form.cleaned_data["description"],
                )
            except ApplicationError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request, _("Incident %(number)s opened for the affected customers.") % {"number": problem.number}
                )
                return redirect("assurance:incident", pk=problem.pk)
    return render(request, "assurance/incident_list.html", {"rows": rows, "groupable": groupable, "form": form})


def _visible(request, pk: int):
    return read_in_scope_or_404(request, access.visible_problems(request.user), pk, ("resolution_code", "raised_by"))


@login_required
def incident_detail(request, pk: int):
    problem = _visible(request, pk)
    children = list(problem_children(problem))
    return render(
        request,
        "assurance/incident_detail.html",
        {
            "problem": problem,
            "products": problem.products.all(),
            "children": children,
            "states": child_states(children),
            "resolve_form": ProblemResolveForm() if access.may_manage_problem(request.user, problem) else None,
            "events": timeline_for(problem),
        },
    )


@login_required
@require_POST
def incident_resolve(request, pk: int):
    """The incident's resolution; a refusal says why and changes nothing."""
    problem = _visible(request, pk)
    if not access.may_manage_problem(request.user, problem):
        raise deny(request, f"resolve incident {pk}")
    form = ProblemResolveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect("assurance:incident", pk=pk)
    try:
        incidents.problem_resolve(user=request.user, problem_pk=pk, **form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Incident resolved: each customer is asked to confirm."))
    return redirect("assurance:incident", pk=pk)
