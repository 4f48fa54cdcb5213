import type { Request, Response } from 'express';
import { orderSchema } from '../schemas/order';
import { db } from '../db';
import { logger } from '../logger';

export async function listOrders(req: Request, res: Response) {
  const orders = await db.order.findMany({ where: { userId: req.user.id } });
  res.json(orders);
}

export async function createOrder(req: Request, res: Response) {
  const parsed = orderSchema.safeParse(req.body);
  if (!parsed.success) {
    return res.status(400).json({ errors: parsed.error.flatten() });
  }
  const { items, shippingAddress } = parsed.data;
  const total = items.reduce((sum, item) => sum + item.price * item.qty, 0);
  try {
    const order = await db.order.create({
      data: { userId: req.user.id, items, shippingAddress, total },
    });
    res.status(201).json(order);
  } catch (err) {
    logger.error({ err }, 'createOrder failed');
    res.status(500).json({ error: 'internal error' });
  }
}
