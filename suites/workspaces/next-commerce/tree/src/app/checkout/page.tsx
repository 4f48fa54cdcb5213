import { CheckoutPage } from '@/components/checkout/CheckoutPage';

export const metadata = { title: 'Checkout – Acme Shop' };

export default function Checkout() {
  return <CheckoutPage />;
}
