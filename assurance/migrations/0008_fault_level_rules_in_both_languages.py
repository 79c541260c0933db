from django.db import migrations, models


def chinese_name_from_english(apps, schema_editor):
    """A rule kept so far has one name: it serves as the Chinese one until an administrator translates it."""
    FaultLevelRule = apps.get_model("assurance", "FaultLevelRule")
    FaultLevelRule.objects.update(name_zh=models.F("name_en"))


class Migration(migrations.Migration):
    dependencies = [
        ("assurance", "0007_complaint_routes_eoms_si"),
    ]

    operations = [
        migrations.RenameField(model_name="faultlevelrule", old_name="name", new_name="name_en"),
        migrations.AlterField(
            model_name="faultlevelrule",
            name="name_en",
            field=models.CharField(max_length=120, verbose_name="name (English)"),
        ),
        migrations.AddField(
            model_name="faultlevelrule",
            name="name_zh",
            field=models.CharField(default="", max_length=120, verbose_name="name (Chinese)"),
            preserve_default=False,
        ),
        migrations.RunPython(chinese_name_from_english, migrations.RunPython.noop),
    ]
