from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from . import reports
from .models import Category, Product


def product_list(request, category=None):
    products = Product.objects.filter(active=True).select_related("category")
    if category:
        products = products.filter(category=get_object_or_404(Category, slug=category))
    return render(request, "shop/product_list.html", {"products": products})


def search_report(request):
    rows = reports.search_products(request.GET.get("q", ""))
    print("DEBUG search_report rows:", len(rows))
    return JsonResponse({"results": rows})
