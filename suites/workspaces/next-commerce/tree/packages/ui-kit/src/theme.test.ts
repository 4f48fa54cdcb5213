import { color, theme } from './theme';

test('spacing is a 4px grid', () => {
  expect(theme.spacing(3)).toBe('12px');
});

test('color resolves per mode', () => {
  expect(color('dark', 'primary')).toBe('#4d8dff');
});
