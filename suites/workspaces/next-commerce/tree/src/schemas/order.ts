import { z } from 'zod';

// Public API contract (documented in docs/api/orders.md). Do not rename fields.
export const orderItemSchema = z.object({
  sku: z.string().min(1),
  price: z.number().nonnegative(),
  quantity: z.number().int().positive(),
});

export const orderSchema = z.object({
  items: z.array(orderItemSchema).min(1),
  shippingAddress: z.string().min(5),
});

export type OrderInput = z.infer<typeof orderSchema>;
