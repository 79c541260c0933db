import django.db.models.deletion
import viewflow.workflow.fields
from django.conf import settings
from django.db import migrations, models


def fill(apps, schema_editor):
    """Entries for the tasks that exist, from this release's code (hence the dependencies on every flow's
    latest schema). A process app whose tables later migrations create has no task yet: it is left out."""
    from keyaccounts.inbox.inbox import inbox_rebuild

    inbox_rebuild(tables=set(schema_editor.connection.introspection.table_names()))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0003_inbox_open_task_index"),
        ("customers", "0002_default_level_rules"),
        ("opportunities", "0003_opportunity_flow"),
        ("orders", "0004_order_attachment"),
        ("provisioning", "0003_outbox_changes_follow_creations"),
        ("sla", "0009_quality_target_tolerated_periods"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.CreateModel(
            name="InboxEntry",
            fields=[
                (
                    "task",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="viewflow.task",
                    ),
                ),
                ("flow_class", viewflow.workflow.fields.FlowReferenceField(max_length=250)),
                ("flow_task", viewflow.workflow.fields.TaskReferenceField(max_length=255)),
                ("status", models.CharField(max_length=50)),
                ("created", models.DateTimeField()),
                ("finished", models.DateTimeField(null=True)),
                ("subject_id", models.PositiveBigIntegerField()),
                ("sla_step", models.CharField(blank=True, max_length=60)),
                ("due_at", models.DateTimeField(null=True)),
                ("warn_at", models.DateTimeField(null=True)),
                ("clock_state", models.CharField(blank=True, max_length=20)),
                (
                    "account_manager",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "city",
                    models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="core.city",
                    ),
                ),
                (
                    "customer",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="customers.customer",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "process",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="viewflow.process"
                    ),
                ),
                (
                    "subject_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="contenttypes.contenttype"
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("status", "NEW")),
                        fields=["flow_task", "city", "due_at"],
                        name="inbox_queue",
                    ),
                    models.Index(
                        condition=models.Q(("status__in", ["NEW", "ASSIGNED"])),
                        fields=["owner", "due_at"],
                        name="inbox_mine",
                    ),
                    models.Index(
                        condition=models.Q(("status", "DONE")), fields=["owner", "-finished"], name="inbox_done"
                    ),
                    models.Index(
                        condition=models.Q(("status__in", ["NEW", "ASSIGNED"])),
                        fields=["city", "due_at"],
                        name="inbox_city_open",
                    ),
                    models.Index(
                        condition=models.Q(("status__in", ["NEW", "ASSIGNED"])), fields=["due_at"], name="inbox_open"
                    ),
                    models.Index(
                        condition=models.Q(("status__in", ["NEW", "ASSIGNED"])),
                        fields=["subject_id", "sla_step"],
                        name="inbox_open_subject",
                    ),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
