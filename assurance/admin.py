from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import (
    ComplaintRoute,
    FaultLevelRule,
    NoticeLeadTime,
    PlannedWork,
    PlannedWorkNotice,
    ResolutionCode,
    SlaCredit,
    SlaCreditRule,
    TicketChannel,
    UnansweredClosure,
)


@admin.register(FaultLevelRule)
class FaultLevelRuleAdmin(admin.ModelAdmin):
    """Which faults are level 1: the first active rule that matches, by its order."""

    list_display = ["name", "order", "severity", "interruption_only", "product", "customer_level", "min_services"]
    list_editable = ["order"]
    list_filter = ["is_active", "severity"]


@admin.register(ComplaintRoute)
class ComplaintRouteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "order", "ticket_type", "route", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(ResolutionCode)
class ResolutionCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


@admin.register(TicketChannel)
class TicketChannelAdmin(admin.ModelAdmin):
    """The systems that report tickets over the API, each with its own token."""

    list_display = ["code", "name_en", "name_zh", "channel", "is_active", "has_token"]
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


@admin.register(UnansweredClosure)
class UnansweredClosureAdmin(admin.ModelAdmin):
    """When a customer who does not answer is reminded, and when the ticket is closed without the answer."""

    list_display = ["__str__", "remind_after", "close_after", "explicit_levels", "is_active"]
    list_editable = ["remind_after", "close_after", "explicit_levels", "is_active"]
    list_display_links = ["__str__"]


# ---------------------------------------------------------------------------- planned work, availability, credits
@admin.register(NoticeLeadTime)
class NoticeLeadTimeAdmin(admin.ModelAdmin):
    """How long ahead the customers of each level are told of planned work."""

    list_display = ["__str__", "customer_level", "lead"]
    list_editable = ["customer_level", "lead"]
    list_display_links = ["__str__"]


@admin.register(SlaCreditRule)
class SlaCreditRuleAdmin(admin.ModelAdmin):
    """What a customer is credited for each kind of breach."""

    list_display = ["reason", "percent", "amount", "is_active"]
    list_editable = ["percent", "amount", "is_active"]
    list_display_links = ["reason"]


class PlannedWorkNoticeInline(admin.TabularInline):
    model = PlannedWorkNotice
    extra = 0
    fields = ["customer", "notify_by", "notified_at", "messages", "problem"]
    readonly_fields = fields
    can_delete = False


@admin.register(PlannedWork)
class PlannedWorkAdmin(admin.ModelAdmin):
    list_display = ["reference", "title", "window_start", "window_end", "city", "registered_by"]
    list_filter = ["city"]
    readonly_fields = ["registered_by"]
    raw_id_fields = ["services"]
    inlines = [PlannedWorkNoticeInline]

    def has_add_permission(self, request):
        return False  # registered on its page, which works out and tells the affected customers


@admin.register(SlaCredit)
class SlaCreditAdmin(admin.ModelAdmin):
    list_display = ["customer", "service", "month", "reason", "percent", "amount", "ticket", "created_at"]
    list_filter = ["reason", "month", "city"]
    readonly_fields = [f.name for f in SlaCredit._meta.fields]

    def has_add_permission(self, request):
        return False  # credits follow from breaches only
