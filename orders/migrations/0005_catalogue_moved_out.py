"""Product, ProductElement and Service now belong to the catalogue app: orders' state lets go of them."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0001_initial'),
        ('opportunities', '0004_products_from_catalogue'),
        ('orders', '0004_order_attachment'),
        ('sla', '0013_products_and_services_from_catalogue'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # After every app that pointed at them points at the catalogue (see dependencies); tables are kept.
            state_operations=[
                migrations.RemoveField(
                    model_name='product',
                    name='si_company',
                ),
                migrations.AlterField(
                    model_name='orderapprovalrule',
                    name='product',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, to='catalogue.product', verbose_name='product'),
                ),
                migrations.RemoveField(
                    model_name='service',
                    name='product',
                ),
                migrations.AlterField(
                    model_name='orderitem',
                    name='product',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalogue.product', verbose_name='product'),
                ),
                migrations.RemoveField(
                    model_name='service',
                    name='customer',
                ),
                migrations.RemoveField(
                    model_name='service',
                    name='origin',
                ),
                migrations.AlterField(
                    model_name='orderitem',
                    name='service',
                    field=models.ForeignKey(blank=True, help_text='The service a change or cancellation applies to.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='change_items', to='catalogue.service', verbose_name='running service'),
                ),
                migrations.DeleteModel(
                    name='ProductElement',
                ),
                migrations.DeleteModel(
                    name='Product',
                ),
                migrations.DeleteModel(
                    name='Service',
                ),
            ],
            database_operations=[],
        ),
    ]
