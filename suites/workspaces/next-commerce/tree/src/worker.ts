import { db } from './db';
import { pushEvent } from './lib/webhooks';
import { logger } from './logger';

async function main() {
  for (;;) {
    const pending = await db.webhookDelivery.findMany({ where: { deliveredAt: null, attempts: { lt: 6 } }, take: 20 });
    await Promise.all(pending.map((d) => pushEvent(d.id)));
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

main().catch((err) => {
  logger.error({ err }, 'worker crashed');
  process.exit(1);
});
