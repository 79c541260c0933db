from django.db import migrations
from django.utils import timezone


def billing_to_services(apps, schema_editor):
    """A launch's billing start becomes that of the services its order's new items created."""
    Launch = apps.get_model("provisioning", "Launch")
    Service = apps.get_model("catalogue", "Service")
    for launch in Launch.objects.exclude(billing_started_at=None).iterator():
        Service.objects.filter(
            origin__order_id=launch.order_id, origin__action="add", billing_started_at=None
        ).update(
            billing_starts_on=timezone.localdate(launch.billing_started_at),
            billing_started_at=launch.billing_started_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0006_service_billing"),
        ("provisioning", "0005_launch_correction_and_closed_questions"),
    ]

    operations = [
        migrations.RunPython(billing_to_services, migrations.RunPython.noop),
        migrations.RemoveField(model_name="launch", name="billing_started_at"),
    ]
