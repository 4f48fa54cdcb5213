import type { Product } from './types';

const BASE_URL = process.env.API_URL ?? '';

async function request<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${BASE_URL}${path}`, {
    ...init,
    headers: { 'content-type': 'application/json', ...init?.headers },
    credentials: 'include',
  });
  if (!res.ok) {
    throw new Error(`${init?.method ?? 'GET'} ${path} failed with ${res.status}`);
  }
  return res.json() as Promise<T>;
}

export const api = {
  products: () => request<Product[]>('/products'),
  product: (sku: string) => request<Product>(`/products/${encodeURIComponent(sku)}`),
  orders: () => request<unknown[]>('/api/orders'),
};
