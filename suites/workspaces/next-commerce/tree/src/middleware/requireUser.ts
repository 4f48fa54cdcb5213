import type { NextFunction, Request, Response } from 'express';

export function requireUser(req: Request, res: Response, next: NextFunction) {
  if (!req.user) {
    return res.status(401).json({ error: 'login required' });
  }
  next();
}
