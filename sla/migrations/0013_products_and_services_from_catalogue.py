"""Policies, targets, clocks and day counts point at the catalogue's Product and Service: same tables, state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0001_initial'),
        ('sla', '0012_outbox_messages_in_peers'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # orders_product and orders_service are the catalogue's tables now: no constraint changes.
            state_operations=[
                migrations.AlterField(
                    model_name='qualitymeasurement',
                    name='service',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='quality_measurements', to='catalogue.service', verbose_name='service'),
                ),
                migrations.AlterField(
                    model_name='qualitytarget',
                    name='product',
                    field=models.ForeignKey(blank=True, help_text='Empty: every product without a target of its own.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalogue.product', verbose_name='product'),
                ),
                migrations.AlterField(
                    model_name='qualityviolation',
                    name='service',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='quality_violations', to='catalogue.service', verbose_name='service'),
                ),
                migrations.AlterField(
                    model_name='slaclock',
                    name='product',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalogue.product'),
                ),
                migrations.AlterField(
                    model_name='sladaycount',
                    name='product',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalogue.product'),
                ),
                migrations.AlterField(
                    model_name='slapolicy',
                    name='product',
                    field=models.ForeignKey(blank=True, help_text='Empty: every product without a policy of its own.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalogue.product', verbose_name='product'),
                ),
            ],
            database_operations=[],
        ),
    ]
