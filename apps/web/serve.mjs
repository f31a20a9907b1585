// Starts the built web UI (what `next start` does) with two additions:
// - the client's network address comes from the socket, never from a header the client wrote,
//   so the login guard counts failures per real client (behind a reverse proxy, list its
//   address in SEALBOX_TRUSTED_PROXIES, comma-separated, to take X-Forwarded-For / -Proto);
// - it runs SEALBOX_WEB_PROCESSES processes on the one port (default: one per CPU core, at
//   most 4): Node runs JavaScript on one core per process, and sessions and unlocks live in
//   the store, so any process serves any request;
// - it answers tRPC calls (/api/trpc/…) itself with the handler build-api.mjs bundled at build
//   time — the same function the Next.js route calls — and hands everything else to Next.js,
//   whose routing and response streams cost more CPU than opening a message does
//   (SEALBOX_WEB_API=next sends API calls through Next.js as well, e.g. to compare).
//
//   node serve.mjs --hostname 127.0.0.1 --port 3000
import cluster from "node:cluster";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import next from "next";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const hostname = arg("hostname", process.env.SEALBOX_WEB_HOST || "127.0.0.1");
const port = Number(arg("port", process.env.SEALBOX_WEB_PORT || "3000"));
/** How long a stopping process waits for the calls it has received (the hard stop is at 7 s). */
const DRAIN_MS = 5000;
const processes = Math.max(
  1,
  Number(process.env.SEALBOX_WEB_PROCESSES) || Math.min(availableParallelism(), 4),
);

if (cluster.isPrimary && processes > 1) {
  let stopping = false;
  let announced = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < processes; i++) fork();
  cluster.on("listening", () => {
    if (announced) return;
    announced = true;
    console.log(`sealbox web listening on http://${hostname}:${port} (${processes} processes)`);
  });
  // A process that dies is replaced (not while stopping).
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    console.error(`sealbox web process ${worker.process.pid} exited (${signal ?? code}); starting another`);
    setTimeout(fork, 500);
  });
  const stop = () => {
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const w of workers) w?.kill("SIGTERM");
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  await serve();
}

