from django.db import migrations

from opportunities.defaults import ensure_defaults


def create_defaults(apps, schema_editor):
    ensure_defaults(apps.get_model("opportunities", "Channel"), apps.get_model("opportunities", "LostReason"))


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_initial")]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
