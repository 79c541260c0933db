from django.db import migrations

from customers.defaults import ensure_default_level_rules


def create_rules(apps, schema_editor):
    ensure_default_level_rules(apps.get_model("customers", "LevelApprovalRule"))


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
