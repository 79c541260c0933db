"""Billing accounts become real records (TMF666): payer, address, payment method, a state instead of the
active flag (an inactive account becomes closed), who opened it and when."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def active_flag_to_state(apps, schema_editor):
    BillingAccount = apps.get_model("orders", "BillingAccount")
    BillingAccount.objects.filter(is_active=False).update(state="closed")


def state_to_active_flag(apps, schema_editor):
    BillingAccount = apps.get_model("orders", "BillingAccount")
    BillingAccount.objects.exclude(state="active").update(is_active=False)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("orders", "0005_catalogue_moved_out"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="billingaccount",
            name="state",
            field=models.CharField(
                choices=[("active", "Active"), ("suspended", "Suspended"), ("closed", "Closed")],
                default="active",
                max_length=10,
                verbose_name="state",
            ),
        ),
        migrations.RunPython(active_flag_to_state, state_to_active_flag),
        migrations.RemoveField(model_name="billingaccount", name="is_active"),
        migrations.AddField(
            model_name="billingaccount",
            name="payer_name",
            field=models.CharField(blank=True, max_length=200, verbose_name="payer"),
        ),
        migrations.AddField(
            model_name="billingaccount",
            name="billing_address",
            field=models.CharField(blank=True, max_length=300, verbose_name="billing address"),
        ),
        migrations.AddField(
            model_name="billingaccount",
            name="payment_method",
            field=models.CharField(
                choices=[
                    ("bankTransfer", "Bank transfer"),
                    ("directDebit", "Direct debit"),
                    ("cashOrCheque", "Cash or cheque"),
                ],
                default="bankTransfer",
                max_length=16,
                verbose_name="payment method",
            ),
        ),
        migrations.AddField(
            model_name="billingaccount",
            name="created_at",
            field=models.DateTimeField(
                auto_now_add=True, default=django.utils.timezone.now, verbose_name="created at"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="billingaccount",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AddField(
            model_name="billingaccount",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="opened by",
            ),
        ),
        migrations.AlterField(
            model_name="billingaccount",
            name="number",
            field=models.CharField(editable=False, max_length=40, unique=True, verbose_name="account number"),
        ),
        migrations.AlterField(
            model_name="billingaccount",
            name="credit_limit",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                help_text="Arrears up to this amount do not stop new orders.",
                max_digits=14,
                validators=[django.core.validators.MinValueValidator(0)],
                verbose_name="credit limit (CNY)",
            ),
        ),
        migrations.AddIndex(
            model_name="billingaccount",
            index=models.Index(fields=["customer", "state"], name="orders_bill_custome_81d4f2_idx"),
        ),
    ]
