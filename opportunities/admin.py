from django.contrib import admin

from keyaccounts.core.admin import ApiChannelAdmin

from .models import Attachment, Channel, LostReason, Opportunity


@admin.register(Channel)
class ChannelAdmin(ApiChannelAdmin):
    list_display = ["code", "name_en", "name_zh", "kind", "is_active", "has_token"]


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "is_active"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["__str__", "channel", "city", "account_manager", "status", "estimated_value"]
    list_filter = ["status", "channel", "city"]
    inlines = [AttachmentInline]
