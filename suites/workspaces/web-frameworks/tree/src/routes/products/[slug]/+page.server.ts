import { error } from '@sveltejs/kit';

import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ params, fetch }) => {
  const res = await fetch(`/api/products/${params.slug}`);
  if (res.status === 404) {
    error(404, 'Product not found');
  }
  return { product: await res.json() };
};
