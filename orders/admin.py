from django.contrib import admin

from . import services
from .models import BillingAccount, OrderApprovalRule, OrderCancellation


@admin.register(BillingAccount)
class BillingAccountAdmin(admin.ModelAdmin):
    """Administrators correct accounts (state, credit limit, arrears from billing); the number stays generated."""

    list_display = ["number", "customer", "payer_name", "payment_method", "credit_limit", "arrears", "state"]
    list_filter = ["state", "payment_method"]
    search_fields = ["number", "payer_name", "customer__name"]
    raw_id_fields = ["customer"]
    readonly_fields = ["number", "created_by", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.created_by = request.user
        obj.number = services.billing_account_placeholder()
        super().save_model(request, obj, form, change)
        services.billing_account_number(obj)


@admin.register(OrderApprovalRule)
class OrderApprovalRuleAdmin(admin.ModelAdmin):
    """Which orders (and quotes) a supervisor approves: every condition a rule sets must hold."""

    list_display = ["__str__", "min_amount", "customer_level", "product", "is_active"]
    list_filter = ["is_active", "customer_level", "product"]
    list_editable = ["is_active"]


@admin.register(OrderCancellation)
class OrderCancellationAdmin(admin.ModelAdmin):
    """Read-only: a cancellation is requested and decided through its flow, which keeps the order's timeline."""

    list_display = ["order", "requested_by", "created_at", "decision", "decided_by"]
    list_filter = ["decision"]
    search_fields = ["order__customer__name", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
