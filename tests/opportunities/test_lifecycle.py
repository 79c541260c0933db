"""The opportunity's state machine: an allowed move is saved with its one timeline line; a refused one changes
nothing and writes nothing."""

import datetime as dt

import pytest

from keyaccounts.core.exceptions import ApplicationError
from keyaccounts.core.models import TimelineEvent
from opportunities.lifecycle import ALLOWED, opportunity_move
from opportunities.models import Channel, Opportunity
from opportunities.timeline import OpportunityAction

Status = Opportunity.Status


@pytest.fixture
def opportunity(customer, manager):
    return Opportunity.objects.create(
        channel=Channel.objects.first(),
        customer=customer,
        city=customer.city,
        account_manager=manager,
        estimated_value=1000,
        expected_close_date=dt.date(2027, 1, 31),
        description="A line for the new plant",
    )


def _lines(opportunity) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(subject_id=opportunity.pk).order_by("pk"))


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_an_allowed_move_is_saved_with_its_timeline_line(opportunity, manager, source, target):
    Opportunity.objects.filter(pk=opportunity.pk).update(status=source)
    opportunity.refresh_from_db()
    opportunity.needs_survey = True
    opportunity_move(
        opportunity=opportunity,
        to=target,
        action=OpportunityAction.QUOTED,
        actor=manager,
        data={"total": "1"},
        also=("needs_survey",),
    )
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.version, opportunity.needs_survey) == (target, 2, True)
    [line] = _lines(opportunity)
    assert (line.action, line.from_state, line.to_state, line.actor, line.data) == (
        OpportunityAction.QUOTED,
        source,
        target,
        manager,
        {"total": "1"},
    )


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (Status.ACKNOWLEDGED, Status.ACCEPTED),  # won without qualification or quote
        (Status.ACKNOWLEDGED, Status.PENDING),
        (Status.PENDING, Status.ACCEPTED),  # won while its discount waits for approval
        (Status.ACCEPTED, Status.IN_PROGRESS),  # won and lost are final
        (Status.REJECTED, Status.IN_PROGRESS),
        (Status.CANCELLED, Status.ACCEPTED),
        (Status.IN_PROGRESS, Status.ACKNOWLEDGED),
    ],
)
def test_a_refused_move_changes_nothing_and_writes_no_line(opportunity, source, target):
    assert (source, target) not in ALLOWED
    Opportunity.objects.filter(pk=opportunity.pk).update(status=source)
    opportunity.refresh_from_db()
    with pytest.raises(ApplicationError, match="An opportunity cannot go from"):
        opportunity_move(opportunity=opportunity, to=target, action=OpportunityAction.WON)
    opportunity.refresh_from_db()
    assert (opportunity.status, opportunity.version) == (source, 1)
    assert _lines(opportunity) == []
