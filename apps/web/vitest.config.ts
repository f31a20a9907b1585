import { resolve } from "node:path";
import { sealboxVitest } from "../../tooling/vitest.shared.ts";

const config = sealboxVitest();
config.resolve = { ...config.resolve, alias: { "~": resolve(import.meta.dirname, "src") } };
export default config;
