# The inbox's models move to the `inbox` app (its 0001): core forgets them, their tables and rows stay.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_saved_filters_generation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="InboxEntry"),
                migrations.DeleteModel(name="SavedFilter"),
                migrations.DeleteModel(name="Watch"),
            ],
            database_operations=[],
        ),
    ]
