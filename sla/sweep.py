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

from keyaccounts.core.models import User
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_record

from .models import SlaClock, SlaPolicy
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
    users = User.objects.filter(is_active=True).exclude(email="")
    if target == SlaPolicy.Escalation.PROVINCIAL_SUPERVISOR:
        return list(users.filter(groups__name=Role.PROVINCIAL_SUPERVISOR))
    if target == SlaPolicy.Escalation.TEAM_LEAD:
        leads = users.filter(led_teams__city=clock.city).distinct()
        if leads:
            return list(leads)
    return list(users.filter(groups__name=Role.CITY_SUPERVISOR, city=clock.city))


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


def _notify_breach(clock: SlaClock) -> None:
    recipients = [u.email for u in escalation_recipients(clock)]
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
    while True:
        with transaction.atomic():
            batch = list(
                SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(_due_filter(now), stopped_at__isnull=True, state=SlaClock.State.RUNNING)
                .select_related("policy", "city")
                .order_by("due_at")[:batch_size]
            )
            for clock in batch:
                for action in _raise(clock, now):
                    counts["breaches" if action == SlaAction.BREACHED else "warnings"] += 1
                    timeline_record(
                        subject=clock.subject,
                        action=action,
                        data={"step": clock.step, "due": clock.due_at.isoformat(), "level": clock.warned_level},
                    )
                    if action == SlaAction.BREACHED:
                        _notify_breach(clock)
                        timeline_record(
                            subject=clock.subject,
                            action=SlaAction.ESCALATED,
                            data={"step": clock.step, "to": clock.policy.escalate_to},
                        )
                clock.save(update_fields=["warned_level", "breached_at"])
        if len(batch) < batch_size:
            break
    if any(counts.values()):
        logger.info("sla sweep", extra=counts)
    return counts
