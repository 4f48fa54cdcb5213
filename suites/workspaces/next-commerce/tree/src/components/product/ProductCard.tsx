import Image from 'next/image';

import { formatPrice } from '@/lib/format';
import type { Product } from '@/lib/types';

import { CartButton } from '../CartButton';

export function ProductCard({ product }: { product: Product }) {
  return (
    <article className="product-card">
      {product.imageUrl && <Image src={product.imageUrl} alt={product.name} width={240} height={240} />}
      <h2>{product.name}</h2>
      <p>{formatPrice(product.price)}</p>
      {product.stock > 0 ? (
        <CartButton item={{ sku: product.sku, name: product.name, price: product.price, quantity: 1 }} />
      ) : (
        <p className="sold-out">Sold out</p>
      )}
    </article>
  );
}
