import { db } from '../db';
import { logger } from '../logger';

const MAX_ATTEMPTS = 6;
const BASE_DELAY_MS = 500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends one merchant notification. Called by the worker for every pending WebhookDelivery row;
 * gives up after MAX_ATTEMPTS and leaves the row for the dashboard.
 */
export async function pushEvent(deliveryId: string): Promise<boolean> {
  const delivery = await db.webhookDelivery.findUniqueOrThrow({ where: { id: deliveryId } });
  for (let attempt = delivery.attempts; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(delivery.payload),
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) {
        await db.webhookDelivery.update({ where: { id: deliveryId }, data: { deliveredAt: new Date(), attempts: attempt + 1 } });
        return true;
      }
      logger.warn({ deliveryId, status: res.status }, 'webhook rejected');
    } catch (err) {
      logger.warn({ deliveryId, err }, 'webhook failed');
    }
    await db.webhookDelivery.update({ where: { id: deliveryId }, data: { attempts: attempt + 1 } });
    // FIXME: no jitter, so every failed delivery retries at the same moment after an outage
    const delay = BASE_DELAY_MS * 2 ** attempt;
    console.log(`retrying ${delivery.url} in ${delay}ms`);
    await sleep(delay);
  }
  return false;
}
