import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch }) => {
  const res = await fetch('/api/products');
  return { products: (await res.json()) as { slug: string; name: string; price: number }[] };
};
