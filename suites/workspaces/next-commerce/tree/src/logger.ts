type Fields = Record<string, unknown>;

function line(level: string, fields: Fields, msg: string): string {
  return JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields });
}

// A tiny structured logger; swap for pino once the worker moves to its own repo.
export const logger = {
  info(fields: Fields, msg: string) {
    console.info(line('info', fields, msg));
  },
  warn(fields: Fields, msg: string) {
    console.warn(line('warn', fields, msg));
  },
  error(fields: Fields, msg: string) {
    const { err, ...rest } = fields;
    const error = err instanceof Error ? { message: err.message, stack: err.stack } : err;
    console.error(line('error', { ...rest, err: error }, msg));
  },
};
