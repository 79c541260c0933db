"""The sweep: raises warnings, breaches and escalations for clocks whose moment has come.

Safe on several workers at once (rows are taken with SKIP LOCKED) and idempotent (each moment is
raised once: `warned_level` and `breached_at` record what was raised).
"""

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from keyaccounts.core import registry
from keyaccounts.core.models import Notification, User
from keyaccounts.core.notifications import NotificationRow, email_moment, notification_rows, notifications_save
from keyaccounts.core.registry import RowFacts
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_event, timeline_save

from .models import SlaClock, SlaPolicy
from .services import sla_clock_resume_locked
from .timeline import SlaAction

logger = logging.getLogger("keyaccounts.sla")


def _due_filter(now) -> models.Q:
    return (
        models.Q(warned_level__lt=1, warn_at__lte=now)
        | models.Q(warned_level__lt=2, warn_again_at__lte=now)
        | models.Q(breached_at__isnull=True, due_at__lte=now)
    )


def escalation_recipients(clock: SlaClock) -> list[User]:
    """Who hears of a breach: the policy's escalation target in the clock's city (provincial: everyone's)."""
    target = clock.policy.escalate_to
    users = User.objects.filter(is_active=True)
    if target == SlaPolicy.Escalation.PROVINCIAL_SUPERVISOR:
        chosen = users.filter(groups__name=Role.PROVINCIAL_SUPERVISOR)
    elif target == SlaPolicy.Escalation.TEAM_LEAD and users.filter(led_teams__city_id=clock.city_id).exists():
        chosen = users.filter(led_teams__city_id=clock.city_id)
    else:
        chosen = users.filter(groups__name=Role.CITY_SUPERVISOR, city_id=clock.city_id)
    return list(chosen.distinct())


def _subjects(model, pks: list[int]) -> dict:
    """The records the clocks time; for a record without a page of its own, the records whose page stands for it
    (its order, its customer: `_url_of`) joined, which would otherwise be a query per clock."""
    if hasattr(model, "get_absolute_url"):
        return model.objects.in_bulk(pks)
    related = [f.name for f in model._meta.concrete_fields if f.is_relation and f.name in _URL_HOLDERS]
    return model.objects.select_related(*related).in_bulk(pks)


def clock_subjects(clocks: list[SlaClock]) -> dict[tuple, object]:
    """The clocks' subjects by (type, pk), a read per type."""
    subjects: dict[tuple, object] = {}
    for type_id in {c.subject_type_id for c in clocks}:
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        for pk, subject in _subjects(model, [c.subject_id for c in clocks if c.subject_type_id == type_id]).items():
            subjects[(type_id, pk)] = subject
    return subjects


def clock_holders(clocks: list[SlaClock]) -> tuple[dict[int, list[User]], dict[tuple, object], dict[int, Task]]:
    """Per clock, who holds its step now: the owners of the open tasks of that step on the subject's
    process, else the lead of the clock's team (nobody has claimed it yet); the clocks' subjects; and per
    clock the open task of its step (its notifications are read once that task is done)."""
    step_of = {(p.flow, node): step for p in registry.processes() for node, step in p.sla_steps.items()}
    subjects = clock_subjects(clocks)
    process_of: dict[tuple, int] = {
        key: subject.process_id for key, subject in subjects.items() if getattr(subject, "process_id", None)
    }
    owners: dict[tuple, list[User]] = {}
    open_tasks: dict[tuple, Task] = {}
    tasks = Task.objects.filter(
        process_id__in=set(process_of.values()), status__in=[STATUS.NEW, STATUS.ASSIGNED]
    ).select_related("owner", "process")
    for task in tasks.order_by("pk"):
        step = step_of.get((task.flow_task.flow_class, task.flow_task.name))
        open_tasks[(task.process_id, step)] = task
        if task.status == STATUS.ASSIGNED:
            owners.setdefault((task.process_id, step), []).append(task.owner)
    holders, task_of = {}, {}
    for clock in clocks:
        process_id = process_of.get((clock.subject_type_id, clock.subject_id))
        found = owners.get((process_id, clock.step), [])
        holders[clock.pk] = found or ([clock.team.lead] if clock.team and clock.team.lead else [])
        if (process_id, clock.step) in open_tasks:
            task_of[clock.pk] = open_tasks[(process_id, clock.step)]
    return holders, subjects, task_of


