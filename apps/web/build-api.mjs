// Bundles the /api/trpc handler (src/server/api-handler.ts) for serve.mjs, which answers API
// calls with it directly: Next.js's routing, request wrapping and response streams cost more
// CPU per call than the call itself on the busiest paths (opening a message, listing a page).
// Run after `next build` (the package's build script does), into the same output folder, which
// `next build` empties: a handler bundle there is never older than the pages beside it.
// Packages stay outside the bundle (node_modules, our packages' built dist/), as in Next's build.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const dir = dirname(fileURLToPath(import.meta.url));
const distDir = process.env.SEALBOX_NEXT_DIST_DIR || ".next";
const outfile = join(dir, distDir, "sealbox-api", "handler.mjs");
rmSync(dirname(outfile), { recursive: true, force: true });
await build({
  entryPoints: [join(dir, "src/server/api-handler.ts")],
  outfile,
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  tsconfig: join(dir, "tsconfig.json"),
  sourcemap: "linked",
  logLevel: "warning",
});
console.log(`API handler bundled into ${join(distDir, "sealbox-api", "handler.mjs")}`);
