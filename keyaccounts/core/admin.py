from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import City, SiCompany, Team, TimelineEvent, User


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "sort_order"]
    search_fields = ["code", "name_en", "name_zh"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "kind", "city", "lead"]
    list_filter = ["kind", "city"]
    search_fields = ["code", "name_en", "name_zh"]
    autocomplete_fields = ["lead"]


@admin.register(SiCompany)
class SiCompanyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "works_in_portal", "is_active"]
    search_fields = ["code", "name_en", "name_zh"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Organisation"), {"fields": ("city", "teams", "si_company", "phone")}),
    )
    list_display = ["username", "first_name", "last_name", "city", "si_company", "is_active"]
    list_filter = ["groups", "city", "is_active", "is_staff"]
    filter_horizontal = ["groups", "user_permissions", "teams"]


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by services, never edited."""

    list_display = ["created_at", "subject_type", "subject_id", "action", "from_state", "to_state", "actor"]
    list_filter = ["subject_type", "action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = _("Key Accounts administration")
admin.site.site_title = _("Key Accounts")


class ApiChannelAdmin(admin.ModelAdmin):
    """For each API's channels: whether a token is issued, and issuing a new one."""

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
