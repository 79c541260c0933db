from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .elements import SNAPSHOT_FIELDS
from .models import Product, ProductElement


class ProductElementInline(admin.TabularInline):
    model = ProductElement
    extra = 0
    fields = SNAPSHOT_FIELDS  # an administrator edits what an order item keeps of the definition


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    inlines = [ProductElementInline]
    list_display = ["code", "name_en", "name_zh", "bearer_mode", "route", "si_company", "list_price", "is_active"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "name_en",
                    "name_zh",
                    "bearer_mode",
                    "route",
                    "si_company",
                    "description",
                    "is_active",
                ]
            },
        ),
        (
            _("Opportunities"),
            {
                "fields": [
                    "needs_survey",
                    "needs_solution",
                    "list_price",
                    "unit_cost",
                    "city_discount_limit",
                    "province_discount_limit",
                ]
            },
        ),
        (_("Orders"), {"fields": ["min_quantity", "max_quantity"]}),
    ]
    list_filter = ["route", "bearer_mode", "si_company", "is_active"]
    search_fields = ["code", "name_en", "name_zh"]
