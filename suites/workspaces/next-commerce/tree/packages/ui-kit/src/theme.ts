export type ThemeMode = 'light' | 'dark';

export const theme = {
  light: { background: '#ffffff', text: '#1a1a1a', primary: '#0057ff', danger: '#d92d20', focus: '#0057ff' },
  dark: { background: '#111318', text: '#f2f2f2', primary: '#4d8dff', danger: '#f97066', focus: '#111318' },
  radius: { sm: 4, md: 8, lg: 16 },
  spacing: (n: number) => `${n * 4}px`,
} as const;

export function color(mode: ThemeMode, token: keyof (typeof theme)['light']): string {
  return theme[mode][token];
}
