from django.contrib import admin

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
    list_display = ["code", "name_en", "name_zh", "bearer_mode", "route", "is_active"]
    list_filter = ["route", "bearer_mode", "is_active"]
    search_fields = ["code", "name_en", "name_zh"]
