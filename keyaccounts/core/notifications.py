"""Notifications: the bell's list and, for those who chose it, e-mail.

Raised explicitly by the services and sweeps that know something happened (`notify`), once per key.
E-mails leave from a sweep, never inside the transaction that raised them, and by default only in
working time: a notification raised at night is mailed when the next working window opens.
"""

import logging
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from viewflow.workflow.fields import get_task_ref, import_task_by_ref
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from . import registry
from .fastpath import insert_plain_rows
from .models import Notification, SweepCursor, User
from .roles import Role

logger = logging.getLogger("keyaccounts.notifications")

Kind = Notification.Kind
_WANTS_EMAIL = {
    Kind.NEW_TASK: "email_new_tasks",
    Kind.ASSIGNED: "email_assignments",
    Kind.SLA_WARNING: "email_sla",
    Kind.SLA_BREACH: "email_sla",
    Kind.PAUSE_CAP: "email_sla",
    Kind.AVAILABILITY_BUDGET: "email_sla",
}


def email_moment(now: datetime, *, any_time: bool = False, calendar=None) -> datetime:
    """When a notification raised `now` may be e-mailed: at once if `any_time`, else in working time."""
    if any_time or registry.hooks.next_working_moment is None:  # no calendars installed: any time
        return now
    return registry.hooks.next_working_moment(now, calendar)


class NotificationRow(NamedTuple):
    """An unsaved notification; `notifications_save` writes many at once."""

    recipient_id: int
    kind: str
    key: str
    data: dict
    url: str
    email_after: datetime | None
    task_id: int | None = None


def notification_rows(
    *,
    recipients,
    kind: str,
    key: str,
    data: dict,
    url: str = "",
    task_id: int | None = None,
    any_time: bool = False,
    calendar=None,
    now=None,
    email_at: datetime | None = None,
) -> list[NotificationRow]:
    """Unsaved notifications, one per active recipient; the e-mail waits for working time unless `any_time`.
    `email_at`: that moment when the caller has it already (a sweep reads each calendar once, not per row)."""
    now = now or timezone.now()
    moment = email_at
    rows = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        email_after = None
        if user.email and getattr(user, _WANTS_EMAIL[kind]):
            moment = moment or email_moment(now, any_time=any_time, calendar=calendar)
            email_after = moment
        rows.append(NotificationRow(user.pk, kind, key, data, url, email_after, task_id))
    return rows


def notifications_save(rows: list[NotificationRow]) -> None:
    """Store them; one already raised under the same key for the same person is left as it was."""
    insert_plain_rows(Notification, NotificationRow._fields, rows, skip_conflicts=True)


def notify(**kwargs) -> None:
    notifications_save(notification_rows(**kwargs))


def _task_title(node_ref: str) -> str:
    try:
        node = import_task_by_ref(node_ref)
    except (ImportError, AttributeError, ValueError):  # a step renamed since: its stored reference
        return node_ref
    return str(node.task_title or node.name)


def notification_text(notification: Notification) -> str:
    """The sentence shown under the bell and in the e-mail, in the reader's language."""
    data = dict(notification.data)
    if "node" in data:
        data["task"] = _task_title(data["node"])
    if "step" in data:
        data["step"] = registry.step_name(data["step"])
    if notification.kind == Kind.NEW_TASK:
        if data.get("number"):
            return _("New in your team's queue: %(task)s, %(number)s for %(customer)s.") % data
        return _("New in your team's queue: %(task)s for %(customer)s.") % data
    if notification.kind == Kind.ASSIGNED:
        if data.get("number"):
            return _("Assigned to you: %(task)s, %(number)s for %(customer)s.") % data
        return _("Assigned to you: %(task)s for %(customer)s.") % data
    if notification.kind in (Kind.SLA_WARNING, Kind.SLA_BREACH):
        return _sla_text(notification.kind, data)
    if notification.kind == Kind.AVAILABILITY_BUDGET:
        return (
            _(
                "Availability budget: %(service)s of %(customer)s has used %(percent)s%% of its outage allowance in %(month)s."
            )
            % data
        )
    if notification.kind == Kind.PAUSE_CAP:
        data["subject"] = _subject_text(data) if "subject_id" in data else data.get("subject", "")
        return (
            _(
                "%(step)s of %(subject)s has stood paused on the customer's side past its cap (%(reason)s): "
                "you may end the pause."
            )
            % data
        )
    return notification.get_kind_display()


def _moment_text(value: str) -> str:
    """A moment kept as ISO text, in the reader's zone; text kept already worded (rows raised before) as it is."""
    moment = parse_datetime(value or "")
    if moment is None or timezone.is_naive(moment):
        return value
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _subject_text(data: dict) -> str:
    """The timed record no flow numbers, named now in the reader's language (it may have gone since)."""
    try:
        model = ContentType.objects.get_for_id(data["subject_type"]).model_class()
        return str(model._base_manager.get(pk=data["subject_id"]))
    except (ContentType.DoesNotExist, AttributeError, ObjectDoesNotExist):
        return ""


