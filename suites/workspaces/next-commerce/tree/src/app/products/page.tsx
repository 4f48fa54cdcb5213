import { ProductGrid } from '@/components/product/ProductGrid';
import type { Product } from '@/lib/types';

export const metadata = { title: 'Products – Acme Shop' };

// Server component: fetched at request time, revalidated every minute.

export default async function ProductsPage() {
  const res = await fetch(`${process.env.API_URL}/products`, { next: { revalidate: 60 } });
  if (!res.ok) {
    throw new Error(`products: ${res.status}`);
  }
  const products: Product[] = await res.json();
  return <ProductGrid products={products} />;
}
