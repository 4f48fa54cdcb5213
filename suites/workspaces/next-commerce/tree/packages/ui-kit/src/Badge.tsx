import type { ReactNode } from 'react';

export type BadgeTone = 'neutral' | 'success' | 'warning';

const COLORS: Record<BadgeTone, string> = { neutral: '#e4e7ec', success: '#d1fadf', warning: '#fef0c7' };

export function Badge({ tone = 'neutral', children }: { tone?: BadgeTone; children: ReactNode }) {
  return <span style={{ background: COLORS[tone], borderRadius: 999, padding: '2px 8px' }}>{children}</span>;
}
