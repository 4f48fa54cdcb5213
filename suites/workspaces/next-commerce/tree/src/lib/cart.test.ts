import { addItem, shipping } from './cart';

const mug = { sku: 'MUG-1', name: 'Mug', price: 12, quantity: 1 };

describe('cart', () => {
  it('adds a new line', () => {
    expect(addItem([], mug)).toHaveLength(1);
  });

  it('charges shipping below the threshold', () => {
    expect(shipping([mug])).toBe(4.9);
  });
});
