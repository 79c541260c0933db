"""The catalogue's models, moved from orders: state only, on the tables orders created (rows stay put)."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

MOVED = ("product", "productelement", "service")


def _move_content_types(apps, source: str, target: str) -> None:
    """Permissions and admin log entries follow the models: their content types change app, not id."""
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)
    CurrentContentType.objects.clear_cache()


def content_types_to_catalogue(apps, schema_editor) -> None:
    _move_content_types(apps, "orders", "catalogue")


def content_types_to_orders(apps, schema_editor) -> None:
    _move_content_types(apps, "catalogue", "orders")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('core', '0008_saved_filters_generation'),
        ('customers', '0002_default_level_rules'),
        ('orders', '0004_order_attachment'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (orders 0001-0004): only Django's view of which app owns them changes.
            state_operations=[
                migrations.CreateModel(
                    name='Product',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name_en', models.CharField(max_length=120, verbose_name='name (English)')),
                        ('name_zh', models.CharField(max_length=120, verbose_name='name (Chinese)')),
                        ('code', models.SlugField(max_length=40, unique=True, verbose_name='code')),
                        ('bearer_mode', models.CharField(choices=[('voice', 'Voice'), ('sms', 'SMS'), ('data', 'Data'), ('access', 'Access')], max_length=10, verbose_name='bearer mode')),
                        ('route', models.CharField(choices=[('T1', 'T1 instant activation'), ('T2', 'T2 EOMS network work order'), ('T3', 'T3 business platform provisioning'), ('T4', 'T4 SI work order')], max_length=2, verbose_name='fulfilment route')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('is_active', models.BooleanField(default=True, verbose_name='active')),
                        ('needs_survey', models.BooleanField(default=False, help_text='Opportunities go to EOMS for a pre-survey.', verbose_name='needs a network resource survey')),
                        ('needs_solution', models.BooleanField(default=False, help_text='Opportunities go to the pre-sales team.', verbose_name='needs a customised solution')),
                        ('list_price', models.DecimalField(decimal_places=2, default=0, max_digits=14, validators=[django.core.validators.MinValueValidator(0)], verbose_name='list price (CNY per year)')),
                        ('city_discount_limit', models.DecimalField(decimal_places=2, default=10, help_text="A larger discount needs the city supervisor's approval.", max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='discount without approval (%)')),
                        ('province_discount_limit', models.DecimalField(decimal_places=2, default=20, help_text="A larger discount needs the provincial supervisor's approval.", max_digits=5, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(100)], verbose_name='discount a city supervisor may approve (%)')),
                        ('si_company', models.ForeignKey(blank=True, help_text='Who receives the work orders of routes T3 and T4.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.sicompany', verbose_name='SI partner or platform')),
                    ],
                    options={
                        'verbose_name': 'product',
                        'verbose_name_plural': 'products',
                        'db_table': 'orders_product',
                        'ordering': ['route', 'code'],
                    },
                ),
                migrations.CreateModel(
                    name='Service',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('status', models.CharField(choices=[('active', 'Active'), ('terminated', 'Terminated')], default='active', max_length=12, verbose_name='status')),
                        ('quantity', models.PositiveIntegerField(default=1, verbose_name='quantity')),
                        ('elements', models.JSONField(blank=True, default=dict, verbose_name='characteristics')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='services', to='customers.customer', verbose_name='customer')),
                        ('origin', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='created_service', to='orders.orderitem')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalogue.product', verbose_name='product')),
                    ],
                    options={
                        'verbose_name': 'service',
                        'verbose_name_plural': 'services',
                        'db_table': 'orders_service',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ProductElement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('category', models.CharField(choices=[('customer', 'Customer elements'), ('product', 'Product and package elements'), ('resource', 'Resource and technical elements'), ('commercial', 'Commercial elements'), ('service_level', 'Service-level elements')], max_length=20, verbose_name='category')),
                        ('code', models.SlugField(help_text='The key under which the value is stored.', max_length=40, verbose_name='code')),
                        ('label_en', models.CharField(max_length=120, verbose_name='label (English)')),
                        ('label_zh', models.CharField(max_length=120, verbose_name='label (Chinese)')),
                        ('type', models.CharField(choices=[('text', 'Text'), ('integer', 'Whole number'), ('decimal', 'Decimal number'), ('choice', 'Choice from a list'), ('date', 'Date'), ('phone', 'Mainland phone number'), ('ipv4', 'IPv4 address'), ('boolean', 'Yes or no')], default='text', max_length=10, verbose_name='type')),
                        ('required', models.BooleanField(default=True, verbose_name='required')),
                        ('choices', models.JSONField(blank=True, default=list, help_text='For a choice: a list of values, e.g. ["10M", "100M"].', verbose_name='choices')),
                        ('min_value', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='minimum')),
                        ('max_value', models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True, verbose_name='maximum')),
                        ('pattern', models.CharField(blank=True, help_text='For text: a regular expression the value must match.', max_length=200, verbose_name='pattern')),
                        ('help_text', models.CharField(blank=True, max_length=200, verbose_name='help text')),
                        ('sort_order', models.PositiveSmallIntegerField(default=0, verbose_name='sort order')),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='elements', to='catalogue.product')),
                    ],
                    options={
                        'verbose_name': 'order element',
                        'verbose_name_plural': 'order elements',
                        'db_table': 'orders_productelement',
                        'ordering': ['product', 'category', 'sort_order', 'id'],
                        'constraints': [models.UniqueConstraint(fields=('product', 'code'), name='element_code_per_product')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to_catalogue, content_types_to_orders),
    ]
