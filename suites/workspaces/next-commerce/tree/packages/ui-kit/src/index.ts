export { Badge, type BadgeTone } from './Badge';
export { Button, type ButtonProps } from './Button';
export { theme, color, type ThemeMode } from './theme';
