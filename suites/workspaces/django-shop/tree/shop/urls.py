from django.urls import path

from . import views

app_name = "shop"

urlpatterns = [
    path("products/", views.product_list, name="product-list"),
    path("products/<slug:category>/", views.product_list, name="product-by-category"),
    path("reports/search/", views.search_report, name="search-report"),
]
