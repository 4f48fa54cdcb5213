from shop.models import Product

for product in Product.objects.filter(sku=""):
    product.sku = f"LEGACY-{product.pk:06d}"
    product.save(update_fields=["sku"])
