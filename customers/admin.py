from django.contrib import admin

from .models import ArchivingRequest, Contact, Customer, LevelApprovalRule


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    """Read-mostly: customers change through the archiving flow, which keeps the timeline."""

    list_display = ["name", "credit_code", "city", "level", "status", "account_manager"]
    list_filter = ["status", "level", "city"]
    search_fields = ["name", "credit_code"]
    inlines = [ContactInline]
    readonly_fields = ["status", "level", "version", "submitted_at"]


@admin.register(LevelApprovalRule)
class LevelApprovalRuleAdmin(admin.ModelAdmin):
    list_display = ["level", "on_registration", "on_upgrade"]


@admin.register(ArchivingRequest)
class ArchivingRequestAdmin(admin.ModelAdmin):
    list_display = [
        "customer",
        "kind",
        "proposed_level",
        "review_decision",
        "approval_decision",
        "outcome",
        "created_at",
    ]
    list_filter = ["kind", "outcome"]

    def has_change_permission(self, request, obj=None):
        return False
