from django.contrib import admin

from .models import Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "bearer_mode", "route", "is_active"]
    list_filter = ["route", "bearer_mode", "is_active"]
    search_fields = ["code", "name_en", "name_zh"]
