"""Notifications and timeline lines written many at once (`notifications_save`, `timeline_save`): what the sweeps
rely on when they raise thousands."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from keyaccounts.core.models import Notification
from keyaccounts.core.notifications import notification_rows, notifications_save, notify
from keyaccounts.core.roles import Role
from keyaccounts.core.timeline import timeline_event, timeline_for, timeline_save

pytestmark = pytest.mark.django_db


def test_a_notification_raised_again_under_its_key_is_left_as_it_was(user_in_role):
    # given: one raised and read
    reader = user_in_role(Role.BACK_OFFICE, username="reader", email="reader@example.com")
    notify(recipients=[reader], kind=Notification.Kind.SLA_WARNING, key="clock:1:1", data={"step": "a"}, any_time=True)
    Notification.objects.update(read_at=timezone.now())

    # when: the same key again (a sweep run twice), next to a new one and a duplicate within the batch
    other = user_in_role(Role.BACK_OFFICE, username="other")
    again = notification_rows(
        recipients=[reader, other], kind=Notification.Kind.SLA_WARNING, key="clock:1:1", data={"step": "changed"}
    )
    notifications_save(again + again)

    # then: the reader's stays read and unchanged; the other person's is new, once, with its moment and data
    mine = Notification.objects.get(recipient=reader)
    assert (mine.read_at is not None, mine.data) == (True, {"step": "a"})
    theirs = Notification.objects.get(recipient=other)
    assert (theirs.read_at, theirs.email_after, theirs.data) == (None, None, {"step": "changed"})
    assert abs(timezone.now() - theirs.created_at).total_seconds() < 60


def test_system_events_written_in_bulk_show_on_the_record_timeline(city):
    ref = {"subject_type_id": ContentType.objects.get_for_model(city).pk, "subject_id": city.pk}

    timeline_save([timeline_event(**ref, action="sla.warned", data={"level": 1}), timeline_event(**ref, action="x")])

    events = list(timeline_for(city))
    assert [(e.action, e.actor, e.data, e.reason) for e in events] == [
        ("sla.warned", None, {"level": 1}, ""),
        ("x", None, {}, ""),
    ]
    assert all(e.created_at is not None for e in events)
