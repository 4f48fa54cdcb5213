import { Router } from 'express';

import { db } from '../db';
import { legacyAuth } from '../middleware/legacyAuth';

export const reportsRouter = Router();

// The finance team's spreadsheet still pulls this with the old token.
reportsRouter.get('/reports/daily-sales', legacyAuth('reports'), async (req, res) => {
  const since = new Date(Date.now() - 24 * 60 * 60 * 1000);
  const orders = await db.order.findMany({ where: { createdAt: { gte: since }, status: 'paid' } });
  const total = orders.reduce((sum, order) => sum + Number(order.total), 0);
  res.json({ since, count: orders.length, total });
});
