"""Products of interest and quote lines point at the catalogue's Product: the same table, so state only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalogue', '0001_initial'),
        ('opportunities', '0003_opportunity_flow'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The through table (opportunities_opportunity_products) and its product_id column stay as they are.
            state_operations=[
                migrations.AlterField(
                    model_name='opportunity',
                    name='products',
                    field=models.ManyToManyField(related_name='+', to='catalogue.product', verbose_name='products of interest'),
                ),
                migrations.AlterField(
                    model_name='quoteline',
                    name='product',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalogue.product', verbose_name='product'),
                ),
            ],
            database_operations=[],
        ),
    ]
