"""The sweep: raises warnings, breaches and escalations for clocks whose moment has come.

Safe on several workers at once (rows are taken with SKIP LOCKED) and idempotent (each moment is
raised once: `warned_level` and `breached_at` record what was raised).
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from keyaccounts.core.models import TimelineEvent, User
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_event

from .models import SlaClock, SlaPolicy
from .timeline import SlaAction

logger = logging.getLogger("keyaccounts.sla")


def _due_filter(now) -> models.Q:
    return (
        models.Q(warned_level__lt=1, warn_at__lte=now)
        | models.Q(warned_level__lt=2, warn_again_at__lte=now)
        | models.Q(breached_at__isnull=True, due_at__lte=now)
    )


def escalation_recipients(clock: SlaClock) -> list[str]:
    """Who hears of a breach: the policy's escalation target in the clock's city (provincial: everyone's)."""
    target = clock.policy.escalate_to
    users = User.objects.filter(is_active=True).exclude(email="")
    if target == SlaPolicy.Escalation.PROVINCIAL_SUPERVISOR:
        chosen = users.filter(groups__name=Role.PROVINCIAL_SUPERVISOR)
    elif target == SlaPolicy.Escalation.TEAM_LEAD and users.filter(led_teams__city_id=clock.city_id).exists():
        chosen = users.filter(led_teams__city_id=clock.city_id)
    else:
        chosen = users.filter(groups__name=Role.CITY_SUPERVISOR, city_id=clock.city_id)
    return sorted(set(chosen.values_list("email", flat=True)))


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


def _notify_breach(clock: SlaClock, recipients: list[str]) -> None:
    if not recipients:
        return
    subject = _("SLA breached: %(step)s of %(subject)s") % {"step": clock.step, "subject": clock.subject}
    body = _("The step %(step)s was due at %(due)s and is not done. It is escalated to you.") % {
        "step": clock.step,
        "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M"),
    }
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    )


def sla_sweep(*, now=None, batch_size: int = 500) -> dict[str, int]:
    """One pass over the clocks whose moment has come; returns how many warnings and breaches it raised."""
    now = now or timezone.now()
    counts = {"warnings": 0, "breaches": 0}
    recipients: dict[tuple, list[str]] = {}  # per escalation target and city, looked up once a sweep
    while True:
        with transaction.atomic():
            batch = list(
                SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(_due_filter(now), stopped_at__isnull=True, state=SlaClock.State.RUNNING)
                .select_related("policy")
                .order_by("due_at")[:batch_size]
            )
            events = []
            for clock in batch:
                ref = {"subject_type_id": clock.subject_type_id, "subject_id": clock.subject_id}
                for action in _raise(clock, now):
                    counts["breaches" if action == SlaAction.BREACHED else "warnings"] += 1
                    data = {"step": clock.step, "due": clock.due_at.isoformat(), "level": clock.warned_level}
                    events.append(timeline_event(**ref, action=action, data=data))
                    if action == SlaAction.BREACHED:
                        key = (clock.policy.escalate_to, clock.city_id)
                        if key not in recipients:
                            recipients[key] = escalation_recipients(clock)
                        _notify_breach(clock, recipients[key])
                        escalated = {"step": clock.step, "to": clock.policy.escalate_to}
                        events.append(timeline_event(**ref, action=SlaAction.ESCALATED, data=escalated))
            # One UPDATE per outcome (a batch has few distinct ones) instead of a per-row CASE.
            outcomes: dict[tuple, list[int]] = {}
            for clock in batch:
                outcomes.setdefault((clock.warned_level, clock.breached_at), []).append(clock.pk)
            for (warned_level, breached_at), pks in outcomes.items():
                SlaClock.objects.filter(pk__in=pks).update(warned_level=warned_level, breached_at=breached_at)
            TimelineEvent.objects.bulk_create(events)
        if len(batch) < batch_size:
            break
    if any(counts.values()):
        logger.info("sla sweep", extra=counts)
    return counts