def _sla_text(kind: str, data: dict) -> str:
    data["due"] = _moment_text(data.get("due", ""))
    if "subject" not in data:  # rows raised before the facts were kept hold a worded subject
        data["subject"] = _subject_text(data) if "subject_id" in data else ""
    warning = kind == Kind.SLA_WARNING
    if data.get("number"):
        if warning:
            return (
                _(
                    "SLA warning: %(step)s of %(number)s for %(customer)s has used %(percent)s%% of its time; due %(due)s."
                )
                % data
            )
        return _("SLA breached: %(step)s of %(number)s for %(customer)s was due %(due)s.") % data
    if data.get("customer"):
        if warning:
            return _("SLA warning: %(step)s for %(customer)s has used %(percent)s%% of its time; due %(due)s.") % data
        return _("SLA breached: %(step)s for %(customer)s was due %(due)s.") % data
    if warning:
        return _("SLA warning: %(step)s of %(subject)s has used %(percent)s%% of its time; due %(due)s.") % data
    return _("SLA breached: %(step)s of %(subject)s was due %(due)s.") % data


# ---------------------------------------------------------------------------- reading (the bell)
def unread_count(user) -> int:
    """The bell's count, drawn on every page."""
    return Notification.objects.filter(recipient=user, read_at=None).count()


def notifications_for(user):
    return Notification.objects.filter(recipient=user)


def notification_open(*, user, pk: int) -> str:
    """Mark one of the user's notifications read; returns where it points."""
    notification = Notification.objects.get(recipient=user, pk=pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    return notification.url


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def notifications_task_closed(task_pks: list[int]) -> None:
    """The steps are done (by anyone) or cancelled: their notifications are read for everyone they told."""
    Notification.objects.filter(task__in=task_pks, read_at__isnull=True).update(read_at=timezone.now())


# ---------------------------------------------------------------------------- sweeps
TASKS_CURSOR = "notifications.tasks"
CURSOR_OVERLAP = timedelta(minutes=1)  # a task committed late by a long transaction is still seen
EMAIL_RETRY_AFTER = timedelta(minutes=10)


def notifications_for_new_tasks(*, now=None) -> int:
    """Tell people about human tasks created since the last pass: the owner of a task the flow assigned
    to them, and everyone who may claim a task from a team queue. Idempotent (keys), so overlapping passes
    are harmless."""
    now = now or timezone.now()
    cursor, _created = SweepCursor.objects.get_or_create(name=TASKS_CURSOR, defaults={"position": now - CURSOR_OVERLAP})
    since = cursor.position - CURSOR_OVERLAP
    raised = 0
    for source in registry.sources():
        tasks = list(
            Task.objects.filter(
                process__flow_class=source.flow,
                created__gte=since,
                created__lt=now,
                status__in=[STATUS.NEW, STATUS.ASSIGNED],
            )
            .filter(flow_task_type="HUMAN")
            .select_related("owner", source.record_path, *source.related())
        )
        if not tasks:
            continue
        for task in tasks:
            if task.status == STATUS.ASSIGNED and task.owner and not task.owner_permission:
                raised += _notify_task(source, task, Kind.ASSIGNED, [task.owner])
        queued = {task.pk: task for task in tasks if task.status == STATUS.NEW}
        if not queued:
            continue
        cities = {getattr(source.city_of(source.record(t)), "pk", None) for t in queued.values()}
        # Queues are worked by team members and (approvals) supervisors, of the task's city or provincial.
        candidates = (
            User.objects.filter(is_active=True)
            .filter(Q(city__in=cities) | Q(city__isnull=True))
            .filter(Q(teams__isnull=False) | Q(groups__name__in=[Role.CITY_SUPERVISOR, Role.PROVINCIAL_SUPERVISOR]))
            .distinct()
        )
        claimers: dict[int, list] = {}
        for user in candidates:
            for pk in Task.objects.filter(source.scope(user), pk__in=queued).values_list("pk", flat=True):
                claimers.setdefault(pk, []).append(user)
        for pk, users in claimers.items():
            raised += _notify_task(source, queued[pk], Kind.NEW_TASK, users)
    SweepCursor.objects.filter(pk=cursor.pk).update(position=now)
    return raised


def _notify_task(source, task: Task, kind: str, users) -> int:
    record = source.record(task)
    notify(
        recipients=users,
        kind=kind,
        key=f"task:{task.pk}:{kind}",
        data={
            "node": get_task_ref(task.flow_task),
            "customer": source.customer_name(record),
            "number": source.facts_of(record).number,
        },
        url=source.url(task, record),
        task_id=task.pk,
    )
    return len(users)


def notifications_email_sweep(*, now=None, batch_size: int = 200) -> int:
    """Send the e-mails whose moment has come; safe on several workers (SKIP LOCKED), each sent once."""
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(email_after__lte=now, emailed_at__isnull=True)
                .select_related("recipient")
                .order_by("email_after")[:batch_size]
            )
            delivered, failed = [], []
            with translation.override(settings.LANGUAGE_CODE):
                for notification in batch:
                    link = f"{settings.SITE_URL}{notification.url}" if notification.url else ""
                    try:
                        send_mail(
                            f"[{settings.SITE_TITLE}] {notification.get_kind_display()}",
                            f"{notification_text(notification)}\n\n{link}".strip(),
                            settings.DEFAULT_FROM_EMAIL,
                            [notification.recipient.email],
                        )
                        delivered.append(notification.pk)
                    except OSError:  # the mail server is away: try again later, the others still go
                        logger.warning("notification e-mail failed", exc_info=True)
                        failed.append(notification.pk)
            Notification.objects.filter(pk__in=delivered).update(emailed_at=now)
            Notification.objects.filter(pk__in=failed).update(email_after=now + EMAIL_RETRY_AFTER)
        sent += len(delivered)
        if len(batch) < batch_size:
            return sent
