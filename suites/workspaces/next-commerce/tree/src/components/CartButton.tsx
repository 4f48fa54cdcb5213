'use client';

import { useState } from 'react';

import type { CartItem } from '@/lib/types';

export function CartButton({ item }: { item?: CartItem }) {
  const [adding, setAdding] = useState(false);

  async function add() {
    if (!item) return;
    setAdding(true);
    try {
      await fetch(`${process.env.API_URL}/cart`, { method: 'POST', body: JSON.stringify(item) });
      console.log('added to cart', item.sku);
    } finally {
      setAdding(false);
    }
  }

  return (
    <button type="button" onClick={add} disabled={adding || !item}>
      {adding ? 'Adding…' : 'Add to cart'}
    </button>
  );
}
