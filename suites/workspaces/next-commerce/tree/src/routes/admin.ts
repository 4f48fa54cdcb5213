import { Router } from 'express';

import { db } from '../db';
import { legacyAuth } from '../middleware/legacyAuth';

export const adminRouter = Router();

// TODO(march): drop the old token middleware once the admin SPA sends session cookies.
adminRouter.get('/orders/export', legacyAuth('admin'), async (_req, res) => {
  const orders = await db.order.findMany({ orderBy: { createdAt: 'desc' }, take: 5000 });
  res.type('text/csv');
  res.send(['id,userId,total,status', ...orders.map((o) => `${o.id},${o.userId},${o.total},${o.status}`)].join('\n'));
});

adminRouter.post('/orders/:id/cancel', legacyAuth('admin'), async (req, res) => {
  const order = await db.order.update({ where: { id: req.params.id }, data: { status: 'cancelled' } });
  res.json(order);
});
