import Link from 'next/link';

import { CartButton } from './CartButton';

export function Header() {
  return (
    <header className="header">
      <Link href="/" className="logo">Acme</Link>
      <nav>
        <Link href="/products">Products</Link>
      </nav>
      <CartButton />
    </header>
  );
}
