from django.contrib import admin

from .models import BusinessCalendar, Holiday, WorkingWindow


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
