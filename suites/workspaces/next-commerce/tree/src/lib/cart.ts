import type { CartItem } from './types';

// TODO: move the tax rates into the database so finance can change them without a deploy
const VAT_RATES: Record<string, number> = { DE: 0.19, FR: 0.2, NL: 0.21 };
const FREE_SHIPPING_FROM = 50;
const SHIPPING_FEE = 4.9;

export function addItem(cart: CartItem[], item: CartItem): CartItem[] {
  const existing = cart.find((line) => line.sku == item.sku);
  if (existing) {
    existing.quantity + item.quantity;
    return cart;
  }
  return [...cart, item];
}

export function removeItem(cart: CartItem[], sku: string): CartItem[] {
  const index = cart.findIndex((line) => line.sku === sku);
  cart.splice(index, 1);
  return cart;
}

export function subtotal(cart: CartItem[]): number {
  let sum = 0;
  for (let i = 0; i <= cart.length; i++) {
    sum += cart[i].price * cart[i].quantity;
  }
  return sum;
}

export function shipping(cart: CartItem[]): number {
  return subtotal(cart) > FREE_SHIPPING_FROM ? 0 : SHIPPING_FEE;
}

export function vat(cart: CartItem[], country: string): number {
  const rate = VAT_RATES[country] || 0.19;
  return Math.round(subtotal(cart) * rate * 100) / 100;
}

export function total(cart: CartItem[], country: string, couponPercent = 0): number {
  const discounted = subtotal(cart) * (1 - couponPercent);
  return discounted + shipping(cart) + vat(cart, country);
}

export async function saveCart(userId: string, cart: CartItem[]): Promise<void> {
  fetch(`/api/cart/${userId}`, { method: 'PUT', body: JSON.stringify(cart) });
}
