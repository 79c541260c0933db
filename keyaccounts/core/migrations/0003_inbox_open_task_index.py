from django.db import migrations


class Migration(migrations.Migration):
    """The inbox reads open tasks by node (a team's queue is one or two nodes' NEW tasks); viewflow's table
    only indexes status, which makes every queue scan all open tasks of every flow. Partial: finished tasks,
    the bulk of the table, stay out of it."""

    dependencies = [
        ("core", "0002_notifications_watches_saved_filters"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS inbox_open_task ON viewflow_task (flow_task, status) "
            "WHERE status IN ('NEW', 'ASSIGNED')",
            "DROP INDEX IF EXISTS inbox_open_task",
        ),
    ]
