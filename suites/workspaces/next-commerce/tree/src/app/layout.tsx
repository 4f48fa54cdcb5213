import type { ReactNode } from 'react';

import { Header } from '@/components/Header';

export const metadata = { title: 'Acme Shop', description: 'Mugs, shirts and other useful things' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Header />
        <main>{children}</main>
      </body>
    </html>
  );
}
