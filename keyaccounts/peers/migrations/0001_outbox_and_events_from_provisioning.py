"""The outbox and the inbound events move here from provisioning: the tables stay (`db_table`), so only
Django's state moves, and their content types follow (with them the `retry_delivery` permission and who
holds it)."""

import django.db.models.deletion
from django.db import migrations, models

MODELS = ("outboxmessage", "inboundevent")


def move_content_types(apps, schema_editor, *, source="provisioning", target="peers"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if not ContentType.objects.using(db).filter(app_label=target, model=model).exists():
            ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="peers", target="provisioning")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("provisioning", "0003_outbox_changes_follow_creations"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='InboundEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('peer', models.CharField(choices=[('eoms', 'EOMS'), ('si', 'SI')], max_length=10, verbose_name='peer')),
                        ('event_id', models.CharField(max_length=100, verbose_name='event id')),
                        ('event_type', models.CharField(max_length=100, verbose_name='event type')),
                        ('event_time', models.DateTimeField(verbose_name='event time')),
                        ('body', models.JSONField()),
                        ('received_at', models.DateTimeField(auto_now_add=True, verbose_name='received at')),
                        ('applied_at', models.DateTimeField(blank=True, null=True, verbose_name='applied at')),
                        ('outcome', models.CharField(blank=True, max_length=200, verbose_name='outcome')),
                    ],
                    options={
                        'verbose_name': 'inbound event',
                        'verbose_name_plural': 'inbound events',
                        'db_table': 'provisioning_inboundevent',
                        'ordering': ['received_at'],
                        'indexes': [models.Index(condition=models.Q(('applied_at__isnull', True)), fields=['received_at'], name='event_unapplied')],
                        'constraints': [models.UniqueConstraint(fields=('peer', 'event_id'), name='one_event_per_id')],
                    },
                ),
                migrations.CreateModel(
                    name='OutboxMessage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('peer', models.CharField(choices=[('eoms', 'EOMS'), ('si', 'SI')], max_length=10, verbose_name='peer')),
                        ('resource', models.CharField(help_text='The TMF resource, e.g. serviceOrder.', max_length=60, verbose_name='resource')),
                        ('external_id', models.CharField(max_length=80, unique=True, verbose_name='our reference')),
                        ('payload', models.JSONField()),
                        ('method', models.CharField(choices=[('POST', 'POST'), ('PATCH', 'PATCH')], default='POST', max_length=5, verbose_name='method')),
                        ('status', models.CharField(choices=[('pending', 'Waiting to be delivered'), ('sent', 'Delivered'), ('dead', 'Failed: needs an operator')], default='pending', max_length=10, verbose_name='status')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('remote_id', models.CharField(blank=True, max_length=80, verbose_name="peer's reference")),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='delivered at')),
                        ('follows', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='peers.outboxmessage', verbose_name='changes what this created')),
                    ],
                    options={
                        'verbose_name': 'outbox message',
                        'verbose_name_plural': 'outbox messages',
                        'db_table': 'provisioning_outboxmessage',
                        'ordering': ['created_at'],
                        'permissions': [('retry_delivery', 'Can see failed deliveries to peers and send them again')],
                        'indexes': [models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at'], name='outbox_pending_due')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
