"""Two indexes every notification and timeline insert maintained for nothing: the unique (recipient, key) and
the (subject_type, subject_id, created_at) indexes lead with the same columns.

Only the indexes are dropped: Django's AlterField would also drop and re-add the foreign keys, which checks
every row of the tables again under a lock."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEXES = [
    ("core_notification_recipient_id_24a3d95c", "core_notification", "recipient_id"),
    ("core_timelineevent_subject_type_id_943dd137", "core_timelineevent", "subject_type_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0004_inbox_entries"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="recipient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="timelineevent",
                    name="subject_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
        ),
    ]
