from django.contrib import admin

from .models import BusinessCalendar, CityCalendar, CustomerCalendar, Holiday, SlaClock, SlaPolicy, WorkingWindow


class WorkingWindowInline(admin.TabularInline):
    model = WorkingWindow
    extra = 0


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "time_zone"]
    inlines = [WorkingWindowInline, HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "step",
        "customer_level",
        "product",
        "limit",
        "time_basis",
        "warn_at_percent",
        "warn_again_at_percent",
        "team_kind",
        "escalate_to",
        "is_active",
    ]
    list_filter = ["time_basis", "is_active", "customer_level"]
    search_fields = ["step"]


@admin.register(SlaClock)
class SlaClockAdmin(admin.ModelAdmin):
    """Read-only: clocks are started and stopped by the workflow steps."""

    list_display = ["step", "subject_type", "subject_id", "started_at", "due_at", "state", "stopped_at"]
    list_filter = ["state", "step"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CityCalendar)
class CityCalendarAdmin(admin.ModelAdmin):
    list_display = ["city", "calendar"]


@admin.register(CustomerCalendar)
class CustomerCalendarAdmin(admin.ModelAdmin):
    list_display = ["customer", "calendar"]
    raw_id_fields = ["customer"]
