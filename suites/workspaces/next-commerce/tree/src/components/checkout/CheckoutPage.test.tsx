import { render, screen } from '@testing-library/react';

import { CheckoutPage } from './CheckoutPage';

test('shows the address step first', () => {
  render(<CheckoutPage />);
  expect(screen.getByText('Shipping address')).toBeTruthy();
});
