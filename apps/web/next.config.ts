import type { NextConfig } from "next";

const config: NextConfig = {
  // Native and database modules stay outside the bundle; so do our own packages, which
  // Node loads from their built dist/ at run time.
  serverExternalPackages: ["better-sqlite3", "pg", "@sealbox/store", "@sealbox/core"],
  // Typecheck and lint run in the test command (tsc + biome); the build does not repeat them.
  typescript: { ignoreBuildErrors: true },
  // Several builds side by side (tests, benches) each get their own output folder.
  distDir: process.env.SEALBOX_NEXT_DIST_DIR || ".next",
  poweredByHeader: false,
  reactStrictMode: true,
  async headers() {
    // Pages get a per-response nonce policy from proxy.ts; the static files the proxy skips get this one.
    return [
      {
        // API routes set these themselves; this covers a response no route produced (a 404).
        source: "/api/:path*",
        headers: [
          { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'; sandbox" },
          { key: "X-Content-Type-Options", value: "nosniff" },
        ],
      },
      {
        source: "/_next/static/:path*",
        headers: [
          { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'" },
          { key: "X-Content-Type-Options", value: "nosniff" },
        ],
      },
    ];
  },
};

export default config;
