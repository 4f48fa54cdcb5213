import { PrismaClient } from '@prisma/client';

import { databaseConfig } from './config/database';

export const db = new PrismaClient({
  datasources: { db: { url: `${databaseConfig.url}?connection_limit=${databaseConfig.pool.max}` } },
});
