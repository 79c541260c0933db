from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from keyaccounts.core import registry

from .models import (
    BusinessCalendar,
    CityCalendar,
    CustomerCalendar,
    Holiday,
    QualityGrade,
    QualityMeasurement,
    QualityTarget,
    QualityViolation,
    SlaClock,
    SlaPolicy,
    WorkingWindow,
)


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


class SlaPolicyForm(forms.ModelForm):
    """The step chosen by its name, not typed as a code (the admin gives the model and fields)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"] = forms.ChoiceField(
            label=self.fields["step"].label,
            choices=[("", "---------"), *registry.step_choices(self.instance.step)],
        )


@admin.display(description=_("step"), ordering="step")
def step_named(obj) -> str:
    return registry.step_name(obj.step)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    form = SlaPolicyForm
    list_display = [
        step_named,
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

    list_display = [step_named, "subject_type", "subject_id", "started_at", "due_at", "state", "stopped_at"]
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
    list_display = ["customer", "calendar", "steps"]
    raw_id_fields = ["customer"]


@admin.register(QualityGrade)
class QualityGradeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "monthly_availability", "sort_order"]
    list_editable = ["monthly_availability"]


@admin.register(QualityTarget)
class QualityTargetAdmin(admin.ModelAdmin):
    list_display = [
        "product",
        "grade",
        "availability_min",
        "availability_warning",
        "packet_loss_max",
        "packet_loss_warning",
        "delay_max",
        "delay_warning",
        "tolerated_periods",
        "is_active",
    ]
    list_filter = ["grade", "is_active", "product"]
    fieldsets = [
        (None, {"fields": ["product", "grade", "is_active", "tolerated_periods"]}),
        (_("Availability rate"), {"fields": ["availability_min", "availability_warning"]}),
        (_("Packet-loss rate"), {"fields": ["packet_loss_max", "packet_loss_warning"]}),
        (_("Transmission delay"), {"fields": ["delay_max", "delay_warning"]}),
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by the quality collector from EOMS's measurements, never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(QualityMeasurement)
class QualityMeasurementAdmin(ReadOnlyAdmin):
    list_display = ["service", "period_start", "period_end", "availability", "packet_loss", "delay", "level"]
    list_filter = ["level"]
    search_fields = ["source_id"]
    date_hierarchy = "period_end"


@admin.register(QualityViolation)
class QualityViolationAdmin(ReadOnlyAdmin):
    list_display = [
        "service",
        "metric",
        "target_value",
        "actual_value",
        "worst_value",
        "period_start",
        "period_end",
        "periods",
        "state",
        "work_order",
        "ticket_status",
    ]
    list_filter = ["state", "metric", "ticket_status"]
    list_select_related = ["service__product", "work_order"]
