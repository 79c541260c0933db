"""The inbox's pages: the home page, the inbox with its actions and saved filters, and a process's tracking."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView
from viewflow.workflow.models import Task

from keyaccounts.core.access import deny
from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import User
from keyaccounts.core.registry import page_access

from .forms import InboxFilterForm, SavedFilterForm, handover_candidates
from .home import home_panels_for
from .inbox import (
    inbox_bulk,
    inbox_claim,
    inbox_comment,
    inbox_delegate,
    inbox_open_task,
    inbox_page,
    inbox_reassign,
    inbox_release,
    inbox_return,
    may_oversee,
    unwatch,
    watch,
)
from .models import SavedFilter, Watch
from .selectors import saved_filters_for
from .tracking import process_chain, process_for, process_map, process_steps, process_timeline

PER_PAGE = 25


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role lands on what it works on: the panels come from `home.py`."""

    template_name = "inbox/home.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(panels=home_panels_for(self.request.user), **kwargs)


@login_required
def inbox(request):
    """My tasks, my teams' queue, done by me and watching, across every flow; open ones soonest breach first."""
    user = request.user
    may = page_access("inbox")
    if may is not None and not may(user):  # e.g. an SI partner, whose work is in the portal its home links to
        return redirect("home")
    form = InboxFilterForm(request.GET, user=user)
    spec = form.spec()
    page_number = request.GET.get("page", "1")
    rows, total = inbox_page(user, spec, page=int(page_number) if page_number.isdigit() else 1, per_page=PER_PAGE)
    page = Paginator(range(total), PER_PAGE).get_page(page_number)
    query = request.GET.copy()
    query.pop("page", None)
    oversees = may_oversee(user)
    ticks = spec.view in ("queue", "all")  # rows ticked for the bulk actions
    return render(
        request,
        "inbox/inbox.html",
        {
            "rows": rows,
            "page": page,
            "total": total,
            "view": spec.view,
            "form": form,
            "query": request.GET,
            "query_string": query.urlencode(),
            "saved_filters": saved_filters_for(user),
            "save_form": SavedFilterForm(user=user, query=query.urlencode()),
            "ticks": ticks,
            "candidates": handover_candidates(user) if ticks and oversees else [],
            "oversees": oversees,
            "back": urlencode({"next": request.get_full_path()}),
        },
    )


@login_required
@require_GET
def inbox_menu(request, task_pk: int):
    """A row's actions menu, drawn when its user opens it: drawing every row's forms and colleagues made most
    of the inbox page's cost. The actions' POSTs check their permissions again."""
    user = request.user
    task = inbox_open_task(user, task_pk)
    if task is None:
        deny(request, f"actions of task {task_pk} outside the inbox")
        raise Http404
    oversees = may_oversee(user)
    # Offered only colleagues who may work on the step.
    may_hand_over = task.owner_permission and (task.owner_id == user.pk or oversees)
    return render(
        request,
        "inbox/inbox_actions.html",
        {
            "task": task,
            "candidates": list(handover_candidates(user, task.owner_permission)) if may_hand_over else [],
            "next": _local_path(request.GET.get("next", "")),
        },
    )


_ACTIONS = {
    "claim": (inbox_claim, _("Claimed: the task is yours.")),
    "release": (inbox_release, _("Given back to the queue.")),
    "return": (inbox_return, _("Given back to the colleague who delegated it.")),
    "reassign": (inbox_reassign, _("Reassigned.")),
    "delegate": (inbox_delegate, _("Delegated: it comes back to you when they return it.")),
    "comment": (inbox_comment, _("Comment added to the timeline.")),
}


def _local_path(path: str) -> str:
    """`path` if it stays on this site, else the inbox (browsers read `/\\host` as another site too)."""
    return (
        path if path.startswith("/") and url_has_allowed_host_and_scheme(path, allowed_hosts=None) else reverse("inbox")
    )


def _back(request) -> str:
    return _local_path(request.POST.get("next", ""))


@login_required
@require_POST
def inbox_action(request, task_pk: int, action: str):
    if action not in _ACTIONS:
        raise Http404
    act, done = _ACTIONS[action]
    kwargs = {}
    if action in ("reassign", "delegate"):
        to = User.objects.filter(pk=request.POST.get("to") or 0, is_active=True).first()
        if to is None:
            messages.error(request, _("Choose the colleague to hand it to."))
            return redirect(_back(request))
        kwargs["to"] = to
    if action == "comment":
        kwargs["text"] = request.POST.get("text", "")
    try:
        act(user=request.user, task_pk=task_pk, **kwargs)
        messages.success(request, done)
    except Task.DoesNotExist:
        raise Http404 from None
    except PermissionDenied:
        raise deny(request, f"{action} task {task_pk}") from None
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(_back(request))


@login_required
@require_POST
def inbox_bulk_action(request):
    """Claim several tasks at once; supervisors also reassign several."""
    pks = [int(pk) for pk in request.POST.getlist("task") if pk.isdigit()]
    action = request.POST.get("action", "")
    to = User.objects.filter(pk=request.POST.get("to") or 0, is_active=True).first()
    if not pks:
        messages.error(request, _("Tick the tasks first."))
    elif action == "reassign" and to is None:
        messages.error(request, _("Choose the colleague to hand it to."))
    else:
        try:
            done, refused = inbox_bulk(user=request.user, action=action, task_pks=pks, to=to)
        except PermissionDenied:
            raise deny(request, f"bulk {action}") from None
        if done:
            messages.success(request, _("%(count)d task(s) done.") % {"count": done})
        for message in refused:
            messages.error(request, message)
    return redirect(_back(request))


@login_required
@require_POST
def inbox_filter_save(request):
    form = SavedFilterForm(request.POST, user=request.user, query=request.POST.get("query", "")[:500])
    if form.is_valid():
        form.save()
        messages.success(request, _("Filter saved."))
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(f"{reverse('inbox')}?{form.instance.query}")


@login_required
@require_POST
def inbox_filter_delete(request, pk: int):
    deleted, _rows = SavedFilter.objects.filter(owner=request.user, pk=pk).delete()
    if not deleted:
        raise Http404
    messages.success(request, _("Filter deleted."))
    return redirect("inbox")


# ---------------------------------------------------------------------------- process tracking
@login_required
def process_detail(request, process_pk: int):
    """Where a piece of business stands: its map, steps against their limits, timeline, the chain around it."""
    found = process_for(request.user, process_pk)
    if found is None:
        deny(request, f"process {process_pk} outside scope")
        raise Http404
    process, source, record = found
    if request.method == "POST":
        (watch if request.POST.get("action") == "watch" else unwatch)(user=request.user, process=process)
        return redirect("process", process_pk=process.pk)
    return render(
        request,
        "inbox/process.html",
        {
            "process": process,
            "source": source,
            "record": record,
            "map": process_map(process),
            "steps": process_steps(process, source, record),
            "chain": process_chain(source, record),
            "events": process_timeline(source, record),
            "watching": Watch.objects.filter(user=request.user, process=process).exists(),
        },
    )