def clock_facts(clocks: list[SlaClock], subjects: dict[tuple, object], task_of: dict[int, Task]) -> dict[tuple, dict]:
    """Per timed record (as `subjects` keys it), what names it in any reader's language: its number and customer,
    read through its flow's inbox source a few queries per batch (the record's own text may be a sentence in the
    sweep's language)."""
    groups: dict[tuple, dict[int, tuple]] = {}
    sources = {}
    for clock in clocks:
        task = task_of.get(clock.pk)
        process = registry.process_of(task.flow_task.flow_class) if task else None
        key = (clock.subject_type_id, clock.subject_id)
        if process is not None and key in subjects:
            sources[process.flow] = process.source
            groups.setdefault((process.flow, type(subjects[key])), {})[clock.subject_id] = key
    facts: dict[tuple, dict] = {}
    for (flow, model), key_of in groups.items():
        source = sources[flow]
        numbers = source.facts(model._base_manager.filter(pk__in=key_of))
        for record in model._base_manager.filter(pk__in=key_of).select_related(source.customer_path):
            facts[key_of[record.pk]] = {
                "number": numbers.get(record.pk, RowFacts()).number,
                "customer": source.customer_name(record),
            }
    return facts


def _raise(clock: SlaClock, now) -> list[str]:
    raised = []
    if clock.breached_at is None and clock.due_at <= now:
        clock.breached_at = now
        clock.warned_level = 2
        raised.append(SlaAction.BREACHED)
    elif clock.warned_level < 2 and clock.warn_again_at and clock.warn_again_at <= now:
        clock.warned_level = 2
        raised.append(SlaAction.WARNED)
    elif clock.warned_level < 1 and clock.warn_at and clock.warn_at <= now:
        clock.warned_level = 1
        raised.append(SlaAction.WARNED)
    return raised


_URL_HOLDERS = ("order", "customer")


def _url_of(subject) -> str:
    """The page of what a clock times: the record's own, else its order's or customer's."""
    if hasattr(subject, "get_absolute_url"):
        return subject.get_absolute_url()
    for name in _URL_HOLDERS:  # read only when the record has no page
        candidate = getattr(subject, name, None)
        if hasattr(candidate, "get_absolute_url"):
            return candidate.get_absolute_url()
    return ""


def _urls_of(subjects: dict[tuple, object]) -> dict[tuple, str]:
    """Each subject's page, worked out once a batch (a record timed by several clocks is one page)."""
    return {key: _url_of(subject) for key, subject in subjects.items()}


def _email_moment(clock: SlaClock, recipients: list[User], now, moments: dict):
    """When e-mails of the clock may leave, worked out once per sweep, "any hour" and calendar (a calendar read per
    clock was most of a sweep); None when nobody told has an address."""
    when = (clock.policy.email_any_time, clock.calendar_id)
    if when not in moments and any(u.email for u in recipients if u is not None):
        moments[when] = email_moment(now, any_time=clock.policy.email_any_time, calendar=clock.calendar)
    return moments.get(when)


def _notifications(
    clock: SlaClock, action: str, recipients: list[User], url: str, now, moments: dict, facts: dict, task
) -> list[NotificationRow]:
    """The facts, not a sentence: the bell and the e-mail word them in their reader's language. `facts` names the
    record (number, customer) when a flow's task runs on it; otherwise the record is named when read."""
    breached = action == SlaAction.BREACHED
    return notification_rows(
        recipients=recipients,
        kind=Notification.Kind.SLA_BREACH if breached else Notification.Kind.SLA_WARNING,
        key=f"clock:{clock.pk}:{'breach' if breached else clock.warned_level}",
        data={
            "step": clock.step,
            **(facts or {"subject_type": clock.subject_type_id, "subject_id": clock.subject_id}),
            "percent": clock.warn_again_at_percent if clock.warned_level == 2 else clock.warn_at_percent,
            "due": clock.due_at.isoformat(),
        },
        url=url,
        task_id=task.pk if task is not None else None,
        any_time=clock.policy.email_any_time,
        calendar=clock.calendar,
        now=now,
        email_at=_email_moment(clock, recipients, now, moments),
    )


