import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from keyaccounts.core.models import City
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_for, timeline_record

pytestmark = pytest.mark.django_db


def test_the_timeline_keeps_who_what_when_and_why_per_record(user_in_role, city, other_city):
    actor = user_in_role(Role.BACK_OFFICE)
    timeline_record(
        subject=city,
        action="reviewed",
        actor=actor,
        from_state="initialized",
        to_state="validated",
        reason="documents complete",
    )
    timeline_record(subject=other_city, action="reviewed")

    events = list(timeline_for(city))

    assert len(events) == 1
    event = events[0]
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        actor,
        "initialized",
        "validated",
        "documents complete",
    )
    html = render_to_string("includes/timeline.html", {"events": events})
    assert "documents complete" in html
    assert str(actor) in html


def test_a_recorded_line_keeps_its_data_and_moment_and_no_anonymous_actor(city):
    before = timezone.now()
    timeline_record(subject=city, action="moved", actor=AnonymousUser(), data={"handlers": {"vpmn": "T1"}})

    (event,) = timeline_for(city)
    assert (event.action, event.actor, event.data, event.reason) == ("moved", None, {"handlers": {"vpmn": "T1"}}, "")
    assert before <= event.created_at <= timezone.now()


def test_the_timeline_of_several_records_is_theirs_in_one_list_oldest_first(city, other_city):
    for subject, action in ((city, "first"), (other_city, "second"), (city, "third")):
        timeline_record(subject=subject, action=action)
    timeline_record(subject=ContentType.objects.get_for_model(City), action="elsewhere")
    assert [e.action for e in timeline_for(city, other_city)] == ["first", "second", "third"]
    assert [e.action for e in timeline_for(other_city)] == ["second"]


def test_a_line_recorded_in_a_savepoint_rolled_back_goes_with_it_and_only_that_one(city):
    class StepFailedError(Exception):
        pass

    with transaction.atomic():
        timeline_record(subject=city, action="before")
        with transaction.atomic():  # a savepoint released: its lines stay
            timeline_record(subject=city, action="released")
        try:
            with transaction.atomic():
                timeline_record(subject=city, action="rolled back")
                with transaction.atomic():
                    timeline_record(subject=city, action="rolled back, nested")
                raise StepFailedError
        except StepFailedError:  # as viewflow's guard does when a step fails under a job: the flow carries on
            pass
        timeline_record(subject=city, action="after")
    assert [e.action for e in timeline_for(city)] == ["before", "released", "after"]


def test_the_lines_of_a_transaction_that_fails_are_not_kept(city):
    def step():
        with transaction.atomic():
            timeline_record(subject=city, action="undone")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        step()
    timeline_record(subject=city, action="outside any transaction")
    assert [e.action for e in timeline_for(city)] == ["outside any transaction"]


def test_the_timeline_of_records_is_read_in_one_query_with_its_actors(user_in_role, city, other_city):
    actor = user_in_role(Role.BACK_OFFICE)
    timeline_record(subject=city, action="first", actor=actor)
    timeline_record(subject=other_city, action="second", actor=actor)
    with CaptureQueriesContext(connection) as captured:
        events = timeline_for(city, other_city)
        assert [str(e.actor) for e in events] == [str(actor)] * 2
    assert len(captured) == 1
