import Link from 'next/link';

export default function HomePage() {
  return (
    <section>
      <h1>Welcome to Acme</h1>
      <Link href="/products">Browse the catalogue</Link>
    </section>
  );
}
