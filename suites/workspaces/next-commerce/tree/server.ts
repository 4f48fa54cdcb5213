import express from 'express';
import next from 'next';

import { router } from './src/routes';
import { logger } from './src/logger';

const dev = process.env.NODE_ENV !== 'production';
const port = Number(process.env.PORT ?? 3000);
const app = next({ dev });
const handle = app.getRequestHandler();

app.prepare().then(() => {
  const server = express();
  server.use(express.json({ limit: '1mb' }));
  server.use(router);
  server.all('*', (req, res) => handle(req, res));

  server.listen(port, () => {
    console.log(`> Ready on http://localhost:${port}`);
  });
}).catch((err) => {
  logger.error({ err }, 'failed to start');
  process.exit(1);
});
