"""The outbox and the inbound events moved from provisioning to peers without moving a row: a database
populated before the move finds every message, every event and who may retry deliveries after it."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from keyaccounts.core.models import User
from keyaccounts.peers.models import InboundEvent, OutboxMessage

BEFORE_THE_MOVE = [
    ("provisioning", "0003_outbox_changes_follow_creations"),
    ("sla", "0011_clocks_counted_by_folds"),
    ("peers", None),
]
SENT_AT = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_a_populated_database_keeps_every_row_across_the_move(django_user_model):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_THE_MOVE)
    old = executor.loader.project_state([node for node in BEFORE_THE_MOVE if node[1]]).apps
    messages = old.get_model("provisioning", "OutboxMessage").objects
    events = old.get_model("provisioning", "InboundEvent").objects
    created = messages.create(
        peer="eoms",
        resource="serviceOrder",
        external_id="WO-1",
        payload={"externalId": "WO-1"},
        status="sent",
        remote_id="SO-9",
        attempts=1,
        sent_at=SENT_AT,
    )
    change = messages.create(
        peer="eoms", resource="serviceOrder", external_id="WO-1-C", payload={}, method="PATCH", follows=created
    )
    events.create(
        peer="si",
        event_id="e1",
        event_type="ServiceOrderStateChangeEvent",
        event_time=SENT_AT,
        body={"eventId": "e1"},
        outcome="applied",
    )
    retry = old.get_model("auth", "Permission").objects.get(
        codename="retry_delivery", content_type__app_label="provisioning"
    )
    operators = old.get_model("auth", "Group").objects.create(name="operators")
    operators.permissions.add(retry)

    executor = MigrationExecutor(connection)  # reads what is applied now
    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    assert OutboxMessage._meta.app_label == "peers"
    sent = OutboxMessage.objects.get(external_id="WO-1")
    assert (sent.pk, sent.status, sent.remote_id, sent.attempts, sent.sent_at) == (
        created.pk,
        OutboxMessage.Status.SENT,
        "SO-9",
        1,
        SENT_AT,
    )
    assert OutboxMessage.objects.get(pk=change.pk).follows == sent
    stored = InboundEvent.objects.get()
    assert (stored.peer, stored.event_id, stored.outcome, stored.body) == ("si", "e1", "applied", {"eventId": "e1"})
    assert OutboxMessage.objects.create(peer="si", resource="serviceOrder", external_id="WO-2", payload={}).pk > (
        change.pk
    )
    # the permission (and the groups holding it) moved with its content type
    assert Permission.objects.filter(codename="retry_delivery").get().pk == retry.pk
    assert not ContentType.objects.filter(app_label="provisioning", model__in=["outboxmessage", "inboundevent"])
    user = django_user_model.objects.create(username="operator")
    user.groups.add(Group.objects.get(name="operators"))
    assert User.objects.get(pk=user.pk).has_perm("peers.retry_delivery")
