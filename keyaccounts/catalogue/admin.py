from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Product, ProductElement


class ProductElementInline(admin.TabularInline):
    model = ProductElement
    extra = 0
    fields = [
        "category",
        "code",
        "label_en",
        "label_zh",
        "type",
        "required",
        "choices",
        "min_value",
        "max_value",
        "pattern",
        "help_text",
        "sort_order",
    ]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    inlines = [ProductElementInline]
    list_display = ["code", "name_en", "name_zh", "bearer_mode", "route", "list_price", "is_active"]
    fieldsets = [
        (None, {"fields": ["code", "name_en", "name_zh", "bearer_mode", "route", "description", "is_active"]}),
        (
            _("Opportunities"),
            {
                "fields": [
                    "needs_survey",
                    "needs_solution",
                    "list_price",
                    "city_discount_limit",
                    "province_discount_limit",
                ]
            },
        ),
    ]
    list_filter = ["route", "bearer_mode", "is_active"]
    search_fields = ["code", "name_en", "name_zh"]
