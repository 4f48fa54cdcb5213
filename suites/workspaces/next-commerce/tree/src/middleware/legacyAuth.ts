import type { NextFunction, Request, Response } from 'express';

type LegacyRole = 'admin' | 'reports';

interface LegacySession {
  token: string;
  role: LegacyRole;
}

const TOKENS: Record<string, LegacyRole> = Object.fromEntries(
  (process.env.LEGACY_API_TOKENS ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split(':') as [string, LegacyRole]),
);

/** Parses the pre-2024 `Authorization: Legacy <token>` header. */
export function legacyAuthHelper(header: string | undefined): LegacySession | null {
  if (!header?.startsWith('Legacy ')) {
    return null;
  }
  const token = header.slice('Legacy '.length).trim();
  const role = TOKENS[token];
  return role ? { token, role } : null;
}

/** Old token middleware. Only the admin export and the finance report still use it. */
export function legacyAuth(role: LegacyRole) {
  return (req: Request, res: Response, next: NextFunction) => {
    const session = legacyAuthHelper(req.header('authorization'));
    if (!session || (session.role !== role && session.role !== 'admin')) {
      return res.status(403).json({ error: 'forbidden' });
    }
    next();
  };
}
