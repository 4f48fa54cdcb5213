import Stripe from 'stripe';

import { env } from '../config/env';

// Server-side only: never import this from a client component.
export const stripe = new Stripe(env.stripeSecretKey, { apiVersion: '2024-04-10' });
