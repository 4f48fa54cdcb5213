import { Router } from 'express';

import { createOrder, listOrders } from '../api/orders';
import { createPaymentIntent, stripeWebhook } from '../api/payments';
import { reportsRouter } from '../api/reports';
import { requireUser } from '../middleware/requireUser';
import { adminRouter } from './admin';

export const router = Router();

router.get('/api/health', (_req, res) => res.json({ status: 'ok' }));

// Public routes: session auth only.
router.get('/api/orders', requireUser, listOrders);
router.post('/api/orders', requireUser, createOrder);
router.post('/api/orders/:orderId/payment-intent', requireUser, createPaymentIntent);
router.post('/api/stripe/webhook', stripeWebhook);

router.use('/api', reportsRouter);
router.use('/api/admin', adminRouter);
