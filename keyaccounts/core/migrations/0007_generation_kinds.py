from django.db import migrations, models


class Migration(migrations.Migration):
    """The access token's row becomes one of several kinds of kept data (the configuration's is new)."""

    dependencies = [
        ("core", "0006_access_generation"),
    ]

    operations = [
        migrations.RenameModel(old_name="AccessGeneration", new_name="Generation"),
        migrations.AddField(
            model_name="generation",
            name="kind",
            field=models.CharField(
                choices=[("access", "access"), ("configuration", "configuration")],
                default="access",
                max_length=20,
                unique=True,
            ),
            preserve_default=False,
        ),
    ]
