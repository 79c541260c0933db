"""The outbox and the inbound events moved to `peers` (same tables): only Django's state forgets them here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('provisioning', '0003_outbox_changes_follow_creations'),
        ('peers', '0001_outbox_and_events_from_provisioning'),
        ('sla', '0012_outbox_messages_in_peers'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(
                    name='InboundEvent',
                ),
                migrations.DeleteModel(
                    name='OutboxMessage',
                ),
            ],
        ),
    ]
