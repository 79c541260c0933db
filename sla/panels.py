"""The SLA panel of the supervisors' home page (registered from `SlaConfig.ready()`)."""

from django.utils.translation import gettext_lazy as _

from keyaccounts.core.registry import Panel

from .selectors import clocks_at_risk_for
from .services import sla_status


def sla_overview(user) -> list[Panel]:
    statuses = [sla_status(clock) for clock in clocks_at_risk_for(user)]
    return [
        Panel(
            _("SLA overview"),
            "sla/panels/sla_overview.html",
            {"statuses": statuses, "message": _("No timed step is running in your scope.")},
        )
    ]
