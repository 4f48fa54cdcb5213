import { defineStore } from 'pinia';

export interface CartItem {
  sku: string;
  name: string;
  price: number;
  quantity: number;
}

export const useCartStore = defineStore('cart', {
  state: () => ({ items: [] as CartItem[], open: false }),
  getters: {
    count: (state) => state.items.reduce((n, item) => n + item.quantity, 0),
    total: (state) => state.items.reduce((sum, item) => sum + item.price * item.quantity, 0),
  },
  actions: {
    add(item: CartItem) {
      const existing = this.items.find((i) => i.sku === item.sku);
      if (existing) existing.quantity += item.quantity;
      else this.items.push(item);
      this.open = true;
    },
    remove(sku: string) {
      this.items = this.items.filter((i) => i.sku !== sku);
    },
  },
});
