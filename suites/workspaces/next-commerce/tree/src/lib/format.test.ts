import { formatPrice, pluralize } from './format';

test('formatPrice uses euros', () => {
  expect(formatPrice(12.5)).toContain('12,50');
});

test('pluralize', () => {
  expect(pluralize(1, 'item')).toBe('1 item');
  expect(pluralize(3, 'item')).toBe('3 items');
});
