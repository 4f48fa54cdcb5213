import type { PoolConfig } from 'pg';

const isProduction = process.env.NODE_ENV === 'production';

// TODO: tune the pool per pod once the API's replica count settles (3 today, see deploy/k8s).
export const databaseConfig = {
  url: process.env.DATABASE_URL ?? 'postgresql://postgres:postgres@localhost:5432/shop',
  pool: {
    min: 2,
    max: Number(process.env.DB_POOL_MAX ?? 20),
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
  },
  ssl: isProduction ? { rejectUnauthorized: true } : false,
  statementTimeoutMs: 15_000,
};

export function poolConfig(): PoolConfig {
  return {
    connectionString: databaseConfig.url,
    min: databaseConfig.pool.min,
    max: databaseConfig.pool.max,
    idleTimeoutMillis: databaseConfig.pool.idleTimeoutMillis,
    connectionTimeoutMillis: databaseConfig.pool.connectionTimeoutMillis,
    ssl: databaseConfig.ssl,
    statement_timeout: databaseConfig.statementTimeoutMs,
  };
}
