from django.contrib import admin
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from .events import MessageEvent, placeholders_of
from .models import CommunicationMessage, DeliveryReport, MessageTemplate


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """The words of each kind of message per channel and language; a placeholder the kind does not offer, or a
    template tag, is refused with the reason."""

    list_display = ["event", "channel", "language", "title", "is_active", "updated_at"]
    list_filter = ["event", "channel", "language", "is_active"]
    search_fields = ["title", "body"]
    readonly_fields = ["placeholders"]
    fields = ["event", "channel", "language", "title", "body", "is_active", "placeholders"]

    @admin.display(description=_("placeholders"))
    def placeholders(self, obj=None):
        kinds = [(kind.label, placeholders_of(kind).items()) for kind in MessageEvent]
        return render_to_string("messaging/admin_placeholders.html", {"kinds": kinds})


class DeliveryReportInline(admin.TabularInline):
    model = DeliveryReport
    extra = 0
    can_delete = False
    fields = readonly_fields = ["attempt", "state", "reason", "reported_at", "received_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CommunicationMessage)
class CommunicationMessageAdmin(admin.ModelAdmin):
    """Read only: messages change by their delivery reports."""

    list_display = ["reference", "event", "message_type", "receiver_name", "state", "attempts", "created_at"]
    list_filter = ["state", "message_type", "event", "language"]
    search_fields = ["receiver_name", "receiver_phone", "receiver_email", "content"]
    date_hierarchy = "created_at"
    inlines = [DeliveryReportInline]

    @admin.display(description=_("reference"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
