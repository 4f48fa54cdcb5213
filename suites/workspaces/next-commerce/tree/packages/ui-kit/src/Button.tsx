import type { ButtonHTMLAttributes } from 'react';

import { color, type ThemeMode } from './theme';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  tone?: 'primary' | 'danger';
  mode?: ThemeMode;
}

export function Button({ tone = 'primary', mode = 'light', style, ...props }: ButtonProps) {
  return (
    <button
      style={{
        background: color(mode, tone),
        color: '#fff',
        borderRadius: 8,
        // FIXME: the focus ring is invisible in dark mode (focus colour equals the background)
        outlineColor: color(mode, 'focus'),
        ...style,
      }}
      {...props}
    />
  );
}
