'use client';

import { PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js';
import { useEffect, useMemo, useState } from 'react';

import { Button } from '@/components/ui/Button';
import { Select } from '@/components/ui/forms/Select';
import { TextField } from '@/components/ui/forms/TextField';
import { shipping, subtotal, vat } from '@/lib/cart';
import { formatPrice, pluralize } from '@/lib/format';
import type { CartItem } from '@/lib/types';

import { StripeProvider } from './StripeProvider';

type Step = 'address' | 'payment' | 'done';

const COUNTRIES = [
  { value: 'DE', label: 'Germany' },
  { value: 'FR', label: 'France' },
  { value: 'NL', label: 'Netherlands' },
];

function PaymentForm({ onPaid }: { onPaid: () => void }) {
  const stripe = useStripe();
  const elements = useElements();
  const [error, setError] = useState<string | null>(null);
  async function pay() {
    if (!stripe || !elements) return;
    const result = await stripe.confirmPayment({ elements, redirect: 'if_required' });
    if (result.error) setError(result.error.message ?? 'Payment failed');
    else onPaid();
  }
  return (
    <div>
      <PaymentElement />
      {error && <p className="error">{error}</p>}
      <Button onClick={pay}>Pay now</Button>
    </div>
  );
}

export function CheckoutPage() {
  const [step, setStep] = useState<Step>('address');
  const [cart, setCart] = useState<CartItem[]>([]);
  const [name, setName] = useState('');
  const [street, setStreet] = useState('');
  const [city, setCity] = useState('');
  const [zip, setZip] = useState('');
  const [country, setCountry] = useState('DE');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [clientSecret, setClientSecret] = useState<string | null>(null);
  const [orderId, setOrderId] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  useEffect(() => {
    fetch('/api/cart').then((r) => r.json()).then(setCart).catch(() => setCart([]));
  }, []);

  const totals = useMemo(() => {
    const sub = subtotal(cart);
    const ship = shipping(cart);
    const tax = vat(cart, country);
    return { sub, ship, tax, total: sub + ship + tax };
  }, [cart, country]);

  function validate() {
    const next: Record<string, string> = {};
    if (name.trim().length < 2) next.name = 'Please enter your name';
    if (street.trim().length < 5) next.street = 'Please enter a street and number';
    if (!/^\d{4,5}$/.test(zip)) next.zip = 'Invalid postcode';
    if (!city.trim()) next.city = 'Please enter a city';
    setErrors(next);
    return Object.keys(next).length === 0;
  }

  async function submitAddress() {
    if (!validate()) return;
    setSubmitting(true);
    const shippingAddress = `${name}, ${street}, ${zip} ${city}, ${country}`;
    const res = await fetch('/api/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items: cart, shippingAddress }),
    });
    const order = await res.json();
    setOrderId(order.id);
    const intent = await fetch(`/api/orders/${order.id}/payment-intent`, { method: 'POST' }).then((r) => r.json());
    setClientSecret(intent.clientSecret);
    setSubmitting(false);
    setStep('payment');
  }

  return (
    <div className="checkout">
      <aside className="summary">
        <h2>Order summary</h2>
        <p>{pluralize(cart.length, 'item')}</p>
        <ul>
          {cart.map((item) => (
            <li key={item.sku}>{item.quantity} × {item.name} — {formatPrice(item.price * item.quantity)}</li>
          ))}
        </ul>
        <dl>
          <dt>Subtotal</dt><dd>{formatPrice(totals.sub)}</dd>
          <dt>Shipping</dt><dd>{totals.ship === 0 ? 'Free' : formatPrice(totals.ship)}</dd>
          <dt>VAT</dt><dd>{formatPrice(totals.tax)}</dd>
          <dt>Total</dt><dd><strong>{formatPrice(totals.total)}</strong></dd>
        </dl>
      </aside>

      {step === 'address' && (
        <section>
          <h2>Shipping address</h2>
          <TextField label="Full name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} />
          <TextField label="Street" value={street} onChange={(e) => setStreet(e.target.value)} error={errors.street} />
          <TextField label="Postcode" value={zip} onChange={(e) => setZip(e.target.value)} error={errors.zip} />
          <TextField label="City" value={city} onChange={(e) => setCity(e.target.value)} error={errors.city} />
          <Select label="Country" value={country} options={COUNTRIES} onChange={(e) => setCountry(e.target.value)} />
          <Button onClick={submitAddress} disabled={submitting || cart.length === 0}>
            {submitting ? 'Saving…' : 'Continue to payment'}
          </Button>
        </section>
      )}

      {step === 'payment' && clientSecret && (
        <section>
          <h2>Payment</h2>
          <StripeProvider clientSecret={clientSecret}>
            <PaymentForm onPaid={() => setStep('done')} />
          </StripeProvider>
        </section>
      )}

      {step === 'done' && (
        <section>
          <h2>Thank you!</h2>
          <p>Your order {orderId} is confirmed. We'll email you when it ships.</p>
        </section>
      )}
    </div>
  );
}
