from django.db import models
from django.utils.translation import gettext_lazy as _

from keyaccounts.core.timeline import register_actions, register_values

from .models import QualityMetric, SlaPolicy, TicketStatus


class SlaAction(models.TextChoices):
    WARNED = "sla.warned", _("SLA warning")
    BREACHED = "sla.breached", _("SLA breached")
    ESCALATED = "sla.escalated", _("Escalated")


_CLOCK = "sla/timeline/clock.html"
register_actions(SlaAction, templates=dict.fromkeys(SlaAction, _CLOCK))
register_values("sla.escalation", SlaPolicy.Escalation)


class QualityAction(models.TextChoices):
    WARNED = "quality.warned", _("Network quality warning")
    VIOLATED = "quality.violated", _("Network quality target missed: work order to EOMS")
    RESTORED = "quality.restored", _("Network quality restored")
    CLOSED = "quality.closed", _("Network quality violation closed: the service was terminated")
    TICKET = "quality.ticket", _("Quality work order changed at EOMS")
    REOPENED = "quality.reopened", _("Network quality target still missed: new work order to EOMS")


register_actions(
    QualityAction, states=TicketStatus, templates=dict.fromkeys(QualityAction, "sla/timeline/quality.html")
)
register_values("sla.quality_metric", QualityMetric)
