from django.contrib import admin

from keyaccounts.core.admin import ApiChannelAdmin

from .models import (
    ComplaintRoute,
    FaultLevelRule,
    NoticeLeadTime,
    PlannedWork,
    PlannedWorkNotice,
    ResolutionCode,
    ServiceProblem,
    ServiceProblemTicket,
    SlaCredit,
    SlaCreditRule,
    SurveyQuestion,
    SurveyRule,
    TicketChannel,
    UnansweredClosure,
)


@admin.register(FaultLevelRule)
class FaultLevelRuleAdmin(admin.ModelAdmin):
    """Which faults are level 1: the first active rule that matches, by its order."""

    list_display = [
        "name_en",
        "name_zh",
        "order",
        "severity",
        "interruption_only",
        "product",
        "customer_level",
        "min_services",
    ]
    list_editable = ["order"]
    list_filter = ["is_active", "severity"]


@admin.register(ComplaintRoute)
class ComplaintRouteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "order", "ticket_type", "product_route", "route", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(ResolutionCode)
class ResolutionCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]


@admin.register(TicketChannel)
class TicketChannelAdmin(ApiChannelAdmin):
    """The systems that report tickets over the API, each with its own token."""

    list_display = ["code", "name_en", "name_zh", "channel", "is_active", "has_token"]


@admin.register(UnansweredClosure)
class UnansweredClosureAdmin(admin.ModelAdmin):
    """When a customer who does not answer is reminded, and when the ticket is closed without the answer."""

    list_display = ["__str__", "remind_after", "close_after", "explicit_levels", "is_active"]
    list_editable = ["remind_after", "close_after", "explicit_levels", "is_active"]
    list_display_links = ["__str__"]


# ---------------------------------------------------------------------------- satisfaction survey
@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(admin.ModelAdmin):
    """The questions a customer scores from 1 to 5 when a ticket closes."""

    list_display = ["text_en", "text_zh", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(SurveyRule)
class SurveyRuleAdmin(admin.ModelAdmin):
    """Whether closed tickets are surveyed, and which score the city supervisor follows up."""

    list_display = ["__str__", "follow_up_at_or_below", "is_active"]
    list_editable = ["follow_up_at_or_below", "is_active"]
    list_display_links = ["__str__"]


# ---------------------------------------------------------------------------- network incidents
class ServiceProblemTicketInline(admin.TabularInline):
    model = ServiceProblemTicket
    extra = 0
    raw_id_fields = ["ticket", "customer"]
    readonly_fields = ["linked"]


@admin.register(ServiceProblem)
class ServiceProblemAdmin(admin.ModelAdmin):
    """Incidents are raised by EOMS or grouped on their page; here an administrator reads and corrects them."""

    list_display = ["__str__", "name", "origin", "status", "created_at"]
    list_filter = ["status", "origin"]
    search_fields = ["name", "external_id"]
    readonly_fields = ["status", "origin", "external_id"]
    filter_horizontal = ["products", "cities"]
    inlines = [ServiceProblemTicketInline]


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
