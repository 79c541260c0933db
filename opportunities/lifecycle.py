"""The opportunity's status (TMF699 SalesOpportunity): the only place it changes, each change on the timeline."""

from django.utils.translation import gettext_lazy as _

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_record

from .models import Opportunity

Status = Opportunity.Status
ALLOWED = {
    (Status.ACKNOWLEDGED, Status.IN_PROGRESS),  # qualified
    (Status.IN_PROGRESS, Status.PENDING),  # quoted beyond a threshold: a supervisor approves
    (Status.IN_PROGRESS, Status.IN_PROGRESS),  # quoted within every threshold (again, after a refusal)
    (Status.PENDING, Status.IN_PROGRESS),  # the discount approved or refused
    (Status.IN_PROGRESS, Status.ACCEPTED),  # won: a draft order
    (Status.ACKNOWLEDGED, Status.REJECTED),  # lost at qualification
    (Status.ACKNOWLEDGED, Status.CANCELLED),
    (Status.IN_PROGRESS, Status.REJECTED),  # lost at the survey, quote or closing
    (Status.IN_PROGRESS, Status.CANCELLED),
}


def opportunity_move(
    *,
    opportunity: Opportunity,
    to: str,
    action: str,
    actor=None,
    reason: str = "",
    data=None,
    also: tuple[str, ...] = (),
) -> None:
    """The opportunity to status `to`, on its timeline. `also`: other fields the caller changed, saved with it."""
    source = opportunity.status
    if (source, to) not in ALLOWED:
        raise ApplicationError(
            _("An opportunity cannot go from %(source)s to %(target)s.")
            % {"source": Status(source).label, "target": Status(to).label}
        )
    opportunity.status = to
    opportunity.version += 1
    opportunity.save(update_fields=["status", "version", "updated_at", *also])
    timeline_record(
        subject=opportunity,
        action=action,
        actor=actor,
        reason=reason,
        from_state=source,
        to_state=to,
        data=data or {},
    )
