"""The quality tickets' outbox messages now live in `peers`: the same table, so only Django's state changes."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('peers', '0001_outbox_and_events_from_provisioning'),
        ('sla', '0011_clocks_counted_by_folds'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='qualityviolation',
                    name='status_change',
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='peers.outboxmessage', verbose_name='status change sent to EOMS'),
                ),
                migrations.AlterField(
                    model_name='qualityviolation',
                    name='work_order',
                    field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='quality_violation', to='peers.outboxmessage', verbose_name='quality work order'),
                ),
            ],
        ),
    ]
