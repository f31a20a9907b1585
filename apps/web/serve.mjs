// Starts the built web UI (what `next start` does) with one addition: the client's network
// address comes from the socket, never from a header the client wrote, so the login guard
// counts failures per real client. Behind a reverse proxy, list its address in
// SEALBOX_TRUSTED_PROXIES (comma-separated) to take X-Forwarded-For / -Proto from it.
//
//   node serve.mjs --hostname 127.0.0.1 --port 3000
import { createServer } from "node:http";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import next from "next";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const hostname = arg("hostname", process.env.SEALBOX_WEB_HOST || "127.0.0.1");
const port = Number(arg("port", process.env.SEALBOX_WEB_PORT || "3000"));
const trusted = new Set(
  (process.env.SEALBOX_TRUSTED_PROXIES || "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

// Tells the app that the x-sealbox-* headers below come from this server, not from a client.
process.env.SEALBOX_WEB_SERVED = "1";
const app = next({ dev: false, dir: dirname(fileURLToPath(import.meta.url)), hostname, port });
await app.prepare();
const handle = app.getRequestHandler();

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
  handle(req, res);
});
server.keepAliveTimeout = 65_000;
server.listen(port, hostname, () => {
  console.log(`sealbox web listening on http://${hostname}:${port}`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
