import type { Metadata } from "next";
import type { ReactNode } from "react";
import { TrpcProviders } from "~/trpc/client";
import "./globals.css";

export const metadata: Metadata = { title: "Sealbox", description: "Secure mail" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <TrpcProviders>{children}</TrpcProviders>
      </body>
    </html>
  );
}
