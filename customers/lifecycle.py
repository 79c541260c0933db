"""The customer's status (TMF632): the only place it changes, each change on the timeline."""

from django.utils.translation import gettext_lazy as _

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.timeline import timeline_record

from .models import Customer

Status = Customer.Status
ALLOWED = {
    (Status.INITIALIZED, Status.VALIDATED),  # archived
    (Status.INITIALIZED, Status.CLOSED),  # registration rejected
    (Status.VALIDATED, Status.CLOSED),  # closed by a supervisor
    (Status.CLOSED, Status.VALIDATED),  # reopened by a supervisor
    (Status.CLOSED, Status.INITIALIZED),  # reopened before it was ever archived: back to a draft
}


def customer_move(*, customer: Customer, to: str, action: str, actor=None, reason: str = "", data=None) -> None:
    source = customer.status
    if (source, to) not in ALLOWED:
        raise ApplicationError(
            _("A customer cannot go from %(source)s to %(target)s.")
            % {"source": Status(source).label, "target": Status(to).label}
        )
    customer.status = to
    customer.version += 1
    customer.save(update_fields=["status", "version", "updated_at"])
    timeline_record(
        subject=customer, action=action, actor=actor, from_state=source, to_state=to, reason=reason, data=data
    )