async function serve() {
  const trusted = new Set(
    (process.env.SEALBOX_TRUSTED_PROXIES || "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  // Tells the app that the x-sealbox-* headers below come from this server, not from a client.
  process.env.SEALBOX_WEB_SERVED = "1";
  const dir = dirname(fileURLToPath(import.meta.url));
  const app = next({ dev: false, dir, hostname, port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const api = await directApi(dir);

  let stopping = false;
  /** Calls received and not yet done; `drained` is called when that reaches zero while stopping. */
  let inflight = 0;
  let drained;
  const server = createServer((req, res) => {
    const peer = (req.socket.remoteAddress || "unknown").replace(/^::ffff:/, "");
    let client = peer;
    let proto = req.socket.encrypted ? "https" : "http";
    if (trusted.has(peer)) {
      const forwarded = String(req.headers["x-forwarded-for"] || "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      client = forwarded[forwarded.length - 1] || peer;
      if (req.headers["x-forwarded-proto"] === "https") proto = "https";
    } else {
      req.headers["x-forwarded-for"] = peer;
      delete req.headers["x-forwarded-proto"];
      delete req.headers["x-forwarded-host"];
    }
    req.headers["x-sealbox-client"] = client;
    req.headers["x-sealbox-proto"] = proto;
    // While stopping, a keep-alive client is told to reconnect (to another process) after this answer.
    if (stopping) res.setHeader("connection", "close");
    // A call is done when its handler has settled and its response has closed: a page may
    // still stream (and read the store) after the handler returns.
    inflight++;
    let pending = 2;
    const settle = () => {
      if (--pending === 0 && --inflight === 0) drained?.();
    };
    res.once("close", settle);
    Promise.resolve()
      .then(() => (api?.handles(req) ? api.serve(req, res, proto) : handle(req, res)))
      .catch((error) => console.error("[sealbox web] request failed", error))
      .finally(settle);
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, hostname, () => {
    if (cluster.isPrimary) console.log(`sealbox web listening on http://${hostname}:${port}`);
  });

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 7000).unref();
    server.close();
    server.closeIdleConnections?.();
    // Calls already received finish first: closing the store under them would fail each one
    // ("driver has already been destroyed") instead of answering it.
    if (inflight > 0)
      await new Promise((done) => {
        drained = done;
        setTimeout(done, DRAIN_MS).unref();
      });
    server.closeAllConnections?.();
    // Closing the store records this process's Encrypt All / Decrypt All runs as interrupted,
    // so the folder can start a new run at once after a restart.
    const store = await globalThis.__sealboxStore?.catch(() => undefined);
    await store?.close().catch(() => undefined);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/**
 * The tRPC handler bundle (build-api.mjs) served without Next.js, or null when there is none
 * (a build by `next build` alone) or SEALBOX_WEB_API=next: Next.js then answers API calls,
 * through its route that calls the same handler.
 */
async function directApi(dir) {
  if (process.env.SEALBOX_WEB_API === "next") return null;
  // The output folder next.config.ts names.
  const bundle = join(dir, process.env.SEALBOX_NEXT_DIST_DIR || ".next", "sealbox-api", "handler.mjs");
  if (!existsSync(bundle)) return null;
  let handleTrpcRequest;
  let API_HEADERS;
  try {
    ({ handleTrpcRequest, API_HEADERS } = await import(pathToFileURL(bundle).href));
  } catch (error) {
    // Next.js still serves every call through its route: slower, never wrong.
    console.error("[sealbox web] the API handler bundle did not load; Next.js serves API calls", error);
    return null;
  }
  // Next.js's own response compression (gzip when the client accepts it), so API answers are
  // encoded exactly as when Next.js served them.
  const require = createRequire(join(dir, "package.json"));
  const compress = require("next/dist/compiled/compression")();
  const { releaseCompressionStream } = require("next/dist/server/lib/release-compression-stream");
  // What the Next.js route matches (/api/trpc/[trpc]: one segment; tRPC names, batches joined
  // by commas); anything else — other methods, odd paths — goes to Next.js as before.
  const call = /^\/api\/trpc\/[A-Za-z0-9_.,-]+(\?|$)/;
  return {
    handles: (req) => (req.method === "GET" || req.method === "POST") && call.test(req.url ?? ""),
    async serve(req, res, proto) {
      compress(req, res, () => {});
      res.once("close", () => {
        if (!res.writableFinished) releaseCompressionStream(res);
      });
      try {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (Array.isArray(value)) for (const v of value) headers.append(name, v);
          else if (value !== undefined) headers.set(name, value);
        }
        let url;
        try {
          url = new URL(req.url ?? "/", `${proto}://${req.headers.host || "localhost"}`);
        } catch {
          url = new URL(req.url ?? "/", `${proto}://localhost`);
        }
        let body;
        if (req.method === "POST") {
          const chunks = [];
          for await (const chunk of req) chunks.push(chunk);
          body = Buffer.concat(chunks);
        }
        const response = await handleTrpcRequest(new Request(url, { method: req.method, headers, body }));
        const payload = Buffer.from(await response.arrayBuffer());
        const out = {};
        response.headers.forEach((value, name) => {
          if (name !== "set-cookie") out[name] = value;
        });
        const cookies = response.headers.getSetCookie();
        if (cookies.length > 0) out["set-cookie"] = cookies;
        out["content-length"] = String(payload.length);
        res.writeHead(response.status, out);
        res.end(payload);
      } catch (error) {
        console.error("[sealbox web] API call failed", error);
        if (!res.headersSent) res.writeHead(500, { ...API_HEADERS, "content-type": "application/json" });
        res.end(JSON.stringify({ error: "internal server error" }));
      }
    },
  };
}
