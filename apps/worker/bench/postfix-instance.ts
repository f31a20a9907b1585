import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A throwaway Postfix for the ingest comparison: its own config directory, queue, data
 * directory and Maildir under one temp dir, smtpd on a loopback port, every recipient of
 * `domain` delivered by virtual(8) into one Maildir. Postfix's defaults otherwise, fsync on.
 *
 * Postfix's master must start as root (it binds, then its daemons drop to `mail_owner`,
 * the `postfix` user the Debian package creates); so the benchmark runs it only as root
 * (the test machine's case) and otherwise says so and skips. The Debian package is installed
 * with "No configuration" (scripts/lib/env.sh), so no system instance competes for port 25.
 */
export interface PostfixInstance {
  port: number;
  /** Messages delivered into the Maildir so far. */
  delivered(): number;
  stop(): void;
}

/** Where Debian puts the programs (not on a non-root PATH). */
const SBIN = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"];

export function findProgram(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":").filter(Boolean), ...SBIN];
  for (const dir of dirs) if (existsSync(join(dir, name))) return join(dir, name);
  return undefined;
}

/** Why the comparison cannot run here, or undefined when it can. */
export function postfixUnavailable(): string | undefined {
  if (!findProgram("postfix") || !findProgram("smtp-source"))
    return "postfix / smtp-source not installed (Debian package postfix; scripts/test installs it)";
  if (process.getuid?.() !== 0)
    return "not root: Postfix's master must start as root (it then runs as the postfix user)";
  const postfixUser = spawnSync("id", ["-u", "postfix"], { encoding: "utf8" });
  if (postfixUser.status !== 0) return "no postfix user (the Debian package creates it)";
  return undefined;
}

export function startPostfix(port: number, domain: string): PostfixInstance {
  const postfix = findProgram("postfix") as string;
  const uid = Number(spawnSync("id", ["-u", "postfix"], { encoding: "utf8" }).stdout.trim());
  const nobody = 65534;
  const dir = mkdtempSync(join(tmpdir(), "sealbox-postfix-"));
  // Postfix checks that its directories are not writable by others; mkdtemp makes 0700.
  chmodSync(dir, 0o755);
  const etc = join(dir, "etc");
  const mail = join(dir, "mail");
  for (const d of [etc, join(dir, "queue"), join(dir, "data"), mail]) mkdirSync(d);
  chownSync(join(dir, "data"), uid, 0);
  chownSync(mail, nobody, nobody);
  writeFileSync(
    join(etc, "main.cf"),
    [
      "compatibility_level = 3.6",
      `queue_directory = ${dir}/queue`,
      `data_directory = ${dir}/data`,
      "mail_owner = postfix",
      "setgid_group = postdrop",
      "inet_interfaces = loopback-only",
      "inet_protocols = ipv4",
      "myhostname = postfix-bench.localhost",
      "mydestination =",
      "alias_maps =",
      "alias_database =",
      "local_recipient_maps =",
      `virtual_mailbox_domains = ${domain}`,
      `virtual_mailbox_base = ${mail}`,
      // A path ending in "/" is a Maildir.
      "virtual_mailbox_maps = static:inbox/",
      `virtual_uid_maps = static:${nobody}`,
      `virtual_gid_maps = static:${nobody}`,
      // The Sealbox worker does no reverse lookup either.
      "smtpd_peername_lookup = no",
      `maillog_file_prefixes = /var, /dev/stdout, ${dir}`,
      `maillog_file = ${dir}/postfix.log`,
      "biff = no",
      "",
    ].join("\n"),
  );
  // Debian's services, none chrooted (the chroot would need a copy of /etc and libraries).
  const services = [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    "pickup unix n - n 60 1 pickup",
    "cleanup unix n - n - 0 cleanup",
    "qmgr unix n - n 300 1 qmgr",
    "rewrite unix - - n - - trivial-rewrite",
    "bounce unix - - n - 0 bounce",
    "defer unix - - n - 0 bounce",
    "trace unix - - n - 0 bounce",
    "verify unix - - n - 1 verify",
    "flush unix n - n 1000? 0 flush",
    "proxymap unix - - n - - proxymap",
    "smtp unix - - n - - smtp",
    "showq unix n - n - - showq",
    "error unix - - n - - error",
    "retry unix - - n - - error",
    "discard unix - - n - - discard",
    "local unix - n n - - local",
    "virtual unix - n n - - virtual",
    "anvil unix - - n - 1 anvil",
    "scache unix - - n - 1 scache",
    "postlog unix-dgram n - n - 1 postlogd",
  ];
  writeFileSync(join(etc, "master.cf"), `${services.join("\n")}\n`);
  const started = spawnSync(postfix, ["-c", etc, "start"], { encoding: "utf8" });
  if (started.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`postfix -c ${etc} start failed (${started.status}): ${started.stderr}${started.stdout}`);
  }
  const inbox = join(mail, "inbox", "new");
  return {
    port,
    delivered: () => (existsSync(inbox) ? readdirSync(inbox).length : 0),
    stop() {
      spawnSync(postfix, ["-c", etc, "stop"], { encoding: "utf8" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
