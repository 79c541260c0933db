from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import Attachment, Channel, LostReason, Opportunity


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "kind", "is_active", "has_token"]
    actions = ["issue_token"]

    @admin.display(boolean=True, description=_("API token"))
    def has_token(self, obj):
        return bool(obj.token_digest)

    @admin.action(description=_("Issue a new API token (shown once; the old one stops working)"))
    def issue_token(self, request, queryset):
        for channel in queryset:
            token = channel.issue_token()
            self.message_user(
                request,
                _("Token for %(channel)s: %(token)s") % {"channel": channel.code, "token": token},
                messages.WARNING,
            )


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
