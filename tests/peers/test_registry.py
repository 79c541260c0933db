"""The apps' handlers are registered when Django starts, and beat's read-backs name registered ones."""

import pytest
from django.conf import settings

from keyaccounts.peers import registry
from keyaccounts.peers.tasks import read_back_task


def test_every_read_back_beat_runs_is_registered_by_an_app():
    scheduled = [
        entry["args"][0] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == read_back_task.name
    ]
    assert sorted(scheduled) == registry.read_back_names() == ["messages", "quality-tickets", "surveys", "work-orders"]


def test_service_order_events_go_to_provisioning():
    from provisioning.services import work_orders_apply_events

    handler = registry.event_handler("ServiceOrderStateChangeEvent")
    assert (handler.resource, handler.apply) == ("serviceOrder", work_orders_apply_events)
    assert registry.event_handler("Nonsense") is None


def test_a_read_back_runs_by_name_and_an_event_type_has_one_handler(monkeypatch):
    monkeypatch.setattr(registry, "_read_backs", {})
    monkeypatch.setattr(registry, "_handlers", {})
    calls = []
    registry.register_read_back("tickets", lambda: calls.append("tickets") or 1)
    read_back_task.apply(args=["tickets"])
    assert calls == ["tickets"]
    registry.register_events(resource="troubleTicket", event_types={"TicketEvent"}, apply=print)
    with pytest.raises(ValueError):
        registry.register_events(resource="serviceOrder", event_types={"TicketEvent"}, apply=print)
