import express from 'express';
import request from 'supertest';

import { createOrder, listOrders } from '../../src/api/orders';
import { db } from '../../src/db';

jest.mock('../../src/db', () => ({ db: { order: { create: jest.fn(), findMany: jest.fn() } } }));

function app() {
  const a = express();
  a.use(express.json());
  a.use((req, _res, next) => { (req as any).user = { id: 'u1' }; next(); });
  a.get('/api/orders', listOrders);
  a.post('/api/orders', createOrder);
  return a;
}

describe('orders API', () => {
  it("listOrders returns only the caller's orders", async () => {
    (db.order.findMany as jest.Mock).mockResolvedValue([{ id: 'o1', userId: 'u1' }]);
    await request(app()).get('/api/orders').expect(200);
    expect(db.order.findMany).toHaveBeenCalledWith({ where: { userId: 'u1' } });
  });
  it('createOrder stores the computed total', async () => {
    (db.order.create as jest.Mock).mockImplementation(async ({ data }) => ({ id: 'o2', ...data }));
    const res = await request(app())
      .post('/api/orders')
      .send({ items: [{ sku: 'MUG-1', price: 12, quantity: 2 }], shippingAddress: 'Main St 1, Berlin' })
      .expect(201);
    expect(res.body.total).toBe(24);
  });

  it('createOrder rejects an empty cart', async () => {
    await request(app()).post('/api/orders').send({ items: [], shippingAddress: 'Main St 1, Berlin' }).expect(400);
  });
});
