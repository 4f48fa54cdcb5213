from django.contrib import admin

from .models import Category, Order, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "sku", "price", "currency", "active")
    list_filter = ("active", "category")
    search_fields = ("name", "sku")


admin.site.register(Category)
admin.site.register(Order)
