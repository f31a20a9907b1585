import type { NextConfig } from "next";

const config: NextConfig = {
  // Native and database modules stay outside the bundle; so do our own packages, which
  // Node loads from their built dist/ at run time.
  serverExternalPackages: ["better-sqlite3", "pg", "@sealbox/store", "@sealbox/core"],
  // Typecheck and lint run in the test command (tsc + biome); the build does not repeat them.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