def sla_sweep(*, now=None, batch_size: int = 500) -> dict[str, int]:
    """One pass over the clocks whose moment has come; returns how many warnings and breaches it raised."""
    now = now or timezone.now()
    counts = {"warnings": 0, "breaches": 0}
    recipients: dict[tuple, list[User]] = {}  # per escalation target and city, looked up once a sweep
    moments: dict[tuple, object] = {}  # when e-mails may leave, per "any hour" and calendar
    while True:
        with transaction.atomic():
            batch = list(
                SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(_due_filter(now), stopped_at__isnull=True, state=SlaClock.State.RUNNING)
                .prefetch_related("policy", "calendar", "team__lead")
                .order_by("due_at")[:batch_size]
            )
            events, notifications = [], []
            holders, subjects, task_of = clock_holders(batch)
            facts = clock_facts(batch, subjects, task_of)
            urls = _urls_of(subjects)
            for clock in batch:
                ref = {"subject_type_id": clock.subject_type_id, "subject_id": clock.subject_id}
                for action in _raise(clock, now):
                    counts["breaches" if action == SlaAction.BREACHED else "warnings"] += 1
                    data = {"step": clock.step, "due": clock.due_at.isoformat(), "level": clock.warned_level}
                    events.append(timeline_event(**ref, action=action, data=data))
                    told = holders[clock.pk]
                    if action == SlaAction.BREACHED:
                        key = (clock.policy.escalate_to, clock.city_id)
                        if key not in recipients:
                            recipients[key] = escalation_recipients(clock)
                        told = told + recipients[key]
                    subject_key = (clock.subject_type_id, clock.subject_id)
                    notifications += _notifications(
                        clock,
                        action,
                        told,
                        urls.get(subject_key, ""),
                        now,
                        moments,
                        facts.get(subject_key),
                        task_of.get(clock.pk),
                    )
                    if action == SlaAction.BREACHED:
                        escalated = {"step": clock.step, "to": clock.policy.escalate_to}
                        events.append(timeline_event(**ref, action=SlaAction.ESCALATED, data=escalated))
            # One UPDATE per outcome (a batch has few distinct ones) instead of a per-row CASE.
            outcomes: dict[tuple, list[int]] = {}
            for clock in batch:
                outcomes.setdefault((clock.warned_level, clock.breached_at), []).append(clock.pk)
            for (warned_level, breached_at), pks in outcomes.items():
                SlaClock.objects.filter(pk__in=pks).update(warned_level=warned_level, breached_at=breached_at)
            timeline_save(events)
            notifications_save(notifications)
        if len(batch) < batch_size:
            break
    if any(counts.values()):
        logger.info("sla sweep", extra=counts)
    return counts


def city_supervisors(city_id) -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name=Role.CITY_SUPERVISOR, city_id=city_id).distinct())


def sla_pauses_sweep(*, now=None, batch_size: int = 500) -> dict[str, int]:
    """Customer-side pauses: those a supervisor ended run again from that moment; those past their cap are told to
    the city supervisor once (who may end them). Returns how many of each."""
    now = now or timezone.now()
    counts = {"pauses_ended": 0, "pauses_capped": 0}
    calendars: dict = {}
    paused = SlaClock.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        state=SlaClock.State.PAUSED, stopped_at__isnull=True
    )
    while True:
        with transaction.atomic():
            batch = list(paused.filter(pause_ended_at__lte=now).order_by("pause_ended_at")[:batch_size])
            for clock in batch:
                sla_clock_resume_locked(clock, now=clock.pause_ended_at, calendars=calendars)
            counts["pauses_ended"] += len(batch)
        if len(batch) < batch_size:
            break
    supervisors: dict = {}
    moments: dict[tuple, object] = {}  # when e-mails may leave, per "any hour" and calendar
    while True:
        with transaction.atomic():
            batch = list(
                paused.filter(pause_cap_at__lte=now, pause_cap_told_at__isnull=True)
                .select_related("policy", "calendar")
                .order_by("pause_cap_at")[:batch_size]
            )
            urls = _urls_of(clock_subjects(batch))  # the supervisor is told, not the holders
            notifications = []
            for clock in batch:
                if clock.city_id not in supervisors:
                    supervisors[clock.city_id] = city_supervisors(clock.city_id)
                notifications += notification_rows(
                    recipients=supervisors[clock.city_id],
                    kind=Notification.Kind.PAUSE_CAP,
                    key=f"clock:{clock.pk}:pause:{clock.paused_at.isoformat()}",
                    data={
                        "step": clock.step,
                        "subject_type": clock.subject_type_id,
                        "subject_id": clock.subject_id,
                        "reason": clock.pause_reason,
                    },
                    url=urls.get((clock.subject_type_id, clock.subject_id), ""),
                    any_time=clock.policy.email_any_time,
                    calendar=clock.calendar,
                    now=now,
                    email_at=_email_moment(clock, supervisors[clock.city_id], now, moments),
                )
            SlaClock.objects.filter(pk__in=[clock.pk for clock in batch]).update(pause_cap_told_at=now)
            notifications_save(notifications)
            counts["pauses_capped"] += len(batch)
        if len(batch) < batch_size:
            break
    return counts
