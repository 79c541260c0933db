from django.db import migrations

# Defaults an administrator may change: level A always needs a supervisor, a raise to B too.
DEFAULT_RULES = [("A", True, True), ("B", False, True), ("C", False, False), ("D", False, False)]


def create_rules(apps, schema_editor):
    rule = apps.get_model("customers", "LevelApprovalRule")
    for level, on_registration, on_upgrade in DEFAULT_RULES:
        rule.objects.get_or_create(level=level, defaults={"on_registration": on_registration, "on_upgrade": on_upgrade})


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(create_rules, migrations.RunPython.noop)]
