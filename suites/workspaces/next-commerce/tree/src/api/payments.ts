import type { Request, Response } from 'express';
import Stripe from 'stripe';

import { db } from '../db';
import { logger } from '../logger';

const stripe = new Stripe(process.env.STRIPE_SECRET_KEY ?? '', { apiVersion: '2024-04-10' });

export async function createPaymentIntent(req: Request, res: Response) {
  const order = await db.order.findFirst({ where: { id: req.params.orderId, userId: req.user.id } });
  if (!order) {
    return res.status(404).json({ error: 'order not found' });
  }
  const intent = await stripe.paymentIntents.create({
    amount: Math.round(Number(order.total) * 100),
    currency: 'eur',
    metadata: { orderId: order.id },
  });
  res.json({ clientSecret: intent.client_secret });
}

export async function stripeWebhook(req: Request, res: Response) {
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(req.body, req.header('stripe-signature') ?? '',
      process.env.STRIPE_WEBHOOK_SECRET ?? '');
  } catch (err) {
    logger.warn({ err }, 'bad stripe signature');
    return res.status(400).send('bad signature');
  }
  console.log('stripe event', event.type);
  if (event.type === 'payment_intent.succeeded') {
    const orderId = (event.data.object as Stripe.PaymentIntent).metadata.orderId;
    await db.order.update({ where: { id: orderId }, data: { status: 'paid' } });
  }
  res.json({ received: true });
}
