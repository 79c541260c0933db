# The inbox's models, moved from core (core's 0009) in state only: their tables (`db_table`) and rows stay.

import django.db.models.deletion
import viewflow.workflow.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0009_inbox_models_to_inbox_app'),
        ('customers', '0002_default_level_rules'),
        ('viewflow', '0015_task_scheduled'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='InboxEntry',
                    fields=[
                        ('task', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='viewflow.task')),
                        ('flow_class', viewflow.workflow.fields.FlowReferenceField(max_length=250)),
                        ('flow_task', viewflow.workflow.fields.TaskReferenceField(max_length=255)),
                        ('status', models.CharField(max_length=50)),
                        ('created', models.DateTimeField()),
                        ('finished', models.DateTimeField(null=True)),
                        ('subject_id', models.PositiveBigIntegerField()),
                        ('sla_step', models.CharField(blank=True, max_length=60)),
                        ('due_at', models.DateTimeField(null=True)),
                        ('warn_at', models.DateTimeField(null=True)),
                        ('clock_state', models.CharField(blank=True, max_length=20)),
                        ('account_manager', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('city', models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='core.city')),
                        ('customer', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='customers.customer')),
                        ('owner', models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('process', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='viewflow.process')),
                        ('subject_type', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='contenttypes.contenttype')),
                    ],
                    options={
                        'db_table': 'core_inboxentry',
                        'indexes': [models.Index(condition=models.Q(('status', 'NEW')), fields=['flow_task', 'city', 'due_at'], name='inbox_queue'), models.Index(condition=models.Q(('status__in', ['NEW', 'ASSIGNED'])), fields=['owner', 'due_at'], name='inbox_mine'), models.Index(condition=models.Q(('status', 'DONE')), fields=['owner', '-finished'], name='inbox_done'), models.Index(condition=models.Q(('status__in', ['NEW', 'ASSIGNED'])), fields=['city', 'due_at'], name='inbox_city_open'), models.Index(condition=models.Q(('status__in', ['NEW', 'ASSIGNED'])), fields=['due_at'], name='inbox_open'), models.Index(condition=models.Q(('status__in', ['NEW', 'ASSIGNED'])), fields=['subject_id', 'sla_step'], name='inbox_open_subject')],
                    },
                ),
                migrations.CreateModel(
                    name='SavedFilter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=80, verbose_name='name')),
                        ('query', models.CharField(max_length=500, verbose_name='filter')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='saved_filters', to=settings.AUTH_USER_MODEL)),
                        ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='core.team', verbose_name='shared with')),
                    ],
                    options={
                        'verbose_name': 'saved inbox filter',
                        'verbose_name_plural': 'saved inbox filters',
                        'db_table': 'core_savedfilter',
                        'ordering': ['name'],
                        'constraints': [models.UniqueConstraint(fields=('owner', 'name'), name='saved_filter_name_once')],
                    },
                ),
                migrations.CreateModel(
                    name='Watch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('process', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='viewflow.process')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='watches', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'followed process',
                        'verbose_name_plural': 'followed processes',
                        'db_table': 'core_watch',
                        'constraints': [models.UniqueConstraint(fields=('user', 'process'), name='watch_once')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
